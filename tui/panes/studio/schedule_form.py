"""The Scheduling section of a node's properties (reference §2): cycle, time, cron preview,
instance generation mode, rerun, timeout, resource group, priority, effective dates.

The cycle fields generate the cron, as DataWorks' form does; the cron line can also be edited
by hand (the node files allow it). Its plain-words preview comes from ``Cron.describe``.
"""

from __future__ import annotations

from datetime import date, time

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Label, Select

from engine.errors import ConfigError
from engine.scheduler.cron import LAST_DAY, Cron, cron_for, parse_cron
from engine.scheduler.model import Cycle, InstanceMode, Recurrence, RerunMode
from engine.studio.draft import PRIORITIES
from engine.studio.spec import Schedule
from tui.panes.studio.formfield import Field, text_input
from tui.panes.studio.validators import Clock, IntegerRange, IsoDate, parse_clock, split_items

MAX_TIMEOUT_MINUTES = 168 * 60
_INTRADAY = (Cycle.MINUTE, Cycle.HOUR)


def _select(options: list[tuple[str, str]], value: str, id: str) -> Select[str]:
    return Select(options, value=value, allow_blank=False, id=id, compact=True)


class ScheduleForm(Vertical):
    class Edited(Message):
        """A scheduling value changed (valid or not)."""

    def __init__(self, schedule: Schedule, groups: list[str], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.schedule = schedule
        self.groups = groups
        self._filling = False

    def compose(self) -> ComposeResult:
        s = self.schedule
        cron = parse_cron(s.cron)
        form = _form_values(cron)
        cycles = [(c.value, c.value) for c in Cycle]
        yield Label("Scheduling", classes="section-title")
        yield Field("cycle", _select(cycles, cron.cycle.value, "sched-cycle"), id="f-cycle")
        yield Field("time", text_input(form["at"], id="sched-at", validators=[Clock()]), id="f-at")
        interval = IntegerRange(1, 59, "the interval")
        yield Field(
            "every",
            text_input(form["interval"], id="sched-interval", validators=[interval]),
            id="f-interval",
        )
        yield Field(
            "from", text_input(form["start"], id="sched-start", validators=[Clock()]), id="f-start"
        )
        yield Field(
            "until", text_input(form["end"], id="sched-end", validators=[Clock()]), id="f-end"
        )
        yield Field(
            "days",
            text_input(form["days"], id="sched-days", placeholder="1,3 or MON,THU; month: 1,L"),
            id="f-days",
        )
        yield Field(
            "months",
            text_input(form["months"], id="sched-months", placeholder="1,7 or JAN,JUL"),
            id="f-months",
        )
        yield Field("cron", text_input(s.cron, id="sched-cron"), id="f-cron")
        yield Label(cron.describe(), id="sched-preview", classes="preview")
        modes = [
            ("T+1 (next day)", InstanceMode.T_PLUS_1.value),
            ("immediately", InstanceMode.IMMEDIATELY.value),
        ]
        yield Field("instances", _select(modes, s.instance_mode.value, "sched-mode"))
        kinds = [("normal", "normal"), ("skip execution (frozen)", "pause"), ("dry run", "skip")]
        yield Field("run type", _select(kinds, s.recurrence.value, "sched-recurrence"))
        reruns = [("always", "always"), ("on failure only", "failure_only"), ("never", "never")]
        yield Field("rerun", _select(reruns, s.rerun_mode.value, "sched-rerun"))
        yield Field(
            "auto-reruns",
            text_input(
                str(s.rerun_times),
                id="sched-rerun-times",
                validators=[IntegerRange(0, 10, "auto-reruns")],
            ),
        )
        yield Field(
            "rerun every",
            text_input(
                str(s.rerun_interval_minutes),
                id="sched-rerun-interval",
                validators=[IntegerRange(1, 30, "minutes between reruns")],
            ),
        )
        yield Field(
            "timeout min",
            text_input(
                str(s.timeout_minutes),
                id="sched-timeout",
                validators=[IntegerRange(0, MAX_TIMEOUT_MINUTES, "the timeout (0: none)")],
            ),
        )
        groups = [(g, g) for g in self.groups] or [(s.resource_group, s.resource_group)]
        yield Field(
            "resource group",
            _select(
                groups,
                s.resource_group if s.resource_group in self.groups else groups[0][1],
                "sched-group",
            ),
        )
        yield Field(
            "priority",
            _select([(str(p), str(p)) for p in PRIORITIES], str(s.priority), "sched-priority"),
        )
        yield Field(
            "start date",
            text_input(s.start_date.isoformat(), id="sched-start-date", validators=[IsoDate()]),
        )
        yield Field(
            "end date",
            text_input(s.end_date.isoformat(), id="sched-end-date", validators=[IsoDate()]),
        )

    def on_mount(self) -> None:
        self._show_cycle_fields(parse_cron(self.schedule.cron).cycle)

    def _value(self, id: str) -> str:
        widget = self.query_one(f"#{id}")
        return str(widget.value) if isinstance(widget, (Input, Select)) else ""

    def _show_cycle_fields(self, cycle: Cycle) -> None:
        intraday = cycle in _INTRADAY
        self.query_one("#f-at").display = not intraday
        for name in ("interval", "start", "end"):
            self.query_one(f"#f-{name}").display = intraday
        self.query_one("#f-days").display = cycle in (Cycle.WEEK, Cycle.MONTH, Cycle.YEAR)
        self.query_one("#f-months").display = cycle is Cycle.YEAR

    # -- the cron from the cycle fields -----------------------------------------------------------
    def generated_cron(self) -> str:
        """The cron the cycle fields describe; ConfigError/ValueError say why they cannot."""
        cycle = Cycle(self._value("sched-cycle"))
        if cycle in _INTRADAY:
            interval = int(self._value("sched-interval") or "0")
            start, end = (
                parse_clock(self._value("sched-start")),
                parse_clock(self._value("sched-end")),
            )
            return cron_for(
                cycle, interval_minutes=interval if cycle is Cycle.MINUTE else None,
                interval_hours=interval if cycle is Cycle.HOUR else None, start=start, end=end,
            )  # fmt: skip
        at = parse_clock(self._value("sched-at"))
        days = split_items(self._value("sched-days"))
        return cron_for(
            cycle, at=at, weekdays=days if cycle is Cycle.WEEK else (),
            monthdays=days if cycle in (Cycle.MONTH, Cycle.YEAR) else (),
            months=split_items(self._value("sched-months")) if cycle is Cycle.YEAR else (),
        )  # fmt: skip

    def _regenerate(self) -> None:
        preview = self.query_one("#sched-preview", Label)
        try:
            cron = self.generated_cron()
        except (ConfigError, ValueError) as err:
            preview.update(f"refused: {getattr(err, 'message', err)}")
            preview.add_class("preview--error")
            return
        self._filling = True
        self.query_one("#sched-cron", Input).value = cron
        self._filling = False
        self._describe(cron)

    def _describe(self, text: str) -> None:
        preview = self.query_one("#sched-preview", Label)
        try:
            cron = parse_cron(text)
        except ConfigError as err:
            preview.update(f"refused: {err.message}")
            preview.add_class("preview--error")
            return
        preview.update(f"{cron.describe()}  ({cron.text})")
        preview.remove_class("preview--error")

    @on(Select.Changed, "#sched-cycle")
    def _cycle_changed(self, event: Select.Changed) -> None:
        self._show_cycle_fields(Cycle(str(event.value)))
        self._regenerate()

    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        if self._filling:
            return
        name = event.input.id or ""
        if name in (
            "sched-at",
            "sched-interval",
            "sched-start",
            "sched-end",
            "sched-days",
            "sched-months",
        ):
            self._regenerate()
        elif name == "sched-cron":
            self._describe(event.value)
        self.post_message(self.Edited())

    @on(Select.Changed)
    def _select_changed(self) -> None:
        self.post_message(self.Edited())

    # -- the result ------------------------------------------------------------------------------
    def errors(self) -> list[str]:
        problems = [f"{f.label}: {f.error}" for f in self.query(Field) if f.display and f.error]
        try:
            parse_cron(self._value("sched-cron"))
        except ConfigError as err:
            problems.append(f"cron: {err.message}")
        return problems

    def build(self) -> Schedule:
        """The schedule the form shows (call ``errors()`` first)."""
        cron = parse_cron(self._value("sched-cron"))
        return Schedule(
            cycle=cron.cycle,
            cron=cron.text,
            start_date=date.fromisoformat(self._value("sched-start-date").strip()),
            end_date=date.fromisoformat(self._value("sched-end-date").strip()),
            instance_mode=InstanceMode(self._value("sched-mode")),
            recurrence=Recurrence(self._value("sched-recurrence")),
            rerun_mode=RerunMode(self._value("sched-rerun")),
            rerun_times=int(self._value("sched-rerun-times")),
            rerun_interval_minutes=int(self._value("sched-rerun-interval")),
            timeout_minutes=int(self._value("sched-timeout")),
            resource_group=self._value("sched-group"),
            priority=int(self._value("sched-priority")),
        )

    def first_time(self) -> time:
        """The node's first scheduled time of day (for parameter previews)."""
        try:
            return parse_cron(self._value("sched-cron")).times[0]
        except (ConfigError, IndexError):
            return time(0, 0)


def _form_values(cron: Cron) -> dict[str, str]:
    times = cron.times
    out = {
        "at": f"{times[0]:%H:%M}",
        "interval": "",
        "start": "00:00",
        "end": "23:59",
        "days": "",
        "months": "",
    }
    if cron.cycle in _INTRADAY:
        first, last = times[0], times[-1]
        if len(times) > 1:
            step = (times[1].hour * 60 + times[1].minute) - (first.hour * 60 + first.minute)
            out["interval"] = str(step if cron.cycle is Cycle.MINUTE else max(1, step // 60))
        else:
            out["interval"] = "1"
        out["start"] = f"{first:%H:%M}"
        out["end"] = f"{last.hour:02d}:59" if cron.cycle is Cycle.MINUTE else f"{last:%H:%M}"
    if cron.weekdays:
        out["days"] = ",".join(str(d) for d in sorted(cron.weekdays))
    elif cron.monthdays:
        out["days"] = ",".join("L" if d == LAST_DAY else str(d) for d in sorted(cron.monthdays))
    if cron.months:
        out["months"] = ",".join(str(m) for m in sorted(cron.months))
    return out
