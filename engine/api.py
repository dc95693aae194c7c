"""The service facade: one typed method per user operation.

The CLI and the app call only this module; it resolves identity, parameters and the engine,
records what ran, and returns plain records. (Permission checks and events join here later.)
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from engine.errors import MaxworksError
from engine.executors.local.lifecycle_types import Reclaimed
from engine.executors.records import ScriptResult
from engine.identity import current_user
from engine.workspace import Environment, Workspace

if TYPE_CHECKING:
    import sqlite_utils

    from engine.cancel import Cancel
    from engine.datamap import DataMap
    from engine.executors.contract import ResultSet, TableInfo
    from engine.ops.instances import InstanceOps
    from engine.ops.monitor import Monitor
    from engine.ops.queries import InstanceFilter, InstanceInfo
    from engine.ops.runs import BackfillRun
    from engine.scheduler.lease import LeaseHolder
    from engine.scheduler.loop import Scheduler
    from engine.security.service import Security
    from engine.studio.cost import CostReport
    from engine.studio.service import Studio


@dataclass(frozen=True)
class SqlRun:
    """One ad-hoc run: the resolved context and what each statement did."""

    result: ScriptResult
    env: Environment
    project: str
    bizdate: date
    cyctime: datetime
    params: dict[str, str]
    history_id: int


class Api:
    readonly: bool = False
    """Read-only session (``maxworks app --readonly``): every Operation Center operation is
    refused here, in the engine, whatever the client shows."""

    def __init__(
        self,
        workspace: Workspace,
        *,
        user: str | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.workspace = workspace
        self.user = user or current_user()
        tz = ZoneInfo(workspace.config.timezone)
        self.clock = clock or (lambda: datetime.now(tz).replace(tzinfo=None, microsecond=0))
        self._datamap: DataMap | None = None

    @classmethod
    def open(cls, workspace: Path | None = None, **kwargs: object) -> Api:
        return cls(Workspace.discover(workspace), **kwargs)  # type: ignore[arg-type]

    # -- workspace ----------------------------------------------------------------------------
    @staticmethod
    def init_workspace(
        root: Path,
        *,
        project: str,
        mode: str = "standard",
        timezone: str = "Asia/Shanghai",
        engine: str = "local",
        endpoint: str | None = None,
        tunnel_endpoint: str | None = None,
        region: str | None = None,
    ) -> Workspace:
        from engine.executors.maxcompute_config import parse_maxcompute
        from engine.workspace.config import EngineKind, Mode

        mode_value: Mode = "basic" if mode == "basic" else "standard"
        engine_value: EngineKind = "maxcompute" if engine == "maxcompute" else "local"
        given = {"endpoint": endpoint, "tunnel_endpoint": tunnel_endpoint, "region": region}
        section = {k: v for k, v in given.items() if v is not None}
        maxcompute = (
            parse_maxcompute({"maxcompute": section}, None, engine=engine_value)
            if section
            else None
        )
        return Workspace.init(
            root,
            project=project,
            mode=mode_value,
            timezone=timezone,
            engine=engine_value,
            maxcompute=maxcompute,
        )

    # -- DataStudio ---------------------------------------------------------------------------
    @property
    def studio(self) -> Studio:
        """Nodes, commit, deploy, versions (engine.studio.service)."""
        from engine.studio.service import Studio

        self.security.require_member()
        return Studio(self.workspace, user=self.user, clock=self.clock)

    @property
    def security(self) -> Security:
        """Members, roles, permission requests and grants, classification and masking, audit."""
        from engine.security.service import Security

        found = self.__dict__.get("_security")
        if not isinstance(found, Security):
            found = Security(self.workspace, user=self.user, clock=self.clock)
            self.__dict__["_security"] = found
        return found

    @property
    def ops(self) -> OpsApi:
        """Operation Center: scheduler, instances, backfill, test runs."""
        self.security.require_member()
        return OpsApi(self)

    @property
    def datamap(self) -> DataMap:
        """Data Map: search, table detail, lineage, favourites, preview (engine.datamap)."""
        self.security.require_member()
        if self._datamap is None:
            from engine.datamap import DataMap

            self._datamap = DataMap(self)
        return self._datamap

    # -- SQL ----------------------------------------------------------------------------------
    def run_sql(
        self,
        script: str,
        *,
        env: Environment | None = None,
        bizdate: date | None = None,
        cyctime: datetime | None = None,
        params: Mapping[str, str] | None = None,
        limit: int = 10_000,
        engine: str | None = None,
        cancel: Cancel | None = None,
    ) -> SqlRun:
        """Run a script as DataStudio's Run does: parameters resolved for a business date
        (default: yesterday in the workspace time zone), then every statement in order.

        ``engine`` overrides the workspace's engine for this run (``sql --engine``). ``cancel``
        stops it from another thread: the running statement is interrupted (local), the
        leader's ad-hoc instance killed, or the MaxCompute job cancelled."""
        from engine.executors.factory import engine_of
        from engine.executors.local.executor import LocalExecutor
        from engine.params import ParamContext, evaluate, substitute
        from engine.params.implicit import implicit_values

        env = env or self.workspace.config.default_env
        project = self.workspace.config.project_for(env)
        if cyctime is not None:
            ctx = ParamContext.for_cyctime(cyctime)
        else:
            ctx = ParamContext.for_bizdate(bizdate or (self.clock().date() - timedelta(days=1)))
        values = implicit_values(ctx)
        for name, value in (params or {}).items():
            values[name] = evaluate(value, ctx) if "$" in value else value
        text = substitute(script, values, ctx)
        started = self.clock()
        kind = engine_of(self.workspace, engine)
        leader = self.ops.leader() if kind == "local" else None
        in_process = leader is None or leader.pid == os.getpid()
        security = self.security
        # Permissions: every table the script touches is checked before anything runs; results
        # are masked for users without clearance (engine.security).
        reader = None if security.has_full_data_access() else security.reader(local=in_process)
        try:
            security.check_sql(text, env, reader)
            try:
                if cancel is not None:
                    cancel.check()
                if kind != "local":  # a job-based engine: no warehouse file to share with a leader
                    result = self._run_on(kind, text, env, limit, cancel)
                elif not in_process:
                    result = self._run_through_leader(text, env, ctx.bizdate, limit, cancel)
                else:
                    with LocalExecutor(
                        self.workspace, env, user=self.user, result_limit=limit
                    ) as executor:
                        if cancel is not None:
                            cancel.on_cancel(executor.interrupt)
                        result = executor.run_script(text)
            except MaxworksError as err:  # the engine could not run it: audited all the same
                security.audit(
                    "sql.query", f"sql ({env})", outcome="failed", detail=f"{err}\n{text[:1000]}"
                )
                raise
            masked = security.mask(result, env, reader)
        finally:
            if reader is not None:
                reader.close()
        result = masked.result
        security.after_query(text, result, env, masked.columns, in_process=in_process)
        history_id = self._record(text, result, env, project, ctx.bizdate, started, kind)
        self.datamap.after_run(result, in_process=in_process, at=started)
        return SqlRun(result, env, project, ctx.bizdate, ctx.cyctime, values, history_id)

    def check_code(self, code: str, bizdate: date, params: Mapping[str, str]) -> None:
        """Refuse code the acting user could not run ad hoc (DataStudio's Run of a node uses the
        personal identity): parameters resolved for ``bizdate``, then every table checked."""
        from engine.params import ParamContext, evaluate, substitute
        from engine.params.implicit import implicit_values

        ctx = ParamContext.for_bizdate(bizdate)
        values = implicit_values(ctx)
        for name, value in params.items():
            values[name] = evaluate(value, ctx) if "$" in value else value
        text = substitute(code, values, ctx)
        leader = self.ops.leader()
        reader = self.security.reader(local=leader is None or leader.pid == os.getpid())
        try:
            self.security.check_sql(text, self.workspace.config.default_env, reader)
        finally:
            reader.close()

    def _run_on(
        self, engine: str, text: str, env: Environment, limit: int, cancel: Cancel | None = None
    ) -> ScriptResult:
        """Submit to a job-based engine with the personal identity, wait, fetch the last result."""
        from engine.executors.factory import executor_for
        from engine.ops import results

        with executor_for(self.workspace, env, engine=engine, user=self.user) as executor:
            handle = executor.submit(text)
            if cancel is not None:
                cancel.on_cancel(lambda: executor.cancel(handle))
            status = executor.wait(handle)
            statements = list(status.statements)
            if status.ok:
                statements = results.with_last_rows(
                    statements, lambda index: executor.fetch(status.handle, limit, statement=index)
                )
        return ScriptResult(statements=tuple(statements))

    def _run_through_leader(
        self, text: str, env: Environment, bizdate: date, limit: int, cancel: Cancel | None = None
    ) -> ScriptResult:
        """Another process leads and holds the warehouse: it runs the script for us."""
        from engine.ops import adhoc, results

        db = self.workspace.open_state()
        try:
            iid, dag_id = adhoc.submit(
                db,
                text,
                env=env,
                bizdate=bizdate,
                resource_group=self.workspace.config.resource_groups[0].name,
                limit=limit,
                user=self.user,
                now=self.clock(),
            )
        finally:
            db.close()
        if cancel is not None:
            cancel.on_cancel(lambda: self.ops.kill([iid]))
        (info,) = self.ops.wait([iid], scope=(1, dag_id))
        folder = self.workspace.results_dir / str(iid)
        if not (folder / results.STATEMENTS).exists():
            raise MaxworksError(
                f"the scheduler ran ad-hoc instance {iid} but left no result ({info.status_label}: {info.error or ''})",
                hint=f"see `maxworks instance log {iid}`",
            )
        return results.load(folder)

    def _record(
        self,
        text: str,
        result: ScriptResult,
        env: str,
        project: str,
        bizdate: date,
        started: datetime,
        engine: str = "local",
    ) -> int:
        db = self.workspace.open_state()
        try:
            err = result.error
            table = db.table("query_history")
            table.insert(
                {
                    "started_at": started.isoformat(sep=" "),
                    "finished_at": self.clock().isoformat(sep=" "),
                    "user": self.user,
                    "env": env,
                    "project": project,
                    "engine": engine,
                    "bizdate": bizdate.strftime("%Y%m%d"),
                    "statements": len(result.statements),
                    "status": "failed" if err else "succeeded",
                    "error": str(err) if err else None,
                    "tables_read": json.dumps(list(result.tables_read)),
                    "tables_written": json.dumps(list(result.tables_written)),
                    "script": text,
                }
            )
            return int(table.last_pk or 0)
        finally:
            db.close()

    # -- catalog and cost (DataStudio: completion, the estimate before a run) --------------------
    def catalog(self, env: Environment | None = None) -> list[TableInfo]:
        """Tables with their columns, from the engine's catalog listing: every project of the
        workspace (``env``: that environment's project only). Data Map keeps the rich catalog."""
        from engine.executors.factory import engine_of, executor_for
        from engine.executors.local.adapter import LocalAdapter

        config = self.workspace.config
        if engine_of(self.workspace) == "local":
            projects = [config.project_for(env)] if env else config.all_projects
            with LocalAdapter(self.workspace, user=self.user) as adapter:
                return [t for p in projects for t in adapter.list_tables(p)]
        envs: list[Environment] = [env] if env else ["dev", "prod"]
        if config.projects.dev is None:
            envs = [e for e in envs if e == "prod"]
        out: list[TableInfo] = []
        for e in envs:
            with executor_for(self.workspace, e, user=self.user) as executor:
                out += executor.list_tables()
        return out

    def estimate_cost(
        self,
        script: str,
        *,
        env: Environment | None = None,
        bizdate: date | None = None,
        params: Mapping[str, str] | None = None,
        engine: str | None = None,
    ) -> CostReport:
        """What running ``script`` would read, without reading it (engine.studio.cost): parameters
        are resolved as ``run_sql`` resolves them."""
        from engine.executors.factory import engine_of
        from engine.params import ParamContext, evaluate, substitute
        from engine.params.implicit import implicit_values
        from engine.studio.cost import estimate_local, estimate_remote

        env = env or self.workspace.config.default_env
        ctx = ParamContext.for_bizdate(bizdate or (self.clock().date() - timedelta(days=1)))
        values = implicit_values(ctx)
        for name, value in (params or {}).items():
            values[name] = evaluate(value, ctx) if "$" in value else value
        text = substitute(script, values, ctx)
        kind = engine_of(self.workspace, engine)
        if kind == "local":
            return estimate_local(self.workspace, env, text, self.user)
        return estimate_remote(self.workspace, env, text, self.user, kind)

    # -- lifecycle ----------------------------------------------------------------------------
    def lifecycle_sweep(
        self, *, now: datetime | None = None, dry_run: bool = False
    ) -> list[Reclaimed]:
        from engine.executors.local.lifecycle import sweep

        action = "ops.read" if dry_run else "ops.lifecycle"
        with self.security.operation(action, "lifecycle sweep") as audit:
            done = sweep(self.workspace, now=now or self.clock(), dry_run=dry_run, user=self.user)
            audit["written"] = sorted(
                {f"{r.project}.{r.table}" for r in done} if not dry_run else ()
            )
        if done and not dry_run:  # the Data Map re-reads what lost partitions or was dropped
            self.datamap.after_change([f"{r.project}.{r.table}" for r in done], at=self.clock())
        return done


class OpsApi:
    """Operation Center: the scheduler, instances, backfill, test runs (engine.ops)."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.workspace = api.workspace

    def _db(self) -> sqlite_utils.Database:
        return self.workspace.open_state()

    # -- scheduler ------------------------------------------------------------------------------
    def scheduler(self, **kwargs: Any) -> Scheduler:
        """A scheduler to lead with. A full leader runs every due production instance: only the
        roles allowed ``scheduler.lead`` (Owner, Admin, O&M) may start one, and not in a read-only
        session; one ``scope``d to a few instances (a test run led for a while) needs no more
        than the run itself did."""
        from engine.scheduler.loop import Scheduler

        if kwargs.get("scope") is None:
            self._mutating("starting the scheduler")
            self.api.security.require("scheduler.lead", target="scheduler")
        return Scheduler(self.workspace, operator=self.api.user, **kwargs)

    def leader(self) -> LeaseHolder | None:
        from engine.scheduler import lease

        db = self._db()
        try:
            holder = lease.current(db)
        finally:
            db.close()
        return holder if holder is not None and holder.alive else None

    # -- reading ----------------------------------------------------------------------------------
    def instances(
        self, flt: InstanceFilter, *, after_id: int | None = None, limit: int = 100
    ) -> list[InstanceInfo]:
        from engine.ops.queries import list_instances

        db = self._db()
        try:
            return list_instances(db, flt, after_id=after_id, limit=limit)
        finally:
            db.close()

    def instance(self, iid: int) -> InstanceInfo:
        from engine.ops.queries import get_instance

        db = self._db()
        try:
            info = get_instance(db, iid)
        finally:
            db.close()
        if info is None:
            raise MaxworksError(
                f"instance {iid} does not exist", hint="`maxworks instances` lists instances"
            )
        return info

    def result(self, iid: int, *, limit: int | None = None) -> ResultSet | None:
        """The rows of the last query an ad-hoc or test instance ran, from its result file (at most
        ``limit``); None when its last run returned no rows or kept none (scheduled instances)."""
        from engine.ops.results import read_result

        self.instance(iid)  # refuses an unknown id
        found = read_result(self.workspace.results_dir / str(iid), limit)
        if found is None:
            return None
        return self.api.security.mask_instance_result(found, iid)  # sensitive columns masked

    def log(self, iid: int, run_no: int | None = None) -> tuple[Path | None, str]:
        from engine.ops.queries import log_paths

        info = self.instance(iid)
        paths = log_paths(self.workspace.logs_dir, iid)
        if run_no is not None:
            paths = [p for p in paths if p.stem == str(run_no)]
        if not paths:
            what = f"run {run_no}" if run_no is not None else "any run"
            return (
                None,
                f"instance {iid} ({info.node_name}) has no log for {what} yet ({info.status_label})",
            )
        path = paths[-1]
        try:
            return path, path.read_text(encoding="utf-8", errors="replace")
        except OSError as err:
            raise MaxworksError(f"{path}: cannot read the log: {err.strerror}") from None

    def log_files(self, iid: int) -> list[Path]:
        """The instance's run logs, run 1 first (readers tail them; they can be huge)."""
        from engine.ops.queries import log_paths

        self.instance(iid)
        return log_paths(self.workspace.logs_dir, iid)

    def neighbours(
        self, iid: int
    ) -> tuple[list[tuple[InstanceInfo, bool, bool]], list[tuple[InstanceInfo, bool, bool]]]:
        """(upstream, downstream) of an instance, one level: (instance, cross-cycle?, removed?)."""
        from engine.ops.queries import downstream_of, upstream_of

        db = self._db()
        try:
            return upstream_of(db, iid), downstream_of(db, iid)
        finally:
            db.close()

    def why(self, iid: int) -> list[str]:
        from engine.ops.queries import why

        db = self._db()
        try:
            return why(db, iid, self.api.clock().strftime("%Y-%m-%d %H:%M:%S"))
        finally:
            db.close()

    def monitor(self) -> Monitor:
        """Operation Center's list reads on a connection of their own (close it when done)."""
        from engine.ops.monitor import Monitor

        return Monitor(self._db(), self.workspace.config.projects.prod)

    def dag(
        self, iid: int, *, up: int = 1, down: int = 1
    ) -> tuple[
        InstanceInfo, list[tuple[int, InstanceInfo, bool]], list[tuple[int, InstanceInfo, bool]]
    ]:
        """The instance, its ancestors and its descendants as (depth, instance, cross-cycle) lists."""
        from engine.ops.queries import downstream_of, get_instance, upstream_of

        db = self._db()
        try:
            root = get_instance(db, iid)
            if root is None:
                raise MaxworksError(f"instance {iid} does not exist")
            ups: list[tuple[int, InstanceInfo, bool]] = []
            downs: list[tuple[int, InstanceInfo, bool]] = []
            for walk, out, depth_max in ((upstream_of, ups, up), (downstream_of, downs, down)):
                stack = [(iid, 0)]
                seen = {iid}
                while stack:
                    cur, depth = stack.pop()
                    if depth >= depth_max:
                        continue
                    for other, cross, removed in walk(db, cur):
                        if removed or other.id in seen:
                            continue
                        seen.add(other.id)
                        out.append((depth + 1, other, cross))
                        stack.append((other.id, depth + 1))
            return root, ups, downs
        finally:
            db.close()

    def node_dag(
        self, name: str, *, up: int = 1, down: int = 1
    ) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
        """A deployed node's ancestors and descendants as (depth, node name) lists."""
        from engine.scheduler.deployed import load_deployed

        db = self._db()
        try:
            nodes = load_deployed(db, self.workspace.config.projects.prod)
        finally:
            db.close()
        if name not in nodes:
            raise MaxworksError(
                f"node {name!r} is not deployed", hint="`maxworks node list` shows the working copy"
            )
        out: tuple[list[tuple[int, str]], list[tuple[int, str]]] = ([], [])

        def parents(n: str) -> list[str]:
            return [p for p, _ in nodes[n].upstream]

        def children(n: str) -> list[str]:
            return list(nodes[n].children)

        steps: list[tuple[list[tuple[int, str]], int, Callable[[str], list[str]]]] = [
            (out[0], up, parents),
            (out[1], down, children),
        ]
        for side, limit, step in steps:
            seen = {name}
            stack = [(name, 0)]
            while stack:
                cur, depth = stack.pop()
                if depth >= limit:
                    continue
                for other in step(cur):
                    if other in seen or other not in nodes:
                        continue
                    seen.add(other)
                    side.append((depth + 1, other))
                    stack.append((other, depth + 1))
        return out

    # -- operations ---------------------------------------------------------------------------------
    def _ops(self, db: sqlite_utils.Database) -> InstanceOps:
        from engine.ops.instances import InstanceOps

        return InstanceOps(db, operator=self.api.user, clock=self.api.clock)

    def _mutating(self, what: str) -> None:
        if self.api.readonly:
            raise MaxworksError(
                f"{what} refused: this session is read-only",
                hint="start the app without --readonly to operate instances",
            )

    def _with_ops(
        self, fn: Callable[[InstanceOps], list[int]], what: str, action: str, ids: object
    ) -> list[int]:
        self._mutating(what)
        with self.api.security.operation(action, f"{what} {ids}") as audit:
            db = self._db()
            try:
                done = fn(self._ops(db))
            finally:
                db.close()
            audit["detail"] = f"instances {done}"
            return done

    def rerun(self, ids: list[int]) -> list[int]:
        return self._with_ops(lambda o: o.rerun(ids), "rerun", "ops.rerun", ids)

    def rerun_downstream(self, iid: int) -> list[int]:
        return self._with_ops(
            lambda o: o.rerun_downstream(iid), "rerun with downstream", "ops.rerun", iid
        )

    def rerun_downstream_plan(self, iid: int) -> list[int]:
        """The instances ``rerun_downstream(iid)`` would rerun (refusals raised as it would)."""
        db = self._db()
        try:
            return [r.id for r in self._ops(db).downstream_plan(iid)]
        finally:
            db.close()

    def set_success(self, ids: list[int]) -> list[int]:
        return self._with_ops(
            lambda o: o.set_success(ids), "set successful", "ops.set_success", ids
        )

    def kill(self, ids: list[int]) -> list[int]:
        return self._with_ops(lambda o: o.kill(ids), "kill", "ops.kill", ids)

    def freeze(self, ids: list[int], frozen: bool = True) -> list[int]:
        what = "freeze" if frozen else "unfreeze"
        return self._with_ops(lambda o: o.freeze(ids, frozen), what, "ops.freeze", ids)

    def remove_upstream(self, iid: int, upstream: list[int] | None = None) -> list[int]:
        return self._with_ops(
            lambda o: o.remove_upstream(iid, upstream),
            "remove upstream dependencies",
            "ops.remove_upstream",
            iid,
        )

    def freeze_node(self, name: str, frozen: bool = True) -> None:
        self._mutating("freeze" if frozen else "unfreeze")
        from engine.ops.instances import freeze_node

        what = "freeze node" if frozen else "unfreeze node"
        with self.api.security.operation("ops.freeze", f"{what} {name}"):
            db = self._db()
            try:
                freeze_node(
                    db,
                    name,
                    frozen=frozen,
                    operator=self.api.user,
                    now=self.api.clock().strftime("%Y-%m-%d %H:%M:%S"),
                )
            finally:
                db.close()

    def backfill(self, root: str, ranges: list[tuple[date, date]], **kwargs: Any) -> BackfillRun:
        from engine.ops.runs import plan_backfill

        preview = bool(kwargs.get("preview"))
        if not preview:
            self._mutating("backfill")
        action = "ops.read" if preview else "ops.backfill"
        with self.api.security.operation(action, f"backfill {root} {ranges}") as audit:
            db = self._db()
            try:
                run = plan_backfill(
                    db,
                    self.workspace.config.projects.prod,
                    root,
                    ranges,
                    operator=self.api.user,
                    now=self.api.clock(),
                    **kwargs,
                )
            finally:
                db.close()
            audit["detail"] = "preview" if preview else f"backfill {getattr(run, 'id', '')}"
            return run

    def test_run(
        self,
        name: str,
        bizdate: date,
        *,
        working_copy: bool = False,
        params: dict[str, str] | None = None,
        result_limit: int | None = None,
    ) -> int:
        """A test instance: of the deployed node (Operation Center), or of the working copy against
        dev (DataStudio's Run: not billed). ``result(id)`` reads its last query's rows (at most
        ``result_limit``, default 10,000) once it has run."""
        from engine.ops.runs import create_test_run

        if not working_copy:
            self._mutating("test run")
        from engine.scheduler.deployed import load_deployed

        security = self.api.security
        if working_copy:  # DataStudio's Run: the personal identity, its table permissions
            security.require("studio.run", target=f"run {name}")
            spec = self.api.studio.load_node(name)
            if spec.type.code_suffix == ".sql" and not security.has_full_data_access():
                self.api.check_code(spec.code, bizdate, dict(spec.params) | dict(params or {}))
        else:
            security.require("ops.test_run", target=f"test run {name}")
        security.audit("studio.run" if working_copy else "ops.test_run", f"test run {name}")
        db = self._db()
        try:
            if working_copy:
                spec = self.api.studio.load_node(name)
                row = db.conn.execute("SELECT id FROM nodes WHERE name = ?", [name]).fetchone()
                if row is None:
                    db.conn.execute(
                        "INSERT INTO nodes (name, created_at) VALUES (?, ?)",
                        [name, self.api.clock().strftime("%Y-%m-%d %H:%M:%S")],
                    )
                    row = db.conn.execute("SELECT id FROM nodes WHERE name = ?", [name]).fetchone()
                node_id, version = int(row[0]), 0
                env = self.workspace.config.default_env
            else:
                nodes = load_deployed(db, self.workspace.config.projects.prod)
                if name not in nodes:
                    raise MaxworksError(
                        f"node {name!r} is not deployed",
                        hint="test runs in Operation Center use deployed nodes",
                    )
                node = nodes[name]
                spec, node_id, version, env = node.spec, node.node_id, node.version, "prod"
            return create_test_run(
                db, self.workspace.config.projects.prod, spec, bizdate, node_id=node_id, version=version,
                working_copy=working_copy, env=env, params=params, operator=self.api.user, now=self.api.clock(),
                result_limit=result_limit,
            )  # fmt: skip
        finally:
            db.close()

    def wait(
        self, ids: list[int], *, scope: tuple[int, int] | None = None, timeout: float = 3600.0
    ) -> list[InstanceInfo]:
        """Wait until the instances finish or can no longer move (blocked by a failure or a
        freeze): through the running leader, or by leading for a while (an embedded scheduler
        limited to ``scope``, so nothing else runs)."""
        import time as _time

        deadline = _time.monotonic() + timeout
        if self.leader() is None:
            sched = self.scheduler(generate=False, scope=scope, clock=self.api.clock)
            sched.start()
            try:
                while _time.monotonic() < deadline:
                    sched.tick()
                    assert sched.runner is not None
                    if sched.runner.running:
                        sched.runner.wait_any(0.2)
                        continue
                    if _settled(sched.db, ids):
                        return [self.instance(i) for i in ids]
                    _time.sleep(0.05)
            finally:
                sched.stop()
        else:
            while _time.monotonic() < deadline:
                db = self._db()
                try:
                    if _settled(db, ids):
                        return [self.instance(i) for i in ids]
                finally:
                    db.close()
                _time.sleep(0.2)
        raise MaxworksError(
            f"gave up waiting after {timeout:.0f} s; the instances keep running in the scheduler"
        )


def _settled(db: sqlite_utils.Database, ids: list[int]) -> bool:
    """Nothing among ``ids`` can move any more: none is due, queued or running, and every one
    still waiting is held by an upstream (failed, frozen or itself held) or is frozen."""
    marks = ",".join("?" for _ in ids)
    row = db.conn.execute(
        f"SELECT count(*) FROM instances WHERE id IN ({marks}) AND "
        "(state IN (2, 3, 4) OR (state = 1 AND pending_upstream = 0 AND frozen = 0))",
        ids,
    ).fetchone()
    return int(row[0]) == 0


__all__ = ["Api", "OpsApi", "Reclaimed", "SqlRun"]
