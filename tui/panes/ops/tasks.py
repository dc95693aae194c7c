"""Cycle tasks (deployed nodes) and backfill runs: the two lists of Operation Center that are
not instances."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Input, Static

from engine.errors import MaxworksError
from engine.ops.monitor import CycleTask, InstanceQuery
from engine.scheduler.model import DagType
from tui.panes.ops.instances import InstanceList
from tui.panes.ops.style import colour

if TYPE_CHECKING:
    from engine.api import Api
    from engine.ops.monitor import BackfillProgress
    from tui.panes.ops.actions import OpsActions


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
        yield DataTable(
            cursor_type="row", zebra_stripes=True, id="tasks-table", classes="ops-table"
        )
        yield Static("", classes="ops-list-status", id="tasks-status")

    @property
    def table(self) -> DataTable[Any]:
        return self.query_one(DataTable)

    def on_mount(self) -> None:
        for key, label in (
            ("name", "Node"), ("type", "Type"), ("workflow", "Workflow"), ("owner", "Owner"),
            ("schedule", "Schedule"), ("group", "Group"), ("prio", "Prio"), ("frozen", "Frozen"),
            ("version", "Version"), ("children", "Children"),
        ):  # fmt: skip
            self.table.add_column(label, key=key)
        self.reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action in ("freeze", "test_run", "backfill") and self.actions.readonly)

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
        table = self.table
        keep = self.cursor_name
        table.clear()
        words = self.filter_text.lower().split()
        self.shown = [
            t
            for t in self.tasks
            if all(
                w in t.name.lower()
                or w in t.owner.lower()
                or w in t.node_type
                or w in t.resource_group
                for w in words
            )
        ]
        accent = colour(self.app, "accent")
        for t in self.shown:
            table.add_row(
                Text(t.name), t.node_type, Text(t.workflow), Text(t.owner), t.schedule,
                Text(t.resource_group), str(t.priority),
                Text("frozen", style=f"bold {accent}") if t.frozen else "", str(t.version),
                str(t.children), key=t.name,
            )  # fmt: skip
        if keep is not None:
            names = [t.name for t in self.shown]
            if keep in names:
                table.move_cursor(row=names.index(keep), animate=False)
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
        table = self.table
        if not self.shown or not 0 <= table.cursor_row < len(self.shown):
            return None
        return self.shown[table.cursor_row].name

    def action_filter(self) -> None:
        box = self.query_one(Input)
        box.display = True
        box.focus()

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

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value:
            self.post_message(self.ShowInstances(event.row_key.value))

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
        yield DataTable(
            cursor_type="row",
            zebra_stripes=True,
            id="backfills-table",
            classes="ops-table ops-table--short",
        )
        yield InstanceList(
            self.api,
            InstanceQuery(dag_type=DagType.BACKFILL, dag_id=-1),
            self.actions,
            by_date=False,
            id="backfill-instances",
        )

    @property
    def table(self) -> DataTable[Any]:
        return self.query_one("#backfills-table", DataTable)

    def on_mount(self) -> None:
        for key, label in (
            ("id", "ID"), ("name", "Name"), ("root", "Root"), ("nodes", "Nodes"), ("dates", "Dates"),
            ("progress", "Progress by date"), ("status", "Status"), ("by", "By"), ("at", "Created"),
        ):  # fmt: skip
            self.table.add_column(label, key=key)
        self.reload()

    def reload(self) -> None:
        monitor = self.api.ops.monitor()
        try:
            self.runs = monitor.backfill_runs()
        finally:
            monitor.close()
        table = self.table
        row = table.cursor_row
        table.clear()
        for run in self.runs:
            table.add_row(
                str(run.id), Text(run.name), Text(run.root), str(len(run.nodes)), str(len(run.by_date)),
                self._progress(run), self._status(run), Text(run.created_by), run.created_at[5:16],
                key=str(run.id),
            )  # fmt: skip
        if self.runs:
            table.move_cursor(row=min(max(row, 0), len(self.runs) - 1), animate=False)
        self.query_one("#backfills-head", Static).update(
            Text(
                f"{len(self.runs)} backfill runs · newest first · Tab: the run's instances",
                style="bold",
            )
        )
        self._show_run()

    def _progress(self, run: BackfillProgress) -> Text:
        out = Text()
        for _day, counts in run.by_date[:14]:
            total = sum(counts.values())
            if counts.get("failed"):
                out.append("✗", style=colour(self.app, "error"))
            elif counts.get("succeeded", 0) == total:
                out.append("■", style=colour(self.app, "success"))
            elif counts.get("running"):
                out.append("▶", style=colour(self.app, "primary"))
            else:
                out.append("·", style="dim")
        if len(run.by_date) > 14:
            out.append("…", style="dim")
        out.append(f" {run.done}/{run.total}")
        return out

    def _status(self, run: BackfillProgress) -> Text:
        style = {"succeeded": "success", "failed": "error", "running": "primary"}.get(run.status)
        return Text(run.status, style=colour(self.app, style) if style else "dim")

    @on(DataTable.RowHighlighted, "#backfills-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show_run()

    def _show_run(self) -> None:
        table = self.table
        run_id = -1
        if self.runs and 0 <= table.cursor_row < len(self.runs):
            run_id = self.runs[table.cursor_row].id
        instances = self.query_one(InstanceList)
        if instances.query_base.dag_id != run_id:
            instances.set_base(
                InstanceQuery(
                    dag_type=DagType.BACKFILL, dag_id=run_id, sort="bizdate", descending=False
                )
            )

    def action_focus_instances(self) -> None:
        self.query_one(InstanceList).table.focus()
