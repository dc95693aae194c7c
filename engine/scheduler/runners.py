"""Running an instance's code: worker threads that only run and report.

The loop (one thread, the only writer of state.db) submits jobs and polls outcomes; a worker never
touches SQLite. ODPS SQL runs on the shared embedded warehouse (one DuckDB instance, one cursor
per worker thread), shell in a subprocess whose process group can be killed. Logs go to
``.maxworks/logs/<instance>/<run>.log``, flushed line by line so they are readable while running.
"""

from __future__ import annotations

import ast
import contextlib
import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from engine.errors import MaxworksError
from engine.scheduler.model import NodeType
from engine.studio.spec import BranchCondition
from engine.workspace import Environment, Workspace

LOG_ROWS = 200  # rows of a query result written to the log


@dataclass(frozen=True)
class Job:
    instance_id: int
    run_no: int
    node_name: str
    node_type: NodeType
    code: str
    env: str
    params: dict[str, str]
    log_path: Path
    branches: tuple[BranchCondition, ...] = ()
    result_dir: Path | None = None  # ad-hoc runs for clients: keep every statement's result here
    result_limit: int = 10_000
    # the scheduler's time at dispatch (simulated runs stamp metadata with it)
    started_at: datetime | None = None
    declared: tuple[str, ...] = ()  # the node's own parameter names, in order ($1 $2 for shell)


@dataclass(frozen=True)
class Outcome:
    ok: bool
    error: str | None = None
    outputs: Any = None  # assignment: the last result; branch: the selected output names
    billable: bool = True
    started: float = 0.0  # time.perf_counter() when the worker began the job (for overhead figures)
    ended: float = 0.0
    tables_read: tuple[str, ...] = ()  # by the statements that ran (the Data Map's access times)
    tables_written: tuple[str, ...] = ()  # ... and the tables the Data Map re-reads


@dataclass
class _Running:
    job: Job
    future: Future[Outcome]
    cancel: threading.Event = field(default_factory=threading.Event)
    process: subprocess.Popen[bytes] | None = None
    cursor: Any = None


class Runner:
    def __init__(self, workspace: Workspace, max_workers: int = 8) -> None:
        self.workspace = workspace
        self.pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="maxworks-run")
        self.running: dict[int, _Running] = {}
        self._cursors: list[Any] = []
        self._cursors_lock = threading.Lock()
        self._local = threading.local()

    # -- the loop's side ----------------------------------------------------------------------
    def submit(self, job: Job) -> None:
        job.log_path.parent.mkdir(parents=True, exist_ok=True)
        holder = _Running(job, Future())
        holder.future = self.pool.submit(self._run, holder)
        self.running[job.instance_id] = holder

    def finished(self) -> list[tuple[Job, Outcome]]:
        done = [(iid, r) for iid, r in self.running.items() if r.future.done()]
        out: list[tuple[Job, Outcome]] = []
        for iid, r in done:
            del self.running[iid]
            try:
                out.append((r.job, r.future.result()))
            except Exception as err:  # a bug in a runner must not stop the scheduler
                out.append((r.job, Outcome(False, f"internal error: {type(err).__name__}: {err}")))
        return out

    def cancel(self, instance_id: int) -> bool:
        r = self.running.get(instance_id)
        if r is None:
            return False
        r.cancel.set()
        if r.process is not None and r.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(r.process.pid, signal.SIGKILL)
        if r.cursor is not None:
            with contextlib.suppress(Exception):  # the cursor may have finished meanwhile
                r.cursor.interrupt()
        return True

    def wait_any(self, timeout: float) -> None:
        """Block until some job finishes (or ``timeout`` seconds pass)."""
        from concurrent.futures import FIRST_COMPLETED, wait

        futures = [r.future for r in self.running.values()]
        if futures:
            wait(futures, timeout=timeout, return_when=FIRST_COMPLETED)

    def close(self) -> None:
        for iid in list(self.running):
            self.cancel(iid)
        self.pool.shutdown(wait=True, cancel_futures=True)
        from engine.executors.local import warehouse

        with self._cursors_lock:
            for cursor in self._cursors:
                warehouse.release(self.workspace, cursor)
            self._cursors.clear()

    # -- worker threads -----------------------------------------------------------------------
    def _run(self, holder: _Running) -> Outcome:
        started = time.perf_counter()
        job = holder.job
        _LOG_CLOCK.base, _LOG_CLOCK.t0 = job.started_at, time.monotonic()
        try:
            return self._logged(holder, started)
        finally:
            _LOG_CLOCK.base = None

    def _logged(self, holder: _Running, started: float) -> Outcome:
        job = holder.job
        with open(job.log_path, "a", encoding="utf-8", buffering=1) as log:
            log.write(
                f"[{_stamp()}] run {job.run_no} of {job.node_name} ({job.node_type.value}, instance {job.instance_id})\n"
            )
            try:
                outcome = self._dispatch(holder, log)
            except MaxworksError as err:
                outcome = Outcome(False, str(err))
            except Exception as err:
                outcome = Outcome(False, f"{type(err).__name__}: {err}")
            if holder.cancel.is_set() and outcome.ok is False and not outcome.error:
                outcome = Outcome(False, "killed")
            log.write(
                f"[{_stamp()}] {'succeeded' if outcome.ok else 'failed: ' + (outcome.error or '')}\n"
            )
        return replace(outcome, started=started, ended=time.perf_counter())

    def _dispatch(self, holder: _Running, log: IO[str]) -> Outcome:
        job = holder.job
        t = job.node_type
        if t in (NodeType.ODPS_SQL, NodeType.ODPS_SCRIPT, NodeType.ASSIGNMENT):
            return self._sql(holder, log)
        if t == NodeType.SHELL:
            return self._shell(holder, log)
        if t == NodeType.BRANCH:
            return _branch(job, log)
        if t.zero_load:
            return Outcome(True, billable=False)
        if t == NodeType.PYODPS3:
            return Outcome(
                False,
                "PyODPS 3 nodes run against MaxCompute; this workspace uses the local engine, "
                'which has no PyODPS endpoint yet (set engine = "maxcompute" in maxworks.toml)',
            )
        return Outcome(False, f"node type {t.value} cannot run")

    def _cursor(self) -> Any:
        cursor = getattr(self._local, "cursor", None)
        if cursor is None:
            from engine.executors.local import warehouse
            from engine.sql.functions import install_macros

            cursor = warehouse.acquire(self.workspace)
            with self._cursors_lock:
                self._cursors.append(cursor)
            install_macros(cursor, self.workspace.config.timezone)
            self._local.cursor = cursor
        return cursor

    def _sql(self, holder: _Running, log: IO[str]) -> Outcome:
        from engine.executors.local.executor import LocalExecutor
        from engine.executors.values import to_text
        from engine.params import substitute

        job = holder.job
        text = substitute(job.code, job.params)
        cursor = self._cursor()
        holder.cursor = cursor
        env: Environment = (
            "dev" if job.env == "dev" and self.workspace.config.projects.dev else "prod"
        )
        stamp = job.started_at
        executor = LocalExecutor(
            self.workspace,
            env,
            user="scheduler",
            connection=cursor,
            result_limit=job.result_limit,
            clock=(lambda: stamp) if stamp is not None else None,
        )
        last_rows: list[list[str]] | None = None
        done: list[Any] = []
        for result in executor.execute(text, one_job=job.node_type == NodeType.ODPS_SCRIPT):
            done.append(result)
            if job.result_dir is not None and (result.error is not None or holder.cancel.is_set()):
                from engine.ops import results

                results.save(job.result_dir, done)
            if holder.cancel.is_set():
                return Outcome(False, "killed")
            where = f"statement {result.index + 1} (line {result.line})"
            if result.error is not None:
                log.write(f"[{_stamp()}] {where} failed: {result.error}\n")
                read, written = _touched(done)
                return Outcome(
                    False, f"{where}: {result.error}", tables_read=read, tables_written=written
                )
            log.write(
                f"[{_stamp()}] {where}: {result.message or result.kind} ({result.elapsed_ms:.0f} ms)\n"
            )
            if result.rows is not None and result.kind == "query":
                cols = [c.name for c in result.columns]
                log.write("  " + " | ".join(cols) + "\n")
                for row in list(result.rows)[:LOG_ROWS]:
                    log.write(
                        "  "
                        + " | ".join(
                            to_text(v, c.odps_type)
                            for v, c in zip(row, result.columns, strict=True)
                        )
                        + "\n"
                    )
                last_rows = [
                    [to_text(v, c.odps_type) for v, c in zip(row, result.columns, strict=True)]
                    for row in result.rows
                ]
        if job.result_dir is not None:
            from engine.ops import results

            results.save(job.result_dir, done)
        outputs = last_rows if job.node_type == NodeType.ASSIGNMENT else None
        read, written = _touched(done)
        return Outcome(True, outputs=outputs, tables_read=read, tables_written=written)

    def _shell(self, holder: _Running, log: IO[str]) -> Outcome:
        from engine.params import shell_args, substitute

        job = holder.job
        code = substitute(job.code, job.params)
        args = shell_args({k: job.params[k] for k in job.declared if k in job.params})
        log.flush()
        if holder.cancel.is_set():
            return Outcome(False, "killed")
        with open(job.log_path, "ab") as out:
            proc = subprocess.Popen(
                ["bash", "-c", code, job.node_name, *args],
                cwd=self.workspace.root,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                env={
                    **os.environ,
                    "MAXWORKS_INSTANCE": str(job.instance_id),
                    "MAXWORKS_BIZDATE": job.params.get("bizdate", ""),
                },
            )
            holder.process = proc
            if (
                holder.cancel.is_set()
            ):  # cancelled while starting: cancel() could not see the process
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
            code_ = proc.wait()
        if holder.cancel.is_set():
            return Outcome(False, "killed")
        if code_ != 0:
            return Outcome(False, f"shell exited with status {code_}")
        return Outcome(True)


def _touched(results: list[Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Tables the statements read and wrote (earlier statements stay committed on failure)."""
    read = tuple(dict.fromkeys(t for r in results for t in r.tables_read))
    return read, tuple(dict.fromkeys(t for r in results for t in r.tables_written))


def _branch(job: Job, log: IO[str]) -> Outcome:
    """Evaluate each branch condition (a Python comparison over parameters); select the true ones."""
    from engine.params import substitute

    selected: list[str] = []
    for branch in job.branches:
        text = substitute(branch.condition, job.params)
        value = safe_eval(text)
        log.write(
            f"[{_stamp()}] branch {branch.output}: {branch.condition} -> {text} -> {bool(value)}\n"
        )
        if value:
            selected.append(branch.output)
    return Outcome(True, outputs=selected, billable=False)


_ALLOWED = (
    ast.Expression, ast.Compare, ast.BoolOp, ast.UnaryOp, ast.BinOp, ast.Constant, ast.List, ast.Tuple,
    ast.And, ast.Or, ast.Not, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn,
    ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Mod, ast.USub, ast.Subscript, ast.Load, ast.Slice,
)  # fmt: skip


def safe_eval(text: str) -> Any:
    """A branch condition: literals, comparisons, arithmetic and boolean logic only."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as err:
        raise MaxworksError(
            f"branch condition {text!r} is not a valid expression: {err.msg}"
        ) from None
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED):
            raise MaxworksError(
                f"branch condition {text!r} may only compare values ({type(node).__name__} is not allowed)"
            )
    return eval(compile(tree, "<branch>", "eval"), {"__builtins__": {}}, {})


def outputs_value(outputs_json: str | None) -> str:
    """An assignment node's outputs as a parameter value: a single cell as itself, else JSON."""
    if not outputs_json:
        return ""
    value = json.loads(outputs_json)
    while isinstance(value, list) and len(value) == 1:
        value = value[0]
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


_LOG_CLOCK = threading.local()
"""The run this worker thread is on: its start on the scheduler's clock, and when it began."""


def _stamp() -> str:
    """A log line's time on the scheduler's clock: the run's start (as the instance records it)
    plus the time it has taken, so a simulated day's logs read as that day's, not today's."""
    base: datetime | None = getattr(_LOG_CLOCK, "base", None)
    if base is None:
        return time.strftime("%Y-%m-%d %H:%M:%S")
    elapsed = timedelta(seconds=time.monotonic() - _LOG_CLOCK.t0)
    return (base + elapsed).strftime("%Y-%m-%d %H:%M:%S")


RunnerFactory = Callable[[Workspace], Runner]
