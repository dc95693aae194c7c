"""Our commands in Textual's command palette (Ctrl+P): panes, themes, the scheduler, help.

Typing a command line (``:node orders_daily``, ``inst status=failed``) offers to run it, so
command mode is reachable from places where ``:`` is a character (the code editor).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Protocol, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tui.commands import COMMANDS, CommandError, parse_command


class ShellApp(Protocol):
    """What the palette needs from the app (kept structural: no import of tui.app)."""

    def pane_titles(self) -> list[tuple[str, str, str]]: ...
    def theme_names(self) -> list[str]: ...
    def action_show_pane(self, pane_id: str) -> None: ...
    def switch_theme(self, name: str) -> None: ...
    def action_toggle_scheduler(self) -> None: ...
    def action_help(self) -> None: ...
    def action_command_mode(self) -> None: ...
    def run_command_text(self, text: str) -> None: ...


class ShellCommands(Provider):
    def _entries(self) -> list[tuple[str, str, Callable[[], object]]]:
        app = cast(ShellApp, self.app)
        out: list[tuple[str, str, Callable[[], object]]] = []
        for pane_id, title, key in app.pane_titles():
            where = f"{key} · :{pane_id}" if key else f":{pane_id}"
            out.append((f"Go to {title}", where, partial(app.action_show_pane, pane_id)))
        for name in app.theme_names():
            out.append(
                (
                    f"Theme: {name}",
                    "switch the colour theme (remembered)",
                    partial(app.switch_theme, name),
                )
            )
        out.append(
            (
                "Scheduler: start or stop the embedded leader",
                "lead this workspace's scheduler from this app while nobody else does",
                app.action_toggle_scheduler,
            )
        )
        out.append(("Keys of this view", "? or F1", app.action_help))
        out.append(("Command mode", ": then Tab to complete", app.action_command_mode))
        return out

    async def discover(self) -> Hits:
        for title, help_text, callback in self._entries():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        app = cast(ShellApp, self.app)
        text = query.strip()
        if _looks_like_command(text):
            try:
                command = parse_command(text, themes=app.theme_names())
            except CommandError as err:
                yield Hit(0.5, f":{text.lstrip(':')}", lambda: None, help=str(err))
            else:
                yield Hit(
                    1.0,
                    f"Run :{command.target}",
                    partial(app.run_command_text, text),
                    text=f":{command.target}",
                    help="command mode",
                )
        matcher = self.matcher(query)
        for title, help_text, callback in self._entries():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, text=title, help=help_text)


def _looks_like_command(text: str) -> bool:
    if text.startswith(":"):
        return True
    head = text.split(" ", 1)[0].lower()
    names = {alias for c in COMMANDS for alias in (c.name, *c.aliases)}
    return " " in text and head in names
