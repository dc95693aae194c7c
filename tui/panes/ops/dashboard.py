"""Operation Center's dashboard: counts by state today vs yesterday, the run-time trend of the
last two weeks, and the slowest and most-failing nodes, as terminal charts (block characters:
they read in any terminal, over SSH, in 256 colours or none)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Static

from engine.errors import MaxworksError
from engine.ops.monitor import BUCKETS, Dashboard, NodeFigure
from tui.panes.ops.style import BUCKET_COLOUR, colour, seconds_text

if TYPE_CHECKING:
    from engine.api import Api

REFRESH_SECONDS = 10.0
BLOCKS = " ▁▂▃▄▅▆▇█"


def spark(values: list[float]) -> str:
    top = max(values) if values else 0
    if top <= 0:
        return "▁" * len(values)
    return "".join(BLOCKS[max(1, round(v / top * 8))] if v > 0 else "▁" for v in values)


def bar(value: float, top: float, width: int) -> str:
    if top <= 0:
        return ""
    cells = value / top * width
    full = int(cells)
    return "█" * full + ("▌" if cells - full >= 0.5 else "")


class DashboardView(VerticalScroll):
    """r refresh now."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "reload", "Refresh", id="ops.dashboard.refresh"),
    ]

    class _Figures(Message):
        def __init__(self, figures: Dashboard | None, error: str = "") -> None:
            super().__init__()
            self.figures = figures
            self.error = error

    def __init__(self, api: Api, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.api = api
        self.figures: Dashboard | None = None
        self.can_focus = True

    def compose(self) -> ComposeResult:
        yield Static("reading…", id="dash-counts", classes="dash-block")
        yield Static("", id="dash-trend", classes="dash-block")
        with Horizontal(classes="dash-row"):
            yield Static("", id="dash-slowest", classes="dash-block dash-half")
            yield Static("", id="dash-failing", classes="dash-block dash-half")

    def on_mount(self) -> None:
        self.set_interval(REFRESH_SECONDS, self.action_reload)

    def action_reload(self) -> None:
        if self.display:
            self._read()

    @work(thread=True, exclusive=True, group="ops-dashboard", exit_on_error=False)
    def _read(self) -> None:
        monitor = self.api.ops.monitor()
        try:
            dates = monitor.bizdates()
            today = dates[0] if dates else self.api.clock().strftime("%Y%m%d")
            self.post_message(self._Figures(monitor.dashboard(today)))
        except MaxworksError as err:
            self.post_message(self._Figures(None, str(err)))
        finally:
            monitor.close()

    @on(_Figures)
    def _show(self, message: _Figures) -> None:
        if message.figures is None:
            self.query_one("#dash-counts", Static).update(Text(message.error))
            return
        self.figures = d = message.figures
        counts = Table(
            title=f"Cycle instances · bizdate {d.today} vs {d.yesterday}",
            title_justify="left",
            expand=False,
        )
        counts.add_column("State")
        counts.add_column(d.today, justify="right")
        counts.add_column(d.yesterday, justify="right")
        counts.add_column("", justify="left")
        for name, label in (("all", "all"), *BUCKETS):
            now, before = d.counts_today.get(name, 0), d.counts_yesterday.get(name, 0)
            delta = now - before
            style = colour(self.app, BUCKET_COLOUR[name]) if name != "all" else "bold"
            counts.add_row(
                Text(label, style=style), str(now), str(before),
                Text(f"{delta:+d}" if delta else "", style="dim"),
            )  # fmt: skip
        self.query_one("#dash-counts", Static).update(counts)
        values = [total for _, total, _ in d.trend]
        peak = max(values) if values else 0
        trend = Text.assemble(
            ("Run time per business date (last 14): ", "bold"),
            "\n  ",
            (spark(values), colour(self.app, "primary")),
            f"  peak {seconds_text(peak)}",
            "\n  ",
            (f"{d.trend[0][0]} … {d.trend[-1][0]}" if d.trend else "", "dim"),
        )
        self.query_one("#dash-trend", Static).update(trend)
        self.query_one("#dash-slowest", Static).update(
            self._chart("Slowest nodes (mean run time)", d.slowest, seconds=True, style="warning")
        )
        self.query_one("#dash-failing", Static).update(
            self._chart(
                "Most failing nodes (failures + reruns)", d.failing, seconds=False, style="error"
            )
        )

    def _chart(self, title: str, figures: list[NodeFigure], *, seconds: bool, style: str) -> Text:
        out = Text(title + "\n", style="bold")
        if not figures:
            out.append("  nothing in the last 14 days\n", style="dim")
            return out
        width = max(len(f.node) for f in figures)
        top = max(f.value for f in figures)
        for f in figures:
            value = seconds_text(f.value) if seconds else f"{int(f.value)}"
            out.append(f"  {f.node.ljust(width)} ")
            out.append(bar(f.value, top, 20), style=colour(self.app, style))
            out.append(f" {value}\n")
        return out
