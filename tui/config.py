"""The user's settings: ``~/.config/maxworks/config.toml`` as a typed model.

The folder is ``$MAXWORKS_CONFIG_DIR`` when set (tests), else ``$XDG_CONFIG_HOME/maxworks``, else
``~/.config/maxworks``. It also holds the command history (``history``) and user themes
(``themes/*.toml``). A broken file never stops the app: what cannot be read keeps its default and
every problem is reported as one line naming the file and the key, for the app to show. ::

    theme = "dark"                 # dark, light, high-contrast, or a file in themes/
    start_pane = "studio"          # studio, ops, map, approvals
    autostart_scheduler = false    # lead the workspace's scheduler when nobody does
    confirm_read_above = "1G"      # DataStudio asks before a Run estimated to read more

    [keymap]                       # binding id = "keys" (see tui.keymap)
    "pane.ops" = "f3,alt+2"

    [editor]
    tab_size = 4
    soft_wrap = false
    line_numbers = true
    cursor_blink = true
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

CONFIG_FILE = "config.toml"
HISTORY_FILE = "history"
THEMES_DIR = "themes"
DEFAULT_THEME = "dark"


def config_dir() -> Path:
    """Where the user's settings live (see the module docstring for the order)."""
    override = os.environ.get("MAXWORKS_CONFIG_DIR")
    if override:
        return Path(override).expanduser()
    xdg = os.environ.get("XDG_CONFIG_HOME", "")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".config"
    return base / "maxworks"


@dataclass(frozen=True)
class EditorOptions:
    """How code editors behave (DataStudio reads these from ``app.settings.editor``)."""

    tab_size: int = 4
    soft_wrap: bool = False
    line_numbers: bool = True
    cursor_blink: bool = True


@dataclass(frozen=True)
class Settings:
    theme: str = DEFAULT_THEME
    start_pane: str = "studio"
    autostart_scheduler: bool = False
    confirm_read_above: int = 1 << 30
    """Bytes: a DataStudio Run estimated to read more asks first."""
    keymap: dict[str, str] = field(default_factory=dict)
    editor: EditorOptions = field(default_factory=EditorOptions)
    directory: Path = field(default_factory=config_dir)
    errors: tuple[str, ...] = ()
    """Problems found while loading, one line each (file: key: reason)."""
    unreadable: bool = False
    """The file exists but could not be parsed: never write over it."""

    @property
    def path(self) -> Path:
        return self.directory / CONFIG_FILE

    @property
    def history_path(self) -> Path:
        return self.directory / HISTORY_FILE

    @property
    def themes_dir(self) -> Path:
        return self.directory / THEMES_DIR


class ConfigError(Exception):
    """A settings file that cannot be written (the message names the file)."""


def load_settings(directory: Path | None = None) -> Settings:
    """Read ``config.toml``; defaults for whatever is missing or wrong, with the errors listed."""
    from tui.keymap import BINDING_IDS, check_keys
    from tui.panes import PANES

    directory = directory or config_dir()
    path = directory / CONFIG_FILE
    base = Settings(directory=directory)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return base
    except OSError as err:
        return replace(base, errors=(f"{path}: cannot read: {err.strerror}",), unreadable=True)
    except UnicodeDecodeError:
        return replace(base, errors=(f"{path}: not UTF-8 text",), unreadable=True)
    except tomllib.TOMLDecodeError as err:
        return replace(base, errors=(f"{path}: not valid TOML: {err}",), unreadable=True)

    errors: list[str] = []

    def bad(key: str, reason: str) -> None:
        errors.append(f"{path}: {key}: {reason}")

    known = {"theme", "start_pane", "autostart_scheduler", "confirm_read_above", "keymap", "editor"}
    for key in sorted(set(raw) - known):
        bad(key, f"unknown setting (expected one of {', '.join(sorted(known))})")
    values: dict[str, Any] = {}

    theme = raw.get("theme", DEFAULT_THEME)
    if isinstance(theme, str) and theme:
        values["theme"] = theme
    else:
        bad("theme", 'must be a theme name such as "dark"')

    pane_ids = [pane_id for pane_id, _target, _title in PANES]
    start = raw.get("start_pane", "studio")
    if start in pane_ids:
        values["start_pane"] = start
    else:
        bad("start_pane", f"{start!r} is not a pane (expected one of {', '.join(pane_ids)})")

    autostart = raw.get("autostart_scheduler", False)
    if isinstance(autostart, bool):
        values["autostart_scheduler"] = autostart
    else:
        bad("autostart_scheduler", "must be true or false")

    if "confirm_read_above" in raw:
        from engine.studio.cost import parse_size

        limit = raw["confirm_read_above"]
        try:
            values["confirm_read_above"] = (
                parse_size(str(limit)) if not isinstance(limit, bool) else -1
            )
            if values["confirm_read_above"] < 0:
                raise ValueError('must be a size such as "1G"')
        except ValueError as err:
            values.pop("confirm_read_above", None)
            bad("confirm_read_above", str(err))

    keymap: dict[str, str] = {}
    table = raw.get("keymap", {})
    if not isinstance(table, dict):
        bad("keymap", 'must be a table of binding id = "keys"')
        table = {}
    for binding_id, keys in _flatten(table).items():
        where = f"keymap.{binding_id}"
        if binding_id not in BINDING_IDS:
            bad(where, f"unknown binding id (expected one of {', '.join(sorted(BINDING_IDS))})")
        elif not isinstance(keys, str):
            bad(where, 'must be a string of keys such as "f3,alt+2"')
        elif (problem := check_keys(keys)) is not None:
            bad(where, problem)
        else:
            keymap[binding_id] = keys
    values["keymap"] = keymap

    values["editor"] = _editor(raw.get("editor", {}), bad)
    return replace(base, errors=tuple(errors), **values)


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``pane.ops = "f3"`` (a dotted TOML key) and ``"pane.ops" = "f3"`` mean the same."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, f"{name}."))
        else:
            out[name] = value
    return out


def _editor(table: object, bad: Any) -> EditorOptions:
    if not isinstance(table, dict):
        bad("editor", "must be a table ([editor])")
        return EditorOptions()
    defaults = EditorOptions()
    values: dict[str, Any] = {}
    names = [f.name for f in fields(EditorOptions)]
    for key, value in table.items():
        where = f"editor.{key}"
        if key not in names:
            bad(where, f"unknown option (expected one of {', '.join(names)})")
        elif isinstance(getattr(defaults, key), bool):
            if isinstance(value, bool):
                values[key] = value
            else:
                bad(where, "must be true or false")
        elif isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 16:
            values[key] = value
        else:
            bad(where, "must be a whole number from 1 to 16")
    return replace(defaults, **values)


_TOP_KEY = re.compile(r"^\s*theme\s*=")
_TABLE = re.compile(r"^\s*\[")


def save_theme(settings: Settings, theme: str) -> Settings:
    """Remember ``theme``: rewrite only the ``theme = ...`` line, keeping the user's comments.

    Raises ConfigError when the file cannot be written or is broken (it is never overwritten
    then: the user's text would be lost)."""
    path = settings.path
    if settings.unreadable:
        raise ConfigError(f"{path}: not saved, the file has errors; fix it first")
    try:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: cannot read: {err}") from None
    line = f"theme = {json.dumps(theme)}"
    lines = text.splitlines()
    for index, current in enumerate(lines):
        if _TABLE.match(current):
            lines.insert(index, line)
            break
        if _TOP_KEY.match(current):
            lines[index] = line
            break
    else:
        lines.append(line)
    write_atomic(path, "\n".join(lines) + "\n")
    return replace(settings, theme=theme)


def write_atomic(path: Path, text: str) -> None:
    """Write through a temporary file and a rename: a crash leaves the old file or the new one."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            if path.exists():
                os.chmod(tmp, path.stat().st_mode & 0o777)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as err:
        raise ConfigError(f"{path}: cannot write: {err.strerror or err}") from None
