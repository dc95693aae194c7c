"""Cycle tasks (deployed nodes) and backfill runs: the two lists of Operation Center that are
not instances."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static

from engine.errors import MaxworksError
from engine.ops.monitor import CycleTask, InstanceQuery
from engine.scheduler.model import DagType
from tui.panes.ops.grid import Cell, GridColumn, RowGrid
from tui.panes.ops.instances import InstanceList
from tui.panes.ops.style import colour

if TYPE_CHECKING:
    from engine.api import Api
    from engine.ops.monitor import BackfillProgress
    from tui.panes.ops.actions import OpsActions

TASK_COLUMNS = (
    ("name", "Node"), ("type", "Type"), ("workflow", "Workflow"), ("owner", "Owner"),
    ("schedule", "Schedule"), ("group", "Group"), ("prio", "Prio"), ("frozen", "Frozen"),
    ("version", "Version"), ("children", "Children"),
)  # fmt: skip
RUN_COLUMNS = (
    ("id", "ID"), ("name", "Name"), ("root", "Root"), ("nodes", "Nodes"), ("dates", "Dates"),
    ("progress", "Progress by date"), ("status", "Status"), ("by", "By"), ("at", "Created"),
)  # fmt: skip
_RIGHT = {"prio", "version", "children", "id", "nodes", "dates"}


def _columns(spec: tuple[tuple[str, str], ...]) -> list[GridColumn]:
    return [GridColumn(key, label, "right" if key in _RIGHT else "left") for key, label in spec]


class TaskList(Vertical):
    """/ filter · Enter the node's instances · z freeze/unfreeze · T test run · B backfill ·
    e open in DataStudio."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter", id="ops.tasks.filter"),
        Binding("z", "freeze", "Freeze/unfreeze", id="ops.tasks.freeze"),
        Binding("T", "test_run", "Test run", id="ops.tasks.test_run"),
        Binding("B", "backfill", "Backfill", id="ops.tasks.backfill"),
        Binding("e", "edit", "Open in DataStudio", show=False, id="ops.tasks.edit"),
        Binding("escape", "clear", "Clear filter", show=False, id="ops.tasks.clear"),
    ]

    class ShowInstances(Message):
        def __init__(self, node: str) -> None:
            super().__init__()
            self.node = node

    def __init__(self, api: Api, actions: OpsActions, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.api = api
        self.actions = actions
        self.tasks: list[CycleTask] = []
        self.shown: list[CycleTask] = []
        self.filter_text = ""
        self.default_day = ""

    def compose(self) -> ComposeResult:
        yield Static("", classes="ops-counts", id="tasks-head")
        box = Input(
            placeholder="node, owner, type or group…", id="tasks-filter", classes="ops-filter"
        )
        box.display = False
        yield box
        yield RowGrid(_columns(TASK_COLUMNS), id="tasks-table", classes="ops-table")
        yield Static("", classes="ops-list-status", id="tasks-status")

    @property
    def table(self) -> RowGrid:
        return self.query_one(RowGrid)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        names = {"freeze": "freeze_node", "test_run": "test_run", "backfill": "backfill"}
        return self.actions.allowed(names[action]) if action in names else True

    def reload(self) -> None:
        monitor = self.api.ops.monitor()
        try:
            self.tasks = monitor.cycle_tasks()
            dates = monitor.bizdates()
        except MaxworksError as err:
            self.query_one("#tasks-status", Static).update(
                Text(str(err), style=colour(self.app, "error"))
            )
            return
        finally:
            monitor.close()
        self.default_day = dates[0] if dates else self.api.clock().strftime("%Y%m%d")
        self._show()

    def _show(self) -> None:
        keep = self.cursor_name
        words = self.filter_text.lower().split()
        self.shown = [
            t
            for t in self.tasks
            if all(
                w in t.name.lower()
                or w in t.owner.lower()
                or w in t.node_type
                or w in t.resource_group.lower()
                for w in words
            )
        ]
        accent = f"bold {colour(self.app, 'accent')}"
        rows: list[tuple[str, list[Cell]]] = [
            (
                t.name,
                [
                    (t.name, ""),
                    (t.node_type, ""),
                    (t.workflow, ""),
                    (t.owner, ""),
                    (t.schedule, ""),
                    (t.resource_group, ""),
                    (str(t.priority), ""),
                    ("frozen" if t.frozen else "", accent),
                    (str(t.version), ""),
                    (str(t.children), ""),
                ],
            )
            for t in self.shown
        ]
        self.table.set_rows(rows, cursor_key=keep)
        frozen = sum(t.frozen for t in self.tasks)
        self.query_one("#tasks-head", Static).update(
            Text(f"{len(self.tasks)} deployed nodes · {frozen} frozen", style="bold")
        )
        flt = f" · filter: {self.filter_text}" if self.filter_text else ""
        self.query_one("#tasks-status", Static).update(
            Text(f"{len(self.shown)} shown{flt} · Enter: its instances", style="dim")
        )

    @property
    def cursor_name(self) -> str | None:
        return self.table.cursor_key

    def action_filter(self) -> None:
        box = self.query_one(Input)
        box.display = True
        self.screen.set_focus(box)

    @on(Input.Changed)
    def _filtered(self, event: Input.Changed) -> None:
        event.stop()
        self.filter_text = event.value.strip()
        self._show()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.table.focus()

    def action_clear(self) -> None:
        box = self.query_one(Input)
        box.value = ""
        box.display = False
        self.filter_text = ""
        self._show()
        self.table.focus()

    @on(RowGrid.Selected, "#tasks-table")
    def _selected(self, event: RowGrid.Selected) -> None:
        event.stop()
        self.post_message(self.ShowInstances(event.key))

    def action_freeze(self) -> None:
        name = self.cursor_name
        task = next((t for t in self.shown if t.name == name), None)
        if task is not None:
            self.actions.freeze_node(task.name, not task.frozen)

    def action_test_run(self) -> None:
        if (name := self.cursor_name) is not None:
            self.actions.test_run(name, self.default_day)

    def action_backfill(self) -> None:
        if (name := self.cursor_name) is not None:
            self.actions.backfill(name, self.default_day)

    async def action_edit(self) -> None:
        if (name := self.cursor_name) is not None:
            run = getattr(self.app, "run_command_text", None)
            if run is not None:
                await run(f"node {name}")


class BackfillList(Vertical):
    """Backfill runs, newest first, with their progress by date; the instances of the run under
    the cursor below."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "tab", "focus_instances", "Its instances", show=False, id="ops.backfills.instances"
        ),
    ]

    def __init__(self, api: Api, actions: OpsActions, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.api = api
        self.actions = actions
        self.runs: list[BackfillProgress] = []

    def compose(self) -> ComposeResult:
        yield Static("", classes="ops-counts", id="backfills-head")
        yield RowGrid(
            _columns(RUN_COLUMNS), id="backfills-table", classes="ops-table ops-table--short"
        )
        yield InstanceList(
            self.api,
            InstanceQuery(dag_type=DagType.BACKFILL, dag_id=-1),
            self.actions,
            by_date=False,
            autoload=False,
            id="backfill-instances",
        )

    @property
    def table(self) -> RowGrid:
        return self.query_one("#backfills-table", RowGrid)

    def reload(self) -> None:
        monitor = self.api.ops.monitor()
        try:
            self.runs = monitor.backfill_runs()
        finally:
            monitor.close()
        self.table.set_rows(
            [
                (
                    str(run.id),
                    [
                        (str(run.id), ""),
                        (run.name, ""),
                        (run.root, ""),
                        (str(len(run.nodes)), ""),
                        (str(len(run.by_date)), ""),
                        (self._progress(run), ""),
                        self._status(run),
                        (run.created_by, ""),
                        (run.created_at[5:16], ""),
                    ],
                )
                for run in self.runs
            ]
        )
        head = (
            f"{len(self.runs)} backfill runs · newest first · Tab: the run's instances"
            if self.runs
            else "No backfill runs yet: B on a node (here, or in 2 Tasks) backfills it and its "
            "descendants over date ranges"
        )
        self.query_one("#backfills-head", Static).update(Text(head, style="bold"))
        self._show_run()

    def _progress(self, run: BackfillProgress) -> str:
        """One mark per business date (■ done, ✗ failed, ▶ running, · waiting), then done/total."""
        marks = []
        for _day, counts in run.by_date[:14]:
            total = sum(counts.values())
            if counts.get("failed"):
                marks.append("✗")
            elif counts.get("succeeded", 0) == total:
                marks.append("■")
            elif counts.get("running"):
                marks.append("▶")
            else:
                marks.append("·")
        more = "…" if len(run.by_date) > 14 else ""
        return f"{''.join(marks)}{more} {run.done}/{run.total}"

    def _status(self, run: BackfillProgress) -> Cell:
        style = {"succeeded": "success", "failed": "error", "running": "primary"}.get(run.status)
        return run.status, colour(self.app, style) if style else "dim"

    @on(RowGrid.Highlighted, "#backfills-table")
    def _highlighted(self, event: RowGrid.Highlighted) -> None:
        event.stop()
        self._show_run()

    def _show_run(self) -> None:
        key = self.table.cursor_key
        run_id = int(key) if key is not None else -1
        instances = self.query_one(InstanceList)
        if instances.query_base.dag_id != run_id:
            instances.set_base(
                InstanceQuery(dag_type=DagType.BACKFILL, dag_id=run_id, sort="bizdate")
            )

    def action_focus_instances(self) -> None:
        self.query_one(InstanceList).table.focus()
