"""The Operation Center pane: five views, one key each, and the operations on what they show.

1 Cycle instances (per business date, the counts header, the ``/`` filter) · 2 Cycle tasks
(deployed nodes) · 3 Backfill runs · 4 Test instances · 5 Dashboard. Every operation goes through
the engine API (engine.api.OpsApi) with its rules, refusals and events, exactly as the CLI's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import ContentSwitcher, Static

from engine.ops.monitor import InstanceQuery
from engine.scheduler.model import DagType
from tui.panes.base import Pane
from tui.panes.ops.actions import OpsActions
from tui.panes.ops.dashboard import DashboardView
from tui.panes.ops.detail import InstanceScreen
from tui.panes.ops.instances import InstanceList
from tui.panes.ops.style import colour
from tui.panes.ops.tasks import BackfillList, TaskList

if TYPE_CHECKING:
    from engine.api import Api

VIEWS: tuple[tuple[str, str], ...] = (
    ("cycle", "Instances"),
    ("tasks", "Tasks"),
    ("backfills", "Backfills"),
    ("tests", "Tests"),
    ("dashboard", "Dashboard"),
)
"""View ids and their tab titles (short: the bar fits 80 columns with the READ-ONLY badge)."""

CSS = """
OpsPane { height: 1fr; layout: vertical; background: $surface; }
OpsPane #ops-views { height: 1; background: $panel; padding: 0 1; }
OpsPane #ops-switcher { height: 1fr; }
OpsPane #ops-switcher > * { height: 1fr; }
OpsPane .ops-counts { height: auto; max-height: 2; padding: 0 1; }
OpsPane .ops-filter { height: 3; margin: 0 1; }
OpsPane .ops-table { height: 1fr; }
OpsPane .ops-table--short { height: 2fr; max-height: 12; }
OpsPane .ops-list-status { height: 1; padding: 0 1; }
OpsPane BackfillList InstanceList { height: 3fr; }
OpsPane .dash-block { height: auto; margin: 0 1 1 1; }
OpsPane .dash-row { height: auto; }
OpsPane .dash-half { width: 1fr; }
"""

HELP = [
    ("1-5", "views: cycle instances, cycle tasks, backfill runs, test instances, dashboard"),
    ("/", "filter: status:failed owner:me node:dwd_* type:odps_sql group:G words"),
    ("[ / ]", "older / newer business date"),
    ("f", "cycle the state filter (the counts header)"),
    ("o / O", "sort by the next column / reverse (or click a header)"),
    ("Space", "mark a row for a bulk operation; Esc clears marks, then the filter"),
    ("Enter", "the instance: properties, why it is not running, neighbours"),
    ("l / d / w", "log (f follow, / search, [ ] run) / DAG (1 3 a levels) / why"),
    ("r / R", "rerun / rerun with downstream"),
    ("S / ctrl+k", "set successful / kill"),
    ("z / U", "freeze or unfreeze / remove upstream dependencies"),
    ("T / B", "test run / backfill of the node"),
]


class OpsPane(Pane):
    PANE_ID: ClassVar[str] = "ops"
    TITLE: ClassVar[str] = "Operation Center"
    DEFAULT_CSS = CSS

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "view('cycle')", "Instances", show=False, id="ops.view.cycle"),
        Binding("2", "view('tasks')", "Tasks", show=False, id="ops.view.tasks"),
        Binding("3", "view('backfills')", "Backfills", show=False, id="ops.view.backfills"),
        Binding("4", "view('tests')", "Tests", show=False, id="ops.view.tests"),
        Binding("5", "view('dashboard')", "Dashboard", show=False, id="ops.view.dashboard"),
    ]

    def __init__(self, api: Api, *, id: str | None = None, readonly: bool | None = None) -> None:
        super().__init__(api, id=id)
        session = api.readonly if readonly is None else readonly
        self.actions = OpsActions(self, api, readonly=session, done=self.after_operation)
        self.current = "cycle"

    def compose(self) -> ComposeResult:
        yield Static("", id="ops-views")
        with ContentSwitcher(initial="cycle", id="ops-switcher"):
            yield InstanceList(self.api, InstanceQuery(), self.actions, id="cycle")
            with Vertical(id="tasks"):
                yield TaskList(self.api, self.actions, id="task-list")
            with Vertical(id="backfills"):
                yield BackfillList(self.api, self.actions, id="backfill-list")
            yield InstanceList(
                self.api,
                InstanceQuery(dag_type=DagType.SMOKE_TEST),
                self.actions,
                by_date=False,
                autoload=False,
                id="tests",
            )
            yield DashboardView(self.api, id="dashboard")

    def on_mount(self) -> None:
        self._show_views()
        self.cycle.table.focus()

    @property
    def readonly(self) -> bool:
        """Nothing can be operated here: ``--readonly``, or a role that only reads."""
        return self.actions.readonly

    @property
    def cycle(self) -> InstanceList:
        return self.query_one("#cycle", InstanceList)

    @property
    def switcher(self) -> ContentSwitcher:
        return self.query_one("#ops-switcher", ContentSwitcher)

    def _show_views(self) -> None:
        parts = []
        for i, (view, title) in enumerate(VIEWS, start=1):
            style = f"bold reverse {colour(self.app, 'primary')}" if view == self.current else ""
            parts.append(Text(f" {i} {title} ", style=style))
        line = Text("").join(parts)
        if self.readonly:
            line.append("  READ-ONLY", style=f"bold {colour(self.app, 'warning')}")
        self.query_one("#ops-views", Static).update(line)

    # -- views -----------------------------------------------------------------------------------
    def action_view(self, view: str) -> None:
        self.current = view
        self.switcher.current = view
        self._show_views()
        target = self.switcher.query_one(f"#{view}")
        if isinstance(target, InstanceList):
            target.reload()
            target.table.focus()
        elif view == "tasks":
            tasks = self.query_one(TaskList)
            tasks.reload()
            tasks.table.focus()
        elif view == "backfills":
            runs = self.query_one(BackfillList)
            runs.reload()
            runs.table.focus()
        elif view == "dashboard":
            dash = self.query_one(DashboardView)
            dash.action_reload()
            dash.focus()

    def after_operation(self) -> None:
        view = self.switcher.query_one(f"#{self.current}")
        if isinstance(view, InstanceList):
            view.reload()
        elif isinstance(view, Vertical):
            for child in view.query("TaskList, BackfillList"):
                reload = getattr(child, "reload", None)
                if reload is not None:
                    reload()
        screen = self.app.screen
        refresh = getattr(screen, "refresh_view", None)
        if refresh is not None:
            refresh()

    @on(InstanceList.Open)
    def _open(self, event: InstanceList.Open) -> None:
        event.stop()
        self.app.push_screen(InstanceScreen(self.api, event.iid, self.actions))

    @on(TaskList.ShowInstances)
    def _node_instances(self, event: TaskList.ShowInstances) -> None:
        event.stop()
        self.action_view("cycle")
        cycle = self.cycle
        cycle.query_base = InstanceQuery(bizdate=None)
        cycle.set_filter(f"node:{event.node}")

    # -- command mode ----------------------------------------------------------------------------
    def open_target(self, target: str) -> bool:
        """``:inst bizdate=D status=failed node=NAME`` (and ``:ops``)."""
        words = target.split()
        if not words or words[0] != "inst":
            return False
        bizdate: str | None = self.cycle.query_base.bizdate
        terms = []
        for word in words[1:]:
            key, eq, value = word.partition("=")
            if not eq or not value:
                return False
            if key == "bizdate":
                bizdate = None if value == "all" else value
            elif key in ("status", "node", "owner", "type", "group"):
                terms.append(f"{key}:{value}")
            else:
                return False
        self.action_view("cycle")
        cycle = self.cycle
        cycle.query_base = InstanceQuery(bizdate=bizdate)
        cycle.set_filter(" ".join(terms))
        return not cycle.error

    def help_keys(self) -> list[tuple[str, str]]:
        keys = list(HELP)
        if self.readonly:
            keys = [*keys[:8], ("(read-only)", "operations are hidden and refused")]
        return keys
