"""The MaxCompute executor: submit with ``run_sql`` (asynchronous), poll, fetch, cancel, cost.

Nothing here waits for a job: ``submit`` sends one job and returns, ``poll`` makes a few cheap
calls and returns, so one scheduler process can follow thousands of jobs without a thread each.
An ODPS SQL node's next statement is submitted by the poll that sees the previous one succeed.

Every submission carries a unique identifier derived from the handle's key, and MaxCompute returns
the existing instance for an identifier it has seen. A submission whose outcome is unknown (the
connection broke after sending) is never blindly repeated: the handle is marked ``pending`` and the
next poll looks the job up by its identifier first, resubmitting (same identifier) only if absent.
"""

from __future__ import annotations

import contextlib
import functools
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar, TypeVar

from engine.errors import MaxworksError, SqlError
from engine.executors.contract import (
    DEFAULT_FETCH_LIMIT,
    CostEstimate,
    Executor,
    Identity,
    JobHandle,
    JobState,
    JobStatus,
    NotFound,
    ResultSet,
    StageProgress,
    SubmitMode,
)
from engine.executors.credentials import Credential, redact
from engine.executors.maxcompute import results
from engine.executors.maxcompute.catalog import CatalogMixin
from engine.executors.maxcompute.connection import connect
from engine.executors.maxcompute.errors import (
    RetryPolicy,
    attr,
    idempotent,
    is_network_error,
    never_sent,
    service_error,
    sql_rejection,
    statement_error,
)
from engine.executors.maxcompute.plan import Plan, Unit, guid, plan_script
from engine.executors.maxcompute_config import MaxComputeConfig
from engine.executors.records import StatementResult

T = TypeVar("T")
TASK = "AnonymousSQLTask"  # the task name pyodps gives an SQL job
KEEP_OUTCOMES = 4096
LOOKUP_SLACK = 300.0  # seconds before submitted_at still searched (clock skew)


@dataclass(frozen=True)
class _Outcome:
    state: JobState
    result: StatementResult
    stages: tuple[StageProgress, ...] = ()


class MaxComputeExecutor(CatalogMixin, Executor):
    backend: ClassVar[str] = "maxcompute"
    IMPLEMENTS_CANCEL: ClassVar[bool] = True
    IMPLEMENTS_COST: ClassVar[bool] = True
    IMPLEMENTS_PROGRESS: ClassVar[bool] = True
    IMPLEMENTS_LOGVIEW: ClassVar[bool] = True

    def __init__(
        self,
        config: MaxComputeConfig,
        *,
        project: str,
        projects: Sequence[str],
        credentials: Callable[[Identity], Credential],
        identity: Identity = "personal",
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self.project = project
        self.projects = list(projects)
        self.identity = identity
        self.retry = retry or RetryPolicy()
        self.sleep = sleep
        self._credentials = credentials
        self._entries: dict[Identity, Any] = {}
        self._outcomes: OrderedDict[str, _Outcome] = OrderedDict()
        self._rejected: dict[str, SqlError] = {}
        self._cancelled: set[str] = set()  # jobs whose remaining statements must not start

    # -- plumbing -------------------------------------------------------------------------------
    def odps(self, identity: Identity | None = None) -> Any:
        """The pyodps entry of an identity (its credentials are loaded on first use)."""
        ident = identity or self.identity
        if ident not in self._entries:
            try:
                self._entries[ident] = connect(self.config, self._credentials(ident), self.project)
            except MaxworksError:
                raise
            except Exception as err:
                raise service_error(err, what="connecting", endpoint=self.config.endpoint) from None
        return self._entries[ident]

    def _read(self, call: Callable[[], T], what: str) -> T:
        return idempotent(
            call, what=what, endpoint=self.config.endpoint, policy=self.retry, sleep=self.sleep
        )

    # -- jobs -----------------------------------------------------------------------------------
    def submit(
        self,
        script: str,
        *,
        flags: Mapping[str, str] | None = None,
        identity: Identity | None = None,
        mode: SubmitMode = "statements",
        key: str | None = None,
        resume: bool = False,
    ) -> JobHandle:
        handle = JobHandle(
            job_id=f"{self.backend}:{key or uuid.uuid4().hex}",
            backend=self.backend,
            project=self.project,
            identity=identity or self.identity,
            mode=mode,
            script=script,
            flags=tuple(sorted((flags or {}).items())),
            submitted_at=time.time(),
            pending=resume,
        )
        plan = plan_script(script, dict(handle.flags), mode)
        if plan.error is not None or not plan.units:
            return handle  # nothing to send: poll reports the split error, or success
        return self._submit_next(handle, plan)

    def _submit_next(self, handle: JobHandle, plan: Plan) -> JobHandle:
        """Submit the next unit (looking it up first when a submission may already exist)."""
        number = len(handle.instance_ids)
        unit = plan.units[number]
        unique = guid(handle.key, number)
        o = self.odps(handle.identity)
        if handle.pending:
            found = self._read(lambda: self._lookup(o, handle, unique), "looking up a job")
            if found is not None:
                return replace(handle, instance_ids=(*handle.instance_ids, found))
        try:
            inst = o.run_sql(
                unit.sql, project=handle.project, hints=unit.hints, unique_identifier_id=unique
            )
        except Exception as err:
            if is_network_error(err) and not never_sent(err):
                return replace(handle, pending=True)  # it may exist: look it up, never resend
            rejection = sql_rejection(err)
            if rejection is None:
                what = "submitting a job"
                raise service_error(err, what=what, endpoint=self.config.endpoint) from None
            script_positions = handle.mode == "script"
            self._rejected[unique] = statement_error(
                rejection, first_line=unit.line, script_positions=script_positions
            )
            return replace(handle, pending=False)
        return replace(handle, instance_ids=(*handle.instance_ids, str(inst.id)), pending=False)

    @staticmethod
    def _lookup(o: Any, handle: JobHandle, unique: str) -> str | None:
        since = int(handle.submitted_at - LOOKUP_SLACK)
        for inst in o.list_instances(project=handle.project, start_time=since, only_owner=True):
            if inst.get_unique_identifier_id() == unique:
                return str(inst.id)
        return None

    def poll(self, handle: JobHandle) -> JobStatus:
        plan = plan_script(handle.script, dict(handle.flags), handle.mode)
        if plan.error is not None:
            bad = StatementResult(0, plan.error.line or 1, handle.script, "query", error=plan.error)
            return JobStatus(handle, "failed", (bad,), error=plan.error)
        done: list[StatementResult] = []
        for number, unit in enumerate(plan.units):
            done += [s for s in plan.settings_before(unit) if s not in done]
            if number >= len(handle.instance_ids):
                if handle.job_id in self._cancelled:
                    handle = self._stop_pending(handle, number)
                    err = SqlError("the job was cancelled", line=unit.line)
                    return JobStatus(handle, "cancelled", tuple(done), error=err)
                rejected = self._rejected.get(guid(handle.key, number))
                if rejected is not None:
                    failed = _failed(unit, rejected)
                    return JobStatus(handle, "failed", (*done, failed), error=rejected)
                handle = self._submit_next(handle, plan)
                state: JobState = "running" if len(handle.instance_ids) > number else "submitting"
                return JobStatus(handle, state, tuple(done), percent=_percent(number, plan))
            outcome = self._outcome(handle, unit, handle.instance_ids[number])
            if outcome.state != "succeeded":
                if outcome.state == "running":
                    percent = _percent(number, plan, outcome.stages)
                    return JobStatus(handle, "running", tuple(done), outcome.stages, percent)
                return JobStatus(
                    handle, outcome.state, (*done, outcome.result), error=outcome.result.error
                )
            done.append(outcome.result)
        done += [s for s in plan.settings_before(None) if s not in done]
        return JobStatus(handle, "succeeded", tuple(done), percent=100.0)

    def _outcome(self, handle: JobHandle, unit: Unit, instance_id: str) -> _Outcome:
        cached = self._outcomes.get(instance_id)
        if cached is not None:
            return cached
        o = self.odps(handle.identity)
        outcome = self._read(lambda: self._inspect(o, handle, unit, instance_id), "polling a job")
        if outcome.state != "running":
            self._outcomes[instance_id] = outcome
            while len(self._outcomes) > KEEP_OUTCOMES:
                self._outcomes.popitem(last=False)
        return outcome

    def _inspect(self, o: Any, handle: JobHandle, unit: Unit, instance_id: str) -> _Outcome:
        inst = o.get_instance(instance_id, project=handle.project)
        base = StatementResult(unit.statement, unit.line, unit.sql, unit.kind)
        inst.reload()  # one GET; reading ``inst.status`` on a fresh object would make two
        if getattr(attr(inst, "_status"), "value", "Running") != "Terminated":
            try:
                progress = inst.get_task_progress(TASK)
                stages = tuple(_stage(s) for s in progress.stages)
            except Exception:  # progress is advisory; a job in queue has none yet
                stages = ()
            return _Outcome("running", base, stages)
        task = inst.get_task_statuses().get(TASK)
        status = task.status.value if task is not None else "SUCCESS"
        if status == "SUCCESS":
            message = "finished; fetch reads its rows" if unit.kind == "query" else "OK"
            if unit.kind != "query":
                text = str(inst.get_task_result(TASK) or "").strip()
                message = redact(text.splitlines()[0]) if text else "OK"
            return _Outcome("succeeded", replace(base, message=message))
        if status == "CANCELLED":
            err = SqlError("the job was cancelled", line=unit.line, hint="run it again if needed")
            return _Outcome("cancelled", replace(base, error=err))
        text = str(inst.get_task_result(TASK) or "")
        err = statement_error(text, first_line=unit.line, script_positions=handle.mode == "script")
        return _Outcome("failed", replace(base, error=err))

    def fetch(
        self, handle: JobHandle, limit: int = DEFAULT_FETCH_LIMIT, *, statement: int | None = None
    ) -> ResultSet:
        plan = plan_script(handle.script, dict(handle.flags), handle.mode)
        units = [u for u in plan.units if u.number < len(handle.instance_ids)]
        if statement is None:
            chosen = next((u for u in reversed(units) if u.kind in ("query", "show")), None)
        else:
            chosen = next((u for u in units if u.statement == statement), None)
        if chosen is None:
            raise NotFound(f"job {handle.job_id} has no finished query to fetch rows from")
        o = self.odps(handle.identity)
        inst = o.get_instance(handle.instance_ids[chosen.number], project=handle.project)
        text = chosen.kind == "show"
        columns, rows, total = self._read(
            lambda: results.read(inst, limit, text_result=text), "reading a result"
        )
        return ResultSet(results.table(columns, rows), columns, total, chosen.statement)

    def logview(self, handle: JobHandle) -> str | None:
        if not handle.instance_ids:
            return None
        try:
            o = self.odps(handle.identity)
            inst = o.get_instance(handle.instance_ids[-1], project=handle.project)
            return str(inst.get_logview_address())
        except Exception:  # a diagnostic link is best effort
            return None

    def cancel(self, handle: JobHandle) -> bool:
        self._cancelled.add(handle.job_id)  # whatever happens below, start nothing more
        if not handle.instance_ids:
            return False
        o = self.odps(handle.identity)
        try:
            o.stop_instance(handle.instance_ids[-1], project=handle.project)
        except Exception as err:
            if type(err).__name__ == "InvalidStateSetting":
                return False  # it had already finished
            raise service_error(
                err, what="cancelling a job", endpoint=self.config.endpoint
            ) from None
        self._outcomes.pop(handle.instance_ids[-1], None)
        return True

    def check_access(self, project: str | None = None) -> str:
        """Authenticate and read the project and its table list (``maxworks doctor``)."""
        name = project or self.project
        o = self.odps()

        def probe() -> str:
            found = o.get_project(name)
            found.reload()
            next(iter(o.list_tables(project=name)), None)
            return f"project {name} (owner {attr(found, 'owner') or 'unknown'}): tables readable"

        return self._read(probe, f"checking access to project {name}")

    def _stop_pending(self, handle: JobHandle, number: int) -> JobHandle:
        """A cancelled job's unit whose submission may have arrived: find it and stop it too."""
        if not handle.pending:
            return handle
        o = self.odps(handle.identity)
        unique = guid(handle.key, number)
        found = self._read(lambda: self._lookup(o, handle, unique), "looking up a job")
        if found is None:
            return replace(handle, pending=False)
        with contextlib.suppress(Exception):  # it may have finished meanwhile
            o.stop_instance(found, project=handle.project)
        return replace(handle, instance_ids=(*handle.instance_ids, found), pending=False)

    def estimate_cost(
        self, script: str, flags: Mapping[str, str] | None = None
    ) -> CostEstimate | None:
        plan = plan_script(script, dict(flags or {}), "statements")
        if plan.error is not None:
            raise plan.error
        o = self.odps()
        total_input, complexity, udfs, counted = 0, 0.0, 0, 0
        for unit in plan.units:
            if unit.kind not in ("query", "dml"):
                continue
            cost = self._read(functools.partial(_cost, o, unit, self.project), "estimating cost")
            total_input += int(cost.input_size or 0)
            complexity = max(complexity, float(cost.complexity or 0.0))
            udfs += int(cost.udf_num or 0)
            counted += 1
        return CostEstimate(total_input, complexity, udfs, counted)


def _cost(o: Any, unit: Unit, project: str) -> Any:
    return o.execute_sql_cost(unit.sql, project=project, hints=unit.hints)


def _stage(stage: Any) -> StageProgress:
    return StageProgress(
        name=str(stage.name),
        percent=int(stage.finished_percentage or 0),
        total_workers=int(stage.total_workers or 0),
        running_workers=int(stage.running_workers or 0),
        terminated_workers=int(stage.terminated_workers or 0),
    )


def _percent(number: int, plan: Plan, stages: tuple[StageProgress, ...] = ()) -> float:
    """Share of the job done: finished units, plus the running one's mean stage progress."""
    current = sum(s.percent for s in stages) / len(stages) / 100 if stages else 0.0
    return round(100.0 * (number + current) / max(len(plan.units), 1), 1)


def _failed(unit: Unit, error: SqlError) -> StatementResult:
    return StatementResult(unit.statement, unit.line, unit.sql, unit.kind, error=error)
