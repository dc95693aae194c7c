"""Themes are data: TOML files mapped onto :class:`textual.theme.Theme` by one loader.

The built-in themes (``themes/*.toml`` in the package) and the user's
(``~/.config/maxworks/themes/*.toml``) go through :func:`load_themes`; a user theme with a
built-in's name replaces it. A broken file is reported (file, key, reason) and skipped, so a typo
never stops the app. Widgets and ``.tcss`` use only the variables Textual derives from these
colours (``$primary``, ``$panel``, ``$text-muted``, ...), never colours of their own.

A theme file::

    name = "dusk"              # optional: defaults to the file name without .toml
    dark = true                # Textual derives shades for a dark or a light background
    luminosity_spread = 0.15   # optional
    text_alpha = 0.95          # optional

    [colors]                   # primary is required; the others default to Textual's choice
    primary = "#3D8BFD"
    background = "#0F141A"

    [variables]                # optional overrides of Textual's derived variables
    footer-key-foreground = "#F5A524"
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual.color import Color, ColorParseError
from textual.theme import Theme

DEFAULT_THEME = "dark"
COLOR_FIELDS = (
    "primary",
    "secondary",
    "accent",
    "warning",
    "error",
    "success",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
)
TOP_LEVEL_KEYS = {"name", "dark", "luminosity_spread", "text_alpha", "colors", "variables"}
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


class ThemeError(ValueError):
    """A theme file that cannot be used: the message names the file and the key."""


@dataclass(frozen=True)
class LoadedThemes:
    themes: dict[str, Theme]
    """Usable themes by name, built-ins first, then the user's."""
    errors: list[str]
    """One line per file that was skipped."""
    sources: dict[str, Path]
    """Where each theme came from (for `:theme` help and error messages)."""


def builtin_dir() -> Path:
    """The ``themes`` package shipped with maxworks."""
    import themes

    return Path(themes.__file__).parent


def load_themes(user_dir: Path | None = None) -> LoadedThemes:
    """Every built-in theme, then every user theme file (which may replace a built-in)."""
    found: dict[str, Theme] = {}
    sources: dict[str, Path] = {}
    errors: list[str] = []
    dirs = [builtin_dir()]
    if user_dir is not None and user_dir.is_dir():
        dirs.append(user_dir)
    for folder in dirs:
        for path in sorted(folder.glob("*.toml")):
            try:
                theme = load_theme_file(path)
            except ThemeError as err:
                errors.append(str(err))
                continue
            found[theme.name] = theme
            sources[theme.name] = path
    return LoadedThemes(found, errors, sources)


def load_theme_file(path: Path) -> Theme:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ThemeError(f"{path}: cannot read the theme: {err.strerror}") from None
    except UnicodeDecodeError:
        raise ThemeError(f"{path}: the theme is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as err:
        raise ThemeError(f"{path}: not valid TOML: {err}") from None
    return parse_theme(raw, source=path)


def parse_theme(raw: dict[str, Any], *, source: Path) -> Theme:
    """Validate one theme table; every error says which key of which file is wrong."""

    def fail(key: str, reason: str) -> ThemeError:
        return ThemeError(f"{source}: {key}: {reason}")

    unknown = sorted(set(raw) - TOP_LEVEL_KEYS)
    if unknown:
        raise fail(unknown[0], f"unknown key (expected one of {', '.join(sorted(TOP_LEVEL_KEYS))})")
    name = raw.get("name", source.stem)
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise fail("name", f"{name!r} is not a theme name (lower-case letters, digits, - and _)")
    dark = raw.get("dark", True)
    if not isinstance(dark, bool):
        raise fail("dark", "must be true or false")
    spread = _number(raw, "luminosity_spread", 0.15, 0.0, 1.0, fail)
    alpha = _number(raw, "text_alpha", 0.95, 0.0, 1.0, fail)

    colors = raw.get("colors", {})
    if not isinstance(colors, dict):
        raise fail("colors", "must be a table of colour names to values")
    for key in sorted(set(colors) - set(COLOR_FIELDS)):
        raise fail(f"colors.{key}", f"unknown colour (expected one of {', '.join(COLOR_FIELDS)})")
    if "primary" not in colors:
        raise fail("colors.primary", "is required")
    values = {key: _color(colors[key], f"colors.{key}", fail) for key in colors}

    variables = raw.get("variables", {})
    if not isinstance(variables, dict):
        raise fail("variables", "must be a table of Textual variable names to values")
    checked: dict[str, str] = {}
    for key, value in variables.items():
        if not isinstance(value, str):
            raise fail(f"variables.{key}", "must be a string")
        # Text styles ("bold", "none") are not colours; everything else must parse as one.
        checked[key] = value if key.endswith("-style") else _color(value, f"variables.{key}", fail)

    return Theme(
        name=name,
        primary=values["primary"],
        secondary=values.get("secondary"),
        accent=values.get("accent"),
        warning=values.get("warning"),
        error=values.get("error"),
        success=values.get("success"),
        foreground=values.get("foreground"),
        background=values.get("background"),
        surface=values.get("surface"),
        panel=values.get("panel"),
        boost=values.get("boost"),
        dark=dark,
        luminosity_spread=spread,
        text_alpha=alpha,
        variables=checked,
    )


def _number(
    raw: dict[str, Any], key: str, default: float, low: float, high: float, fail: Any
) -> float:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise fail(key, "must be a number")
    if not low <= value <= high:
        raise fail(key, f"must be between {low} and {high}, got {value}")
    return float(value)


def _color(value: object, key: str, fail: Any) -> str:
    if not isinstance(value, str):
        raise fail(key, 'must be a colour string such as "#3D8BFD" or "rgb(61,139,253)"')
    try:
        Color.parse(value)
    except ColorParseError:
        raise fail(key, f'{value!r} is not a colour (try "#RRGGBB")') from None
    return value
