"""k9s-style command mode, headless: the commands, their parser, completion and history.

``:studio``, ``:ops``, ``:map``, ``:approvals`` switch panes; ``:node NAME`` opens a node in
DataStudio; ``:inst bizdate=D status=failed`` lists instances in Operation Center; ``:theme NAME``
switches the theme; ``:help`` shows the keys; ``:q`` quits. Each command has short aliases, as in
k9s (``:ds``, ``:oc``, ``:i``). The widget (tui.widgets.command_line) only edits text; the app
routes the parsed :class:`Command`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True)
class CommandInfo:
    name: str
    aliases: tuple[str, ...]
    usage: str
    help: str


COMMANDS: tuple[CommandInfo, ...] = (
    CommandInfo("studio", ("ds", "dev"), ":studio", "DataStudio: workflows, code, run, commit"),
    CommandInfo("ops", ("oc", "operation"), ":ops", "Operation Center: instances and O&M"),
    CommandInfo("map", ("dm", "datamap"), ":map [TABLE]", "Data Map: tables, columns, lineage"),
    CommandInfo("approvals", ("ap", "approval"), ":approvals", "Approvals: permission requests"),
    CommandInfo("node", ("n", "no"), ":node NAME", "open node NAME in DataStudio"),
    CommandInfo(
        "inst",
        ("i", "instances", "instance"),
        ":inst bizdate=YYYYMMDD|all status=failed node=NAME owner=me type=T group=G",
        "instances in Operation Center, filtered",
    ),
    CommandInfo("theme", ("th",), ":theme NAME", "switch the colour theme (remembered)"),
    CommandInfo("help", ("h", "keys"), ":help", "the keys of the focused view"),
    CommandInfo("quit", ("q", "q!", "exit"), ":q", "quit maxworks"),
)
PANE_COMMANDS = ("studio", "ops", "map", "approvals")
INST_KEYS = ("bizdate", "status", "node", "owner", "type", "group")
INST_STATUSES = (
    "not_run", "wait_time", "wait_resource", "running", "succeeded", "failed", "frozen",
)  # fmt: skip
"""Offered by completion: the state buckets of Operation Center (engine.ops.monitor.BUCKETS)."""
_BY_NAME = {alias: info for info in COMMANDS for alias in (info.name, *info.aliases)}
_NODE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class Command:
    """A parsed command line."""

    name: str
    """The canonical command (``inst`` for ``:i``)."""
    args: tuple[str, ...] = ()

    @property
    def target(self) -> str:
        """What a pane's ``open_target`` receives: ``"node orders_daily"``, ``"inst status=failed"``."""
        return " ".join((self.name, *self.args))


class CommandError(ValueError):
    """A command line that cannot run; the message says how to write it instead."""


def parse_command(text: str, *, themes: Iterable[str] = ()) -> Command:
    words = text.strip().lstrip(":").split()
    if not words:
        raise CommandError("type a command, e.g. :ops (Tab completes, Esc closes)")
    head, args = words[0].lower(), words[1:]
    info = _BY_NAME.get(head)
    if info is None:
        close = [c.name for c in COMMANDS if c.name.startswith(head[:1])]
        hint = f" (did you mean :{close[0]}?)" if close else ""
        raise CommandError(f"unknown command :{head}{hint}; :help lists the commands")
    name = info.name
    if name in (*PANE_COMMANDS, "help", "quit"):
        if name == "map" and len(args) == 1:  # :map TABLE shows a table in Data Map
            return Command(name, (args[0],))
        if args:
            raise CommandError(f":{name} takes no arguments")
        return Command(name)
    if name == "node":
        if len(args) != 1:
            raise CommandError("usage: :node NAME")
        if not _NODE_NAME.match(args[0]):
            raise CommandError(f"{args[0]!r} is not a node name")
        return Command(name, (args[0],))
    if name == "theme":
        known = sorted(themes)
        if len(args) != 1:
            raise CommandError(f"usage: :theme NAME ({', '.join(known)})")
        if known and args[0] not in known:
            raise CommandError(f"no theme {args[0]!r}; themes: {', '.join(known)}")
        return Command(name, (args[0],))
    return Command(name, _inst_args(args))


def _inst_args(args: Sequence[str]) -> tuple[str, ...]:
    out: dict[str, str] = {}
    for arg in args:
        key, sep, value = arg.partition("=")
        key = key.lower()
        if not sep or not value:
            raise CommandError(f"{arg!r}: write filters as key=value ({', '.join(INST_KEYS)})")
        if key not in INST_KEYS:
            raise CommandError(f"unknown filter {key!r}; filters: {', '.join(INST_KEYS)}")
        if key == "bizdate" and value.lower() != "all":
            try:
                datetime.strptime(value, "%Y%m%d")
            except ValueError:
                raise CommandError(
                    f"bizdate={value}: expected a date YYYYMMDD, or all (every date)"
                ) from None
        elif key != "bizdate":
            _check_filter(key, value)
        out[key] = value.lower() if key == "bizdate" else value
    return tuple(f"{key}={out[key]}" for key in INST_KEYS if key in out)


def _check_filter(key: str, value: str) -> None:
    """What Operation Center's ``/`` filter would refuse is refused here, in its words."""
    from engine.errors import MaxworksError
    from engine.ops.monitor import parse_filter

    try:
        parse_filter(f"{key}:{value}", me="me")
    except MaxworksError as err:
        raise CommandError(f"{key}={value}: {err.message}") from None


def complete(text: str, *, nodes: Iterable[str] = (), themes: Iterable[str] = ()) -> list[str]:
    """Whole-line candidates for what has been typed (without the leading ``:``)."""
    words = text.lstrip(":").split(" ")
    if len(words) == 1:
        prefix = words[0].lower()
        names = [c.name for c in COMMANDS]
        hits = [n for n in names if n.startswith(prefix)]
        hits += [
            a for c in COMMANDS for a in c.aliases if a.startswith(prefix) and c.name not in hits
        ]
        return hits if prefix else names
    head, last = words[0].lower(), words[-1]
    info = _BY_NAME.get(head)
    if info is None:
        return []
    before = " ".join(words[:-1]) + " "
    if info.name == "node" and len(words) == 2:
        pool: Iterable[str] = nodes
    elif info.name == "theme" and len(words) == 2:
        pool = themes
    elif info.name == "inst":
        key, sep, _value = last.partition("=")
        used = {w.partition("=")[0] for w in words[1:-1]}
        if sep and key == "status":
            pool = [f"status={s}" for s in INST_STATUSES]
        elif sep and key == "node":
            pool = [f"node={n}" for n in nodes]
        else:
            pool = [f"{k}=" for k in INST_KEYS if k not in used]
    else:
        return []
    return [before + p for p in sorted(set(pool)) if p.startswith(last)]


def common_prefix(candidates: Sequence[str]) -> str:
    """The longest start every candidate shares (character by character)."""
    if not candidates:
        return ""
    first, last = min(candidates), max(candidates)
    size = next(
        (i for i, (a, b) in enumerate(zip(first, last, strict=False)) if a != b), len(first)
    )
    return first[:size]


class CommandHistory:
    """Command lines, oldest first, kept in a file (one a line) across sessions."""

    def __init__(self, path: Path | None, limit: int = 500) -> None:
        self.path = path
        self.limit = limit
        self.entries: list[str] = []
        if path is not None:
            try:
                lines = path.read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError):
                lines = []
            self.entries = [line for line in lines if line.strip()][-limit:]

    def add(self, line: str, on_error: Callable[[str], None] | None = None) -> None:
        line = line.strip()
        if not line or (self.entries and self.entries[-1] == line):
            return
        self.entries.append(line)
        del self.entries[: -self.limit]
        if self.path is None:
            return
        from tui.config import ConfigError, write_atomic

        try:
            write_atomic(self.path, "\n".join(self.entries) + "\n")
        except ConfigError as err:
            if on_error is not None:
                on_error(str(err))
