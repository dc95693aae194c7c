"""One instance: its properties, "why is it not running?", its parameters and error, with the log,
the DAG and every operation one key away. Refreshes itself while open."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from engine.errors import MaxworksError
from tui.panes.ops.style import clock_of, colour, duration, state_text

if TYPE_CHECKING:
    from engine.api import Api
    from tui.panes.ops.actions import OpsActions

REFRESH_SECONDS = 2.0


class InstanceScreen(Screen[None]):
    """l log · d DAG · r R S ctrl+k z U operations · Esc close."""

    DEFAULT_CSS = """
    InstanceScreen { background: $surface; }
    InstanceScreen VerticalScroll { height: 1fr; padding: 0 1; }
    InstanceScreen .detail-block { height: auto; margin-bottom: 1; }
    InstanceScreen .detail-foot { height: 1; color: $text-muted; padding: 0 1; dock: bottom; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="ops.detail.close"),
        Binding("l", "log", "Log", id="ops.detail.log"),
        Binding("d", "dag", "DAG", id="ops.detail.dag"),
        Binding("r", "op('rerun')", "Rerun", id="ops.detail.rerun"),
        Binding(
            "R",
            "op('rerun_downstream')",
            "Rerun downstream",
            show=False,
            id="ops.detail.rerun_down",
        ),
        Binding("S", "op('set_success')", "Set successful", show=False, id="ops.detail.success"),
        Binding("ctrl+k", "op('kill')", "Kill", show=False, id="ops.detail.kill"),
        Binding("z", "op('freeze')", "Freeze/unfreeze", show=False, id="ops.detail.freeze"),
        Binding(
            "U", "op('remove_upstream')", "Remove upstream", show=False, id="ops.detail.remove_deps"
        ),
    ]

    def __init__(self, api: Api, iid: int, actions: OpsActions) -> None:
        super().__init__()
        self.api = api
        self.iid = iid
        self.actions = actions

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static("", classes="detail-block", id="detail-props")
            yield Static("", classes="detail-block", id="detail-why")
            yield Static("", classes="detail-block", id="detail-upstream")
        yield Static(
            "l log · d DAG · r rerun · R with downstream · S set successful · ctrl+k kill · "
            "z freeze · U remove upstream · Esc close",
            classes="detail-foot",
        )

    def on_mount(self) -> None:
        self.refresh_view()
        self.set_interval(REFRESH_SECONDS, self.refresh_view)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.actions.allowed(str(parameters[0])) if action == "op" else True

    def refresh_view(self) -> None:
        try:
            info = self.api.ops.instance(self.iid)
            why = self.api.ops.why(self.iid)
            ups, downs = self.api.ops.neighbours(self.iid)
        except MaxworksError as err:
            self.query_one("#detail-props", Static).update(Text(str(err)))
            return
        props = Table.grid(padding=(0, 2))
        props.add_column(style="dim", no_wrap=True)
        props.add_column()
        props.add_row("Instance", Text(f"{info.id}  {info.node_name}", style="bold"))
        props.add_row("Status", state_text(self.app, info))
        props.add_row("Business date", f"{info.bizdate}  (scheduled {info.cyctime})")
        props.add_row("Type", f"{info.node_type} · {info.dag_type.name.lower()} · {info.env}")
        props.add_row("Run", f"{info.run_no} · retries left {info.retries_left}")
        props.add_row(
            "Started / finished",
            f"{clock_of(info.started_at) or '-'} / {clock_of(info.finished_at) or '-'}"
            f"  {duration(info, self.api.clock())}",
        )
        props.add_row("Resource group", f"{info.resource_group} · priority {info.priority}")
        props.add_row("Version", str(info.version))
        if info.params:
            props.add_row(
                "Parameters",
                ", ".join(f"{k}={v}" for k, v in info.params.items() if not k.startswith("__")),
            )
        if info.error:
            props.add_row("Error", Text(info.error, style=colour(self.app, "error")))
        self.query_one("#detail-props", Static).update(props)
        self.query_one("#detail-why", Static).update(
            Text.assemble(("Why\n", "bold"), "\n".join(f"  {line}" for line in why))
        )
        lines = [Text(f"Upstream ({len(ups)}) · downstream ({len(downs)})", style="bold")]
        for u, cross, removed in ups:
            mark = " ⟲ previous cycle" if cross else ""
            gone = " (removed)" if removed else ""
            lines.append(
                Text.assemble(
                    f"  ▲ {u.id} {u.node_name}  ", state_text(self.app, u), f"{mark}{gone}"
                )
            )
        for d, cross, _ in downs[:20]:
            mark = " ⟲ next cycle" if cross else ""
            lines.append(
                Text.assemble(f"  ▼ {d.id} {d.node_name}  ", state_text(self.app, d), mark)
            )
        if len(downs) > 20:
            lines.append(Text(f"  … {len(downs) - 20} more (d: the DAG)", style="dim"))
        self.query_one("#detail-upstream", Static).update(Text("\n").join(lines))

    def action_log(self) -> None:
        from tui.panes.ops.logview import LogScreen

        self.app.push_screen(LogScreen(self.api, self.iid))

    def action_dag(self) -> None:
        from tui.panes.ops.dag import DagScreen

        self.app.push_screen(DagScreen(self.api, self.iid, self.actions))

    def action_op(self, name: str) -> None:
        self.actions.apply(name, [self.iid])

    def action_close(self) -> None:
        self.dismiss(None)
