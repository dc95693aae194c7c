"""Run and Run with parameters: a test instance on the scheduler, its log streamed live.

Before anything runs, the cost is estimated (``Api.estimate_cost``: tables read, rows, bytes,
full scans) and written at the top of the run log; when the estimate reaches
``RunConsole.confirm_bytes`` (default ``engine.studio.cost.LARGE_READ_BYTES``, 1 GiB) the user
is asked first. DataStudio's Run then saves the buffer, creates a test instance of the working
copy against dev (``Api.ops.test_run(..., working_copy=True)``, not billed) and follows it with
``Api.ops.wait`` (which leads a scheduler limited to that test run when no scheduler is running).
A second worker tails the instance's log file. When it succeeds, the grid shows the rows its
last query returned, read from the instance's result file (``Api.ops.result``): nothing runs
twice. Running the selection is an ad-hoc script (``Api.run_sql``). Nothing here blocks the UI;
F9 cancels: the instance is killed through Operation Center (``Api.ops.kill``); an ad-hoc script
(Run selection) is stopped through its ``engine.cancel.Cancel``: the running statement is
interrupted and rolled back, the ones after it do not run.
"""

from __future__ import annotations

import contextlib
import threading
import time as clock
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import TYPE_CHECKING, Literal

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Log, Static

from engine.errors import MaxworksError
from engine.scheduler.model import DagType
from engine.studio.cost import LARGE_READ_BYTES, format_bytes
from tui.panes.studio.params_preview import unassigned
from tui.panes.studio.run_params import RunChoice, RunParamsScreen

if TYPE_CHECKING:
    import pyarrow as pa

    from engine.api import Api, SqlRun
    from engine.cancel import Cancel
    from engine.executors.contract import ResultSet
    from engine.ops.queries import InstanceInfo
    from engine.studio.cost import CostReport
    from engine.studio.status import NodeDetail
    from tui.panes.studio.editor import CodeEditor

RunMode = Literal["run", "params", "selection"]

LOG_LINES = 2_000  # bounded: a chatty node never eats the terminal
POLL_SECONDS = 0.2
FETCH_LIMIT = 1_000_000  # rows a run keeps for the result grid


@dataclass(frozen=True)
class RunRequest:
    node: str
    bizdate: date
    params: dict[str, str]
    code: str  # the buffer's text: saved first when ``save`` is set
    save: bool = False
    selection: bool = False  # run ``code`` ad hoc instead of a test instance
    first_line: int = 1  # where ``code`` starts in the buffer (a selection's line numbers)
    declared: dict[str, str] | None = None  # the node's own parameters (for the estimate)


class RunConsole(Vertical):
    class CodeSaved(Message):
        def __init__(self, node: str, text: str) -> None:
            super().__init__()
            self.node = node
            self.text = text

    class ResultReady(Message):
        """A run returned rows: show them in the grid."""

        def __init__(self, table: pa.Table, returned: int | None, title: str) -> None:
            super().__init__()
            self.table = table
            self.returned = returned
            self.title = title

    class RunFinished(Message):
        def __init__(self, ok: bool, summary: str) -> None:
            super().__init__()
            self.ok = ok
            self.summary = summary

    class RunStarted(Message):
        """A run began: its log is worth showing."""

    class _Started(Message):
        def __init__(self, iid: int | None, what: str) -> None:
            super().__init__()
            self.iid = iid
            self.what = what

    class _Estimated(Message):
        def __init__(
            self, request: RunRequest, report: CostReport | None, error: str | None
        ) -> None:
            super().__init__()
            self.request = request
            self.report = report
            self.error = error

    class _LogText(Message):
        def __init__(self, text: str, replace: bool) -> None:
            super().__init__()
            self.text = text
            self.replace = replace

    def __init__(self, api: Api, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.api = api
        self.iid: int | None = None
        self.running = False
        self.estimating = False
        self.confirm_bytes = LARGE_READ_BYTES  # estimates from this size up ask first
        self.last_estimate = ""  # the last cost estimate line shown
        self._run_token = 0
        self._started = 0.0
        self._what = ""
        self._ticker: Timer | None = None
        self._done = threading.Event()
        self._cancel: Cancel | None = None
        """How to stop the ad-hoc script running now (Run selection)."""
        self.memory: dict[str, RunChoice] = {}  # last business date and values, per node

    def compose(self) -> ComposeResult:
        yield Static(
            "Nothing run yet. F5 run · F6 run with parameters · Ctrl+J run selection",
            id="run-status",
            markup=False,
        )
        yield Log(max_lines=LOG_LINES, id="run-log")

    def on_mount(self) -> None:
        # the user's `confirm_read_above` (config.toml), when the app has settings
        limit = getattr(getattr(self.app, "settings", None), "confirm_read_above", None)
        if isinstance(limit, int) and limit >= 0:
            self.confirm_bytes = limit

    @property
    def log_widget(self) -> Log:
        return self.query_one("#run-log", Log)

    # -- what to run ---------------------------------------------------------------------------
    def request(
        self, mode: RunMode, detail: NodeDetail, editor: CodeEditor, time_of_day: time
    ) -> None:
        """Run the node (``run``), ask for the business date and values first (``params``; also
        what ``run`` does while a ``${name}`` has no value yet, as DataWorks asks on the first
        run), or run the editor's selection ad hoc (``selection``)."""
        node = editor.node
        yesterday = self.api.clock().date() - timedelta(days=1)
        last = self.memory.get(node, RunChoice(yesterday, {}))
        declared = dict(detail.draft.params) if detail.draft is not None else {}
        missing = unassigned(editor.text, declared)
        if mode == "selection":
            choice = RunChoice(last.bizdate, {**declared, **last.params})
            self._begin(editor, choice, declared, selection=True)
        elif mode == "run" and all(name in last.params for name in missing):
            self._begin(editor, last, declared)
        else:
            params = {**declared, **dict.fromkeys(missing, ""), **last.params}
            note = ""
            if self.api.workspace.config.engine == "local":
                note = "cost: none (local engine; test runs of the working copy are not billed)"
            code = editor.text

            def estimate(day: date, values: dict[str, str]) -> str:
                report = self.api.estimate_cost(code, bizdate=day, params={**declared, **values})
                return f"cost estimate: {report.summary()}"

            screen = RunParamsScreen(
                node,
                last.bizdate,
                params,
                time_of_day=time_of_day,
                cost_note=note,
                estimate=estimate,
            )
            self.app.push_screen(
                screen, lambda choice: self._begin(editor, choice, declared) if choice else None
            )

    def _begin(
        self,
        editor: CodeEditor,
        choice: RunChoice,
        declared: dict[str, str],
        *,
        selection: bool = False,
    ) -> None:
        self.memory[editor.node] = choice
        request = RunRequest(
            node=editor.node,
            bizdate=choice.bizdate,
            params=choice.params,
            code=editor.runnable_text() if selection else editor.text,
            save=editor.dirty and not selection,
            selection=selection,
            first_line=editor.selection_line() if selection else 1,
            declared=declared,
        )
        self.prepare(request)

    # -- the cost estimate -------------------------------------------------------------------
    def prepare(self, request: RunRequest) -> bool:
        """Estimate the cost, then start the run (asking first when it reads a lot)."""
        if self.running or self.estimating:
            self.notify("a run is in progress: F9 cancels it", severity="warning")
            return False
        self.estimating = True
        self.query_one("#run-status", Static).update(
            f"{request.node} · bizdate {request.bizdate:%Y%m%d} · estimating the cost…"
        )
        self._estimate(request)
        return True

    @work(thread=True, group="run-cost", exit_on_error=False)
    def _estimate(self, request: RunRequest) -> None:
        params = {**(request.declared or {}), **request.params}
        try:
            report = self.api.estimate_cost(request.code, bizdate=request.bizdate, params=params)
        except Exception as err:  # an estimate is advice: say why it is missing and run
            self.post_message(self._Estimated(request, None, _error_text(err)))
            return
        self.post_message(self._Estimated(request, report, None))

    @on(_Estimated)
    def _on_estimated(self, event: _Estimated) -> None:
        event.stop()
        self.estimating = False
        report, request = event.report, event.request
        if report is None:
            self.last_estimate = f"cost estimate unavailable: {event.error}"
        else:
            self.last_estimate = f"cost estimate: {report.summary()}"
        if report is None or not report.is_large(self.confirm_bytes):
            self._go(request)
            return
        from tui.panes.studio.dialogs import ConfirmRunScreen

        self.query_one("#run-status", Static).update(
            f"{request.node} · {self.last_estimate} · waiting for your answer"
        )
        details = [t.describe() for t in report.tables] + list(report.notes)
        screen = ConfirmRunScreen(
            request.node, report.summary(), details, format_bytes(self.confirm_bytes)
        )
        self.app.push_screen(screen, lambda yes: self._confirmed(request, bool(yes)))

    def _confirmed(self, request: RunRequest, yes: bool) -> None:
        if yes:
            self._go(request)
        else:
            self.query_one("#run-status", Static).update(
                f"{request.node} · not run · {self.last_estimate}"
            )

    def _go(self, request: RunRequest) -> None:
        if self.start(request):
            self.log_widget.write(self.last_estimate + "\n")  # kept above the streamed log
            self.post_message(self.RunStarted())

    # -- starting ----------------------------------------------------------------------------
    def start(self, request: RunRequest) -> bool:
        """Start a run; False (and a notice) while another run is still going."""
        if self.running:
            self.notify("a run is in progress: F9 cancels it", severity="warning")
            return False
        self.running = True
        self._run_token += 1
        self._done = threading.Event()
        self.iid = None
        self.log_widget.clear()
        self._what = f"{request.node} · bizdate {request.bizdate:%Y%m%d}"
        self._started = clock.monotonic()
        self._status("starting…")
        self._ticker = self.set_interval(0.5, self._tick)
        if request.selection:
            from engine.cancel import Cancel

            self._cancel = Cancel()
            self._run_selection(self._run_token, request, self._cancel)
        else:
            self._run_instance(self._run_token, request, self._done)
        return True

    def _status(self, state: str) -> None:
        elapsed = clock.monotonic() - self._started if self._started else 0.0
        who = f"instance {self.iid} · " if self.iid is not None else ""
        tail = " · F9 cancels" if self.running else ""
        text = f"{who}{self._what} · {state} · {elapsed:.1f} s{tail}"
        self.query_one("#run-status", Static).update(text)

    def _tick(self) -> None:
        if self.running:
            self._status("running")

    # -- workers -----------------------------------------------------------------------------
    @work(thread=True, group="run", exit_on_error=False)
    def _run_instance(self, token: int, request: RunRequest, done: threading.Event) -> None:
        api = self.api
        try:
            if request.save:
                api.studio.save_code(request.node, request.code)
                self.post_message(self.CodeSaved(request.node, request.code))
            iid = api.ops.test_run(
                request.node,
                request.bizdate,
                working_copy=True,
                params=request.params or None,
                result_limit=FETCH_LIMIT,
            )
            info = api.ops.instance(iid)
            self.post_message(self._Started(iid, "test instance"))
            info = api.ops.wait([iid], scope=(int(DagType.SMOKE_TEST), info.dag_id))[0]
        except Exception as err:  # errors are values: the console says what went wrong
            done.set()
            self.post_message(self.RunFinished(False, _error_text(err)))
            return
        done.set()
        ok = info.status_label == "succeeded"
        self.post_message(self.RunFinished(ok, _summary(info)))
        if ok:
            self._fetch_result(token, info)

    def _fetch_result(self, token: int, info: InstanceInfo) -> None:
        try:
            result = self.api.ops.result(info.id, limit=FETCH_LIMIT)
        except Exception as err:
            self.post_message(self._LogText(f"[result] could not fetch the rows: {err}\n", False))
            return
        if result is not None and token == self._run_token:
            title = f"{info.node_name} · bizdate {info.bizdate}"
            self.post_message(self.ResultReady(result.table, result.total_rows, title))

    @work(thread=True, group="run-log")
    def _follow_log(self, iid: int, done: threading.Event) -> None:
        seen = ""
        while True:
            finished = done.is_set()
            try:
                _, text = self.api.ops.log(iid)
            except MaxworksError:
                text = seen
            if text != seen and text.startswith(seen):
                self.post_message(self._LogText(text[len(seen) :], False))
            elif text != seen:
                self.post_message(self._LogText(text, True))
            seen = text
            if finished:
                return
            done.wait(POLL_SECONDS)

    @work(thread=True, group="run", exit_on_error=False)
    def _run_selection(self, token: int, request: RunRequest, cancel: Cancel) -> None:
        self.post_message(self._Started(None, "selection"))
        try:
            run = self.api.run_sql(
                request.code,
                bizdate=request.bizdate,
                params=request.params,
                limit=FETCH_LIMIT,
                cancel=cancel,
            )
            result = _result_of(run)
        except Exception as err:
            if token == self._run_token:
                self.post_message(self.RunFinished(False, _error_text(err)))
            return
        if token != self._run_token:
            return  # cancelled: the user moved on
        lines = []
        for s in run.result.statements:
            line = request.first_line + s.line - 1
            what = s.error.reason if s.error else (s.message or s.kind)
            lines.append(f"statement {s.index + 1} (line {line}): {what} ({s.elapsed_ms:.0f} ms)")
        self.post_message(self._LogText("\n".join(lines) + "\n", False))
        ok = run.result.ok
        self.post_message(
            self.RunFinished(ok, "succeeded" if ok else f"failed: {run.result.error}")
        )
        if result is not None:
            self.post_message(
                self.ResultReady(result.table, result.total_rows, f"{request.node} selection")
            )

    # -- cancelling --------------------------------------------------------------------------
    def on_unmount(self) -> None:
        """The app is closing: stop the test instance, or its worker thread (waiting for it)
        would keep the process alive until the instance ends."""
        if self.running and self.iid is not None:
            with contextlib.suppress(MaxworksError):  # it finished meanwhile
                self.api.ops.kill([self.iid])
        self._done.set()

    def cancel(self) -> bool:
        if not self.running:
            return False
        if self.iid is None:
            self._status("cancelling…")  # the worker reports the stopped statement
            if self._cancel is not None:
                self._cancel.cancel()
            return True
        self._status("cancelling…")
        self._kill(self.iid)
        return True

    @work(thread=True, group="run-kill")
    def _kill(self, iid: int) -> None:
        try:
            self.api.ops.kill([iid])
        except MaxworksError as err:
            self.post_message(self._LogText(f"[cancel] {err}\n", False))

    # -- messages from the workers -------------------------------------------------------------
    @on(_Started)
    def _on_started(self, event: _Started) -> None:
        event.stop()
        self.iid = event.iid
        self._status(f"{event.what} running")
        if event.iid is not None:
            self._follow_log(event.iid, self._done)

    @on(_LogText)
    def _on_log(self, event: _LogText) -> None:
        event.stop()
        if event.replace:
            self.log_widget.clear()
            if self.last_estimate:
                self.log_widget.write(self.last_estimate + "\n")
        self.log_widget.write(event.text)

    @on(RunFinished)
    def _on_finished(self, event: RunFinished) -> None:
        if self.running:
            self._finish(event.ok, event.summary)
        else:
            event.stop()  # a cancelled run reporting late

    def _finish(self, ok: bool, summary: str) -> None:
        self.running = False
        if self._ticker is not None:
            self._ticker.stop()
        self._status(summary)
        if not ok:
            self.log_widget.write(f"{summary}\n")


def _result_of(run: SqlRun) -> ResultSet | None:
    """The last query's rows of an ad-hoc run as Arrow."""
    from engine.executors.contract import ResultSet, to_arrow

    last = run.result.last_query
    if last is None or last.rows is None:
        return None
    rows = list(last.rows)
    total = None if last.truncated else len(rows)
    return ResultSet(to_arrow(last.columns, rows), last.columns, total, last.index)


def _error_text(err: Exception) -> str:
    if isinstance(err, MaxworksError):
        return str(err)
    return f"internal error: {type(err).__name__}: {err}"


def _summary(info: InstanceInfo) -> str:
    if info.status_label == "succeeded":
        return "succeeded"
    return f"{info.status_label}: {info.error}" if info.error else info.status_label
