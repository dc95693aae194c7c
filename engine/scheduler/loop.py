"""The scheduler loop: one iteration per ``tick(now)``.

A tick renews the lease, generates due days, applies timeouts and kill requests, collects finished
runs, advances states (dependencies, time, dry runs, zero-load nodes) and dispatches ready
instances to resource-group slots. ``run_until_idle`` drives simulated time without sleeping;
``run_forever`` is the real-time leader (``maxworks scheduler``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from engine.errors import MaxworksError
from engine.scheduler import events, lease, transitions
from engine.scheduler.deployed import DeployedNode, load_deployed
from engine.scheduler.generation import TS, Planner, write_plan
from engine.scheduler.model import DagType, NodeType, SchedType, State
from engine.scheduler.remote import RemoteJobs
from engine.scheduler.runners import Job, Outcome, Runner, outputs_value
from engine.store import write_transaction
from engine.studio.spec import NodeSpec
from engine.workspace import Workspace

GENERATION_TIME = (23, 30)  # next day's instances are generated from 23:30 on
TIMEOUT_ERROR = "timeout"


class NotLeader(MaxworksError):
    """Another live process holds the workspace's scheduler lease."""


@dataclass
class TickReport:
    generated: int = 0
    moved: int = 0
    started: int = 0
    finished: int = 0

    @property
    def busy(self) -> bool:
        return bool(self.generated or self.moved or self.started or self.finished)


@dataclass
class Scheduler:
    workspace: Workspace
    clock: Callable[[], datetime] | None = None
    runner: Runner | None = None
    generate: bool = True
    scope: tuple[int, int] | None = None  # (dag_type, dag_id): only run this DAG (test runs)
    operator: str = "scheduler"
    holder: str = field(default_factory=lease.new_holder_id)

    def __post_init__(self) -> None:
        self.db = self.workspace.open_state()
        tz = ZoneInfo(self.workspace.config.timezone)
        self._clock = self.clock or (lambda: datetime.now(tz).replace(tzinfo=None, microsecond=0))
        self.slots = {g.name: g.slots for g in self.workspace.config.resource_groups}
        if self.runner is None:
            self.runner = Runner(self.workspace, max_workers=max(1, sum(self.slots.values())))
        self._specs: dict[tuple[int, int], NodeSpec] = {}
        self._leading = False
        self.remote = (
            RemoteJobs(self.workspace, self.db)
            if self.workspace.config.engine == "maxcompute"
            else None
        )
        self._touched: list[tuple[tuple[str, ...], tuple[str, ...]]] = []  # for the Data Map

    # -- leadership -----------------------------------------------------------------------------
    def start(self, now: datetime | None = None) -> None:
        """Become the leader; ``now`` (simulated runs) dates the crash-recovery retries."""
        if not lease.acquire(self.db, self.holder):
            other = lease.current(self.db)
            who = (
                f"{other.holder} (pid {other.pid} on {other.host})" if other else "another process"
            )
            raise NotLeader(
                f"the scheduler of this workspace is already running: {who}",
                hint="stop it first, or let it run your work (clients only write commands)",
            )
        self._leading = True
        self.reconcile(now)

    def stop(self) -> None:
        if self.runner is not None:
            self.runner.close()
        if self._leading:
            lease.release(self.db, self.holder)
            self._leading = False
        self.db.close()

    def reconcile(self, at: datetime | None = None) -> int:
        """After a crash: local runs that were in flight failed (DuckDB kept no partial write)."""
        now = (at or self._clock()).strftime(TS)
        with write_transaction(self.db):
            rows = self.db.conn.execute(
                f"SELECT id, node_name, retries_left, retry_interval_minutes FROM instances "
                f"WHERE state = {int(State.RUNNING)} AND (leader IS NULL OR leader != ?)",
                [self.holder],
            ).fetchall()
            for iid, name, retries, interval in rows:
                if self.remote is not None and self._reattach(iid, now):
                    continue
                self._fail(
                    iid,
                    name,
                    now,
                    "interrupted: the scheduler stopped while this instance ran",
                    retries,
                    interval,
                    State.RUNNING,
                )
        if self.remote is not None:
            self.remote.flush()
        return len(rows)

    def _reattach(self, iid: int, now: str) -> bool:
        """A MaxCompute run survives its leader: follow its stored job, or look its key up."""
        assert self.remote is not None
        row = self.db.conn.execute(
            "SELECT node_id, version, node_name, node_type, env, params, run_no, spec_override, dag_type, handle "
            "FROM instances WHERE id = ?",
            [iid],
        ).fetchone()
        job = self._job(iid, row[:9], now)
        if not RemoteJobs.wants(self.workspace, job):
            return False
        self.db.conn.execute("UPDATE instances SET leader = ? WHERE id = ?", [self.holder, iid])
        if row[9]:
            self.remote.reattach(job, row[9])
        else:
            self.remote.queue(
                job, resume=True
            )  # the handle never got stored: look the key up first
        return True

    # -- one iteration ---------------------------------------------------------------------------
    def tick(self, now: datetime | None = None) -> TickReport:
        now = now or self._clock()
        report = TickReport()
        if self._leading and not lease.renew(self.db, self.holder):
            self._leading = False
            raise NotLeader("lost the scheduler lease (another process took it over)")
        nows = now.strftime(TS)
        with write_transaction(self.db):
            if self.generate:
                report.generated = self._generate(now)
            self._kill_and_timeout(now)
            report.finished = self._collect(nows)
            report.moved = transitions.advance(self.db, nows, self.operator)
            report.started = self._dispatch(now)
        if self.remote is not None:
            self.remote.flush()
        if self._touched:
            self._refresh_data_map(now)
        return report

    def _refresh_data_map(self, now: datetime) -> None:
        """After the tick's transaction: the Data Map re-reads the tables finished runs wrote
        (this process holds the warehouse) and notes what they read."""
        from engine.datamap.service import after_scheduler_runs

        touched, self._touched = self._touched, []
        after_scheduler_runs(self.workspace, self.db, touched, user=self.operator, at=now)

    # -- generation --------------------------------------------------------------------------------
    def _generate(self, now: datetime) -> int:
        days = [now.date()]
        if (now.hour, now.minute) >= GENERATION_TIME:
            days.append(now.date() + timedelta(days=1))
        total = 0
        nodes: dict[str, DeployedNode] | None = None
        for day in days:
            key = day.isoformat()
            if self.db.conn.execute("SELECT 1 FROM generated_days WHERE day = ?", [key]).fetchone():
                continue
            if nodes is None:
                nodes = load_deployed(self.db, self.workspace.config.projects.prod)
            frozen = frozenset(
                r[0] for r in self.db.conn.execute("SELECT node_name FROM node_freezes")
            )
            # T+1: a node deployed on the day itself starts the next day.
            eligible = [
                n for n, node in nodes.items()
                if not self._deployed_on(n, day) or node.spec.schedule.instance_mode.value == "immediately"
            ]  # fmt: skip
            plan = Planner(self.db, nodes, now=now).plan(
                eligible, run_day=day, dag_type=DagType.NORMAL, frozen_nodes=frozen
            )
            write_plan(self.db, plan)
            self.db.conn.execute(
                "INSERT INTO generated_days (day, generated_at, instances) VALUES (?, ?, ?)",
                [key, now.strftime(TS), len(plan.rows)],
            )
            total += len(plan.rows)
            self._sweep_lifecycles(now)
        return total

    def _sweep_lifecycles(self, now: datetime) -> None:
        """Once a day, with the day's generation: reclaim data older than its table's lifecycle."""
        if self.workspace.config.engine != "local":
            return
        from engine.executors.local.lifecycle import sweep

        try:
            reclaimed = sweep(self.workspace, now=now, user=self.operator)
        except MaxworksError as err:
            events.record(
                self.db, now.strftime(TS), "lifecycle-sweep", self.operator, error=str(err)
            )
            return
        if reclaimed:
            self._touched.append(((), tuple(f"{r.project}.{r.table}" for r in reclaimed)))
            events.record(
                self.db, now.strftime(TS), "lifecycle-sweep", self.operator,
                reclaimed=[f"{r.project}.{r.table}" + (f"/{r.partition}" if r.partition else "") for r in reclaimed],
            )  # fmt: skip

    def _deployed_on(self, name: str, day: date) -> bool:
        row = self.db.conn.execute(
            "SELECT min(d.deployed_at) FROM deployments d JOIN nodes n ON n.id = d.node_id WHERE n.name = ?",
            [name],
        ).fetchone()
        return bool(row and row[0] and row[0][:10] == day.isoformat())

    # -- running work --------------------------------------------------------------------------------
    def _kill_and_timeout(self, now: datetime) -> None:
        assert self.runner is not None
        for iid, killed, started, timeout in self.db.conn.execute(
            f"SELECT id, kill_requested, started_at, timeout_minutes FROM instances WHERE state = {int(State.RUNNING)}"
        ).fetchall():
            if killed:
                if not self.runner.cancel(iid) and self.remote is not None:
                    self.remote.cancel(iid)
            elif (
                timeout
                and started
                and datetime.strptime(started, TS) + timedelta(minutes=timeout) <= now
                and (
                    self.runner.cancel(iid) or (self.remote is not None and self.remote.cancel(iid))
                )
            ):
                self.db.conn.execute(
                    f"UPDATE instances SET error = '{TIMEOUT_ERROR}' WHERE id = ?", [iid]
                )

    def _collect(self, now: str) -> int:
        assert self.runner is not None
        done = self.runner.finished() + (self.remote.finished() if self.remote is not None else [])
        succeeded: list[int] = []
        for job, outcome in done:
            if outcome.tables_read or outcome.tables_written:
                self._touched.append((outcome.tables_read, outcome.tables_written))
            row = self.db.conn.execute(
                "SELECT error, kill_requested, retries_left, retry_interval_minutes, sched_type, dag_type, env, billable "
                "FROM instances WHERE id = ? AND run_no = ? AND state = ?",
                [job.instance_id, job.run_no, int(State.RUNNING)],
            ).fetchone()
            if row is None:
                continue  # moved by an operation while it ran
            flagged_error, kill, retries, interval, _, dag_type, env, billable = row
            if outcome.ok:
                self.db.conn.execute(
                    f"UPDATE instances SET state = {int(State.SUCCESS)}, finished_at = ?, outputs = ?, error = NULL "
                    f"WHERE id = ? AND state = {int(State.RUNNING)}",
                    [
                        now,
                        json.dumps(outcome.outputs) if outcome.outputs is not None else None,
                        job.instance_id,
                    ],
                )
                events.record_status(
                    self.db,
                    now,
                    self.operator,
                    [(job.instance_id, job.node_name, int(State.SUCCESS))],
                )
                if outcome.billable and billable:
                    self.db.conn.execute(
                        "INSERT OR IGNORE INTO usage_ledger VALUES (?, ?, ?, ?, ?)",
                        [job.instance_id, job.run_no, now[:10], dag_type, env],
                    )
                if job.node_type == NodeType.BRANCH:
                    self._unselect(job, outcome)
                succeeded.append(job.instance_id)
            else:
                if kill:
                    error, retries = "killed by an operator", 0
                elif flagged_error == TIMEOUT_ERROR:
                    error, retries = (
                        f"timeout: ran longer than its {self._timeout(job.instance_id)} minute limit",
                        0,
                    )
                else:
                    error = outcome.error or "failed"
                self._fail(
                    job.instance_id, job.node_name, now, error, retries, interval, State.RUNNING
                )
        if succeeded:
            transitions.release(succeeded, self.db)
        return len(done)

    def _timeout(self, iid: int) -> int:
        row = self.db.conn.execute(
            "SELECT timeout_minutes FROM instances WHERE id = ?", [iid]
        ).fetchone()
        return int(row[0]) if row else 0

    def _fail(
        self,
        iid: int,
        name: str,
        now: str,
        error: str,
        retries: int,
        interval: int,
        expected: State,
    ) -> None:
        """A failed run: auto-rerun if retries are left (never after a timeout or a kill), else Failed."""
        if retries > 0:
            next_try = (datetime.strptime(now, TS) + timedelta(minutes=max(1, interval))).strftime(
                TS
            )
            self.db.conn.execute(
                f"UPDATE instances SET state = {int(State.WAIT_TIME)}, retries_left = retries_left - 1, "
                f"next_try_at = ?, error = ?, kill_requested = 0 WHERE id = ? AND state = {int(expected)}",
                [next_try, error, iid],
            )
            events.record_status(self.db, now, self.operator, [(iid, name, int(State.WAIT_TIME))])
            events.record(
                self.db,
                now,
                events.RERUN,
                self.operator,
                instance_id=iid,
                node_name=name,
                auto=True,
                error=error,
            )
        else:
            self.db.conn.execute(
                f"UPDATE instances SET state = {int(State.FAILURE)}, finished_at = ?, error = ?, kill_requested = 0 "
                f"WHERE id = ? AND state = {int(expected)}",
                [now, error, iid],
            )
            events.record_status(self.db, now, self.operator, [(iid, name, int(State.FAILURE))])

    def _unselect(self, job: Job, outcome: Outcome) -> None:
        selected = set(outcome.outputs or [])
        branch_outputs = {b.output for b in job.branches}
        unselected = sorted(branch_outputs - selected)
        if not unselected:
            return
        marks = ",".join("?" for _ in unselected)
        self.db.conn.execute(
            f"""UPDATE instances SET sched_type = {int(SchedType.CONDITION_UNCHOOSE)}
                WHERE sched_type = {int(SchedType.NORMAL)} AND state < {int(State.RUNNING)}
                AND id IN (SELECT instance_id FROM instance_deps WHERE upstream_id = ? AND via IN ({marks}))""",
            [job.instance_id, *unselected],
        )

    def _dispatch(self, now: datetime) -> int:
        assert self.runner is not None
        nows = now.strftime(TS)
        running = dict(
            self.db.conn.execute(
                f"SELECT resource_group, count(*) FROM instances WHERE state = {int(State.RUNNING)} GROUP BY resource_group"
            ).fetchall()
        )
        scope_sql, scope_args = self._scope_sql()
        started = 0
        for group, slots in self.slots.items():
            free = slots - int(running.get(group, 0))
            if free <= 0:
                continue
            rows = self.db.conn.execute(
                f"SELECT id FROM instances WHERE state = {int(State.WAIT_RESOURCE)} AND resource_group = ?{scope_sql} "
                f"ORDER BY priority DESC, cyctime, id LIMIT ?",
                [group, *scope_args, free],
            ).fetchall()
            for (iid,) in rows:
                if self._start(iid, nows):
                    started += 1
        # instances whose resource group no longer exists cannot run: say so
        unknown = ",".join(f"'{g}'" for g in self.slots)
        for iid, name, group in self.db.conn.execute(
            f"SELECT id, node_name, resource_group FROM instances WHERE state = {int(State.WAIT_RESOURCE)} "
            f"AND resource_group NOT IN ({unknown})"
        ).fetchall():
            self._fail(
                iid,
                name,
                nows,
                f"resource group {group!r} does not exist in maxworks.toml",
                0,
                0,
                State.WAIT_RESOURCE,
            )
        return started

    def _scope_sql(self) -> tuple[str, list[int]]:
        if self.scope is None:
            return "", []
        return " AND dag_type = ? AND dag_id = ?", list(self.scope)

    def _start(self, iid: int, now: str) -> bool:
        assert self.runner is not None
        row = self.db.conn.execute(
            f"UPDATE instances SET state = {int(State.RUNNING)}, run_no = run_no + 1, started_at = ?, finished_at = NULL, "
            f"leader = ?, next_try_at = NULL WHERE id = ? AND state = {int(State.WAIT_RESOURCE)} "
            f"RETURNING node_id, version, node_name, node_type, env, params, run_no, spec_override, dag_type",
            [now, self.holder, iid],
        ).fetchone()
        if row is None:
            return False
        events.record_status(self.db, now, self.operator, [(iid, row[2], int(State.RUNNING))])
        job = self._job(iid, row, now)
        if self.remote is not None and RemoteJobs.wants(self.workspace, job):
            self.remote.queue(
                job
            )  # submitted after this tick commits: the Running row exists first
        else:
            self.runner.submit(job)
        return True

    def _job(self, iid: int, row: tuple[Any, ...], now: str) -> Job:
        node_id, version, name, node_type, env, params_json, run_no, override, dag_type = row
        if not override:
            # a run uses the node's code as deployed now: fix, deploy, rerun (DataWorks' way)
            current = self.db.conn.execute(
                "SELECT version FROM deployed WHERE node_id = ?", [node_id]
            ).fetchone()
            if current is not None and int(current[0]) != version:
                version = int(current[0])
                self.db.conn.execute(
                    "UPDATE instances SET version = ? WHERE id = ?", [version, iid]
                )
        spec = NodeSpec.from_json(override) if override else self._spec(node_id, version)
        params = json.loads(params_json)
        limit = int(params.pop("__limit", 10_000))
        declared = [k for k in params.pop("__declared", "").split(",") if k]
        # ad-hoc runs and test runs keep their rows for the client that asked
        keeps_result = dag_type in (int(DagType.MANUAL), int(DagType.SMOKE_TEST))
        for uname, uoutputs in self.db.conn.execute(
            "SELECT u.node_name, u.outputs FROM instance_deps d JOIN instances u ON u.id = d.upstream_id "
            "WHERE d.instance_id = ? AND u.outputs IS NOT NULL",
            [iid],
        ).fetchall():
            value = outputs_value(uoutputs)
            for k, v in list(params.items()):
                if v in (f"{uname}.outputs", f"${{{uname}.outputs}}"):
                    params[k] = value
        job = Job(
            instance_id=iid,
            run_no=int(run_no),
            node_name=name,
            node_type=NodeType(node_type),
            code=spec.code if spec else "",
            env=env,
            params=params,
            log_path=self.workspace.logs_dir / str(iid) / f"{run_no}.log",
            branches=spec.branches if spec else (),
            result_dir=self.workspace.results_dir / str(iid) if keeps_result else None,
            result_limit=limit,
            started_at=datetime.strptime(now, TS),
            declared=tuple(declared),
        )
        return job

    def _spec(self, node_id: int, version: int) -> NodeSpec | None:
        key = (node_id, version)
        if key not in self._specs:
            row = self.db.conn.execute(
                "SELECT spec FROM node_versions WHERE node_id = ? AND version = ?",
                [node_id, version],
            ).fetchone()
            if row is None or not row[0]:
                return None
            self._specs[key] = NodeSpec.from_json(row[0])
        return self._specs[key]

    # -- driving time ---------------------------------------------------------------------------------
    def next_wakeup(self, now: datetime, *, include_generation: bool = True) -> datetime | None:
        """The next simulated moment at which something can happen without a run finishing."""
        nows = now.strftime(TS)
        scope_sql, scope_args = self._scope_sql()
        row = self.db.conn.execute(
            f"SELECT min(max(cyctime, coalesce(next_try_at, ''))) FROM instances "
            f"WHERE state = {int(State.WAIT_TIME)} AND frozen = 0{scope_sql}",
            scope_args,
        ).fetchone()
        candidates: list[datetime] = []
        if row and row[0] and row[0] > nows:
            candidates.append(datetime.strptime(row[0], TS))
        if self.generate and include_generation:
            gen = datetime.combine(now.date(), datetime.min.time()).replace(
                hour=GENERATION_TIME[0], minute=GENERATION_TIME[1]
            )
            if gen <= now:
                gen = datetime.combine(now.date() + timedelta(days=1), datetime.min.time())
            candidates.append(gen)
        return min(candidates) if candidates else None

    def run_until_idle(
        self, start: datetime, *, until: datetime | None = None, max_ticks: int = 1_000_000
    ) -> datetime:
        """Simulated time: jump from event to event, waiting only for real work in progress.

        Without ``until`` it stops when nothing can move before a new day's generation (blocked
        instances stay blocked); with ``until`` it also crosses daily generations up to then.
        """
        assert self.runner is not None
        now = start
        for _ in range(max_ticks):
            report = self.tick(now)
            if self.runner.running:
                self.runner.wait_any(timeout=0.5)
                continue
            if self.remote is not None and self.remote.running:
                time.sleep(0.2)  # MaxCompute jobs run on their own: poll again shortly
                continue
            if report.busy:
                continue
            nxt = self.next_wakeup(now, include_generation=until is not None)
            if nxt is None or (until is not None and nxt > until):
                return now
            now = nxt
        return now

    def run_forever(
        self, *, poll_seconds: float = 0.05, stop: Callable[[], bool] = lambda: False
    ) -> None:
        """The real-time leader: tick, then sleep until the next event, a finished run, or a client write."""
        assert self.runner is not None
        last_version = self._data_version()
        while not stop():
            now = self._clock()
            self.tick(now)
            nxt = self.next_wakeup(now)
            deadline = time.monotonic() + min(1.0, (nxt - now).total_seconds() if nxt else 1.0)
            while time.monotonic() < deadline and not stop():
                if self.runner.running and any(
                    r.future.done() for r in self.runner.running.values()
                ):
                    break
                version = self._data_version()
                if version != last_version:  # another process wrote: a command to pick up
                    last_version = version
                    break
                time.sleep(poll_seconds)

    def _data_version(self) -> int:
        row = self.db.conn.execute("PRAGMA data_version").fetchone()
        return int(row[0]) if row else 0
