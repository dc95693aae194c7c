"""The search box's language: words to search, and ``key:value`` filters (headless).

``orders env:prod owner:me layer:dwd project:shop`` searches ``orders`` in production tables of
``me`` (the OS user) whose names start with ``dwd_`` in project ``shop``; ``fav`` (or ``fav:``)
lists favourites only.
"""

from __future__ import annotations

from dataclasses import dataclass

FILTER_KEYS = ("env", "owner", "layer", "project")


@dataclass(frozen=True)
class MapQuery:
    text: str = ""
    env: str | None = None
    owner: str | None = None
    layer: str | None = None
    project: str | None = None
    favourites: bool = False

    @property
    def filters(self) -> dict[str, str | None]:
        return {"env": self.env, "owner": self.owner, "layer": self.layer, "project": self.project}


def parse_query(line: str, *, user: str) -> tuple[MapQuery, str | None]:
    """(the query, a problem to show or None). Unknown filters are reported, not searched."""
    words: list[str] = []
    found: dict[str, str] = {}
    favourites = False
    problem = None
    for token in line.split():
        key, sep, value = token.partition(":")
        if token.lower() in ("fav", "fav:", "favourites", "favorites"):
            favourites = True
        elif sep and key.lower() in FILTER_KEYS and value:
            found[key.lower()] = user if key.lower() == "owner" and value == "me" else value
        elif sep and key.isalpha() and key.lower() not in FILTER_KEYS and value:
            problem = (
                f"unknown filter {key}: (use {', '.join(k + ':' for k in FILTER_KEYS)} or fav)"
            )
        else:
            words.append(token)
    env = found.get("env")
    if env is not None and env not in ("dev", "prod"):
        problem, env = f"env:{env}? use env:dev or env:prod", None
    query = MapQuery(
        " ".join(words),
        env,
        found.get("owner"),
        found.get("layer"),
        found.get("project"),
        favourites,
    )
    return query, problem
