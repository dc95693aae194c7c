"""How Operation Center draws states and times: theme colours only, text that reads without
colour too (NO_COLOR, high contrast), durations as an operator says them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text

from engine.scheduler.model import State

if TYPE_CHECKING:
    from textual.app import App

    from engine.ops.queries import InstanceInfo

_STATE_COLOUR = {
    State.NOT_RUN: "foreground",
    State.CHECKING_CONDITION: "foreground",
    State.WAIT_TIME: "secondary",
    State.WAIT_RESOURCE: "warning",
    State.RUNNING: "primary",
    State.FAILURE: "error",
    State.SUCCESS: "success",
}
BUCKET_COLOUR = {
    "not_run": "foreground",
    "wait_time": "secondary",
    "wait_resource": "warning",
    "running": "primary",
    "succeeded": "success",
    "failed": "error",
    "frozen": "accent",
}


def colour(app: App[object], name: str) -> str:
    """A colour of the current theme by its role (``error``, ``success``...)."""
    theme = app.current_theme
    value = getattr(theme, name, None) or theme.foreground or "white"
    return str(value)


def state_text(app: App[object], info: InstanceInfo) -> Text:
    label = info.status_label
    style = colour(app, _STATE_COLOUR.get(info.state, "foreground"))
    if info.frozen:
        style = colour(app, "accent")
    bold = info.state in (State.FAILURE, State.RUNNING)
    return Text(label, style=f"bold {style}" if bold else style)


def state_cell(app: App[object], info: InstanceInfo) -> tuple[str, str]:
    """The status as a grid cell: label and style."""
    style = colour(app, _STATE_COLOUR.get(info.state, "foreground"))
    if info.frozen:
        style = colour(app, "accent")
    if info.state in (State.FAILURE, State.RUNNING):
        style = f"bold {style}"
    return info.status_label, style


def duration(info: InstanceInfo, now: datetime | None = None) -> str:
    """Run time: finished - started, or so far for a running instance; nothing for one that is
    waiting to run again (a rerun keeps its last start until it starts anew)."""
    if not info.started_at:
        return ""
    start = _parse(info.started_at)
    if info.finished_at:
        end = _parse(info.finished_at)
    elif info.state == State.RUNNING:
        end = now
    else:
        return ""
    if start is None or end is None:
        return ""
    return seconds_text((end - start).total_seconds())


def seconds_text(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, s = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{s:02d}s"
    hours, m = divmod(minutes, 60)
    return f"{hours}h{m:02d}m"


def _parse(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text[:19])  # C speed: a page parses hundreds of these
    except ValueError:
        return None


def clock_of(text: str | None) -> str:
    """``2025-03-15 00:10:03`` -> ``03-15 00:10:03`` (the year is noise on an ops screen)."""
    return text[5:19] if text else ""
