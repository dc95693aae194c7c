"""The top line: the panes (with their keys) on the left, where you are on the right.

Workspace, environment (dev/prod), identity (the OS user), engine (local/maxcompute) and the
scheduler (embedded leader / other leader / none, with the key that starts or stops the embedded
one). The app sets the attributes; the bar only draws them, in a wide form and, below 120
columns, a compact one. Clicking a pane name switches to it (the mouse is optional).
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

from tui.scheduler_control import SchedulerState

WIDE = 120


@dataclass(frozen=True)
class PaneTab:
    id: str
    title: str
    short: str
    key: str
    """The key label (``F2``), empty when the user unbound it."""


@dataclass(frozen=True)
class Context:
    workspace: str = ""
    env: str = ""
    user: str = ""
    engine: str = ""


class StatusBar(Widget):
    DEFAULT_CSS = """
    StatusBar {
        dock: top;
        height: 1;
        background: $panel;
        color: $foreground;
    }
    """

    tabs: reactive[tuple[PaneTab, ...]] = reactive(())
    """The panes, in switcher order."""
    current: reactive[str] = reactive("")
    """The id of the visible pane."""
    context: reactive[Context] = reactive(Context())
    """Workspace, environment, identity and engine."""
    scheduler: reactive[SchedulerState] = reactive(SchedulerState())
    """Who leads the workspace's scheduler."""
    scheduler_key: reactive[str] = reactive("")
    """The label of the key that toggles the embedded scheduler."""

    def render(self) -> Content:
        width = self.size.width
        # Widest form that fits: full titles, then short titles, then short titles without keys.
        for wide_tabs, keys, wide in (
            (True, True, True),
            (False, True, True),
            (False, True, False),
            (False, False, False),
        ):
            left, right = self._tab_strip(wide_tabs, keys), self._where(wide)
            if left.cell_length + right.cell_length <= width:
                break
        room = max(width - right.cell_length, 0)
        if left.cell_length > room:
            left = left.truncate(room, ellipsis=True)
        return Content.assemble(left, " " * (room - left.cell_length), right)

    def _tab_strip(self, wide: bool, keys: bool) -> Content:
        parts: list[Content] = []
        for tab in self.tabs:
            title = tab.title if wide else tab.short
            active = tab.id == self.current
            style = "bold $text-primary on $primary-muted" if active else "$foreground-muted"
            key = f"{tab.key} " if keys and tab.key else ""
            label = Content.assemble(" ", (key, "" if active else "$text-accent"), title, " ")
            parts.append(label.stylize(style).stylize(f"@click=app.show_pane('{tab.id}')"))
        return Content("").join(parts)

    def _where(self, wide: bool) -> Content:
        """Workspace, environment, identity, engine and scheduler (labelled when wide)."""
        ctx = self.context
        sched = self.scheduler
        env_style = "bold $text-warning" if ctx.env == "prod" else "$text-success"
        sched_style = {
            "embedded": "bold $text-success",
            "other": "$text-primary",
            "starting": "$text-warning",
            "stopping": "$text-warning",
            "run": "$text-success",
        }.get(sched.kind, "$text-muted")
        key = f" {self.scheduler_key}" if self.scheduler_key and sched.kind != "other" else ""
        if wide:
            items: list[tuple[str, str, str]] = [
                ("workspace ", ctx.workspace, "bold"),
                ("env ", ctx.env, env_style),
                ("user ", ctx.user, ""),
                ("engine ", ctx.engine, ""),
                ("scheduler ", sched.label, sched_style),
            ]
        else:
            items = [
                ("", ctx.workspace, "bold"),
                ("", ctx.env, env_style),
                ("", ctx.user, ""),
                ("", ctx.engine, ""),
                ("sched ", _short(sched), sched_style),
            ]
        sep = Content.styled(" · " if wide else "·", "$text-muted")
        body = sep.join(
            Content.assemble((label, "$text-muted"), (value, style))
            for label, value, style in items
        )
        return Content.assemble(body, (key, "$text-accent"), " ").stylize(
            "@click=app.toggle_scheduler", body.cell_length
        )


def _short(state: SchedulerState) -> str:
    if state.kind == "other":
        return f"other@{state.detail.rpartition(' on ')[2]}" if state.detail else "other"
    return {"embedded": "embedded", "none": "none", "run": "run"}.get(state.kind, "…")
