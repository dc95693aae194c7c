"""The local executor: MaxCompute SQL scripts on the project's DuckDB warehouse.

One in-memory DuckDB connection attaches every project file of the workspace under the project's
name, so ``project.table`` reaches another environment exactly as it does on MaxCompute. Each
statement runs in its own transaction (as each statement of an ODPS SQL node is its own job):
a failing statement leaves no partial write, and the statements before it stay committed. (A
query, which writes nothing, runs in DuckDB's own transaction of its one statement.) The DuckDB SQL
of each query is kept for its next run (``plans``), so repeating a query skips its translation.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Hashable, Iterator, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
from sqlglot import exp

from engine.errors import MaxworksError, SqlError, UnsupportedSqlError
from engine.executors.local import ddl, dml, inspect, warehouse
from engine.executors.local.catalog import Catalog
from engine.executors.local.plans import PLANS, PlanCache, plan_key
from engine.executors.local.query import PreparedQuery, prepare_query, run_prepared
from engine.executors.local.session import Session
from engine.executors.records import ScriptResult, StatementResult
from engine.identity import current_user
from engine.sql.dialect import parse_statement
from engine.sql.functions import install_macros
from engine.sql.splitter import Statement, parse_set, split_statements
from engine.workspace import Environment, Workspace

DEFAULT_RESULT_LIMIT = 10_000

Handler = Callable[[Session, Any, Statement, str], StatementResult]
HANDLERS: dict[type[exp.Expr], Handler] = {
    exp.Create: ddl.create,
    exp.Drop: ddl.drop,
    exp.Alter: ddl.alter,
    exp.TruncateTable: ddl.truncate,
    exp.Insert: dml.insert,
    exp.MultitableInserts: dml.multi_insert,
    exp.Update: dml.update_delete_merge,
    exp.Delete: dml.update_delete_merge,
    exp.Merge: dml.update_delete_merge,
}


class LocalExecutor:
    """Runs scripts against one environment (dev or prod) of a workspace."""

    def __init__(
        self,
        workspace: Workspace,
        env: Environment | None = None,
        *,
        user: str | None = None,
        clock: Callable[[], datetime] | None = None,
        result_limit: int = DEFAULT_RESULT_LIMIT,
        read_only: bool = False,
        connection: duckdb.DuckDBPyConnection | None = None,
        plan_cache: PlanCache | None = PLANS,
    ) -> None:
        """``connection``: a warehouse connection (or cursor) to share, with macros installed;
        the executor then neither opens nor closes it (the scheduler's worker threads do this).
        ``plan_cache``: where the translations of queries are kept for their next run (the
        process-wide one by default; None translates every query every time)."""
        self.workspace = workspace
        self.env: Environment = env or workspace.config.default_env
        self.project = workspace.config.project_for(self.env)
        self.user = user or current_user()
        tz = ZoneInfo(workspace.config.timezone)
        self.clock = clock or (lambda: datetime.now(tz).replace(tzinfo=None, microsecond=0))
        self.result_limit = result_limit
        self.read_only = read_only
        self._shared = connection
        self.plan_cache = plan_cache
        self._conn: duckdb.DuckDBPyConnection | None = None
        self.interrupted = False
        """Set by :meth:`interrupt`: the script stops after the statement it stopped."""

    # -- connection ---------------------------------------------------------------------------
    def __enter__(self) -> LocalExecutor:
        self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def connect(self) -> duckdb.DuckDBPyConnection:
        """The connection, its current database this environment's project. Every statement
        names its tables in full, so that is a convenience for direct use; a shared connection
        (other executors may have moved it) is pointed back on every call, our own cursor once."""
        if self._conn is None:
            if self._shared is not None:
                self._conn = self._shared
            else:
                conn = warehouse.acquire(self.workspace)
                try:
                    install_macros(conn, self.workspace.config.timezone)
                    conn.execute(f'USE "{self.project}"')
                except BaseException:
                    warehouse.release(self.workspace, conn)
                    raise
                self._conn = conn
        if self._shared is not None:
            self._conn.execute(f'USE "{self.project}"')
        return self._conn

    def interrupt(self) -> None:
        """Stop the statement running on this executor's connection (from another thread); it
        fails with "cancelled" and its transaction is rolled back."""
        conn = self._conn
        if conn is not None:
            self.interrupted = True
            conn.interrupt()

    def close(self) -> None:
        if self._conn is not None and self._shared is None:
            warehouse.release(self.workspace, self._conn)
        self._conn = None

    # -- running ------------------------------------------------------------------------------
    def session(self, flags: Mapping[str, str] | None = None) -> Session:
        conn = self.connect()
        return Session(
            conn=conn,
            project=self.project,
            projects=set(self.workspace.config.all_projects),
            catalogs={
                p: Catalog(conn, p, cache_key=str(self.workspace.warehouse_file(p)))
                for p in self.workspace.config.all_projects
            },
            user=self.user,
            timezone=self.workspace.config.timezone,
            clock=self.clock,
            result_limit=self.result_limit,
            flags=dict(flags or {}),
        )

    def execute(
        self, script: str, *, flags: Mapping[str, str] | None = None, one_job: bool = False
    ) -> Iterator[StatementResult]:
        """Run a script (parameters already substituted), one record per statement.

        Stops at the first failing statement, whose record carries the error. ``one_job`` runs
        the script as MaxCompute runs an ODPS Script node: one job, all or nothing.
        """
        session = self.session(flags)
        try:
            statements = split_statements(script)
        except SqlError as err:
            yield StatementResult(index=0, line=err.line or 1, sql=script, kind="query", error=err)
            return
        if one_job:
            session.conn.execute("BEGIN TRANSACTION")
        for stmt in statements:
            if self.interrupted:
                yield _failed(stmt, SqlError("cancelled before it started", line=stmt.line))
                return
            result = self.execute_statement(session, stmt, own_transaction=not one_job)
            if one_job and result.error is not None:
                self._rollback(session)
                note = "the script runs as one job, so none of its statements wrote anything"
                failed = result.error
                result = _replace(
                    result,
                    error=type(failed)(
                        failed.reason, line=failed.line, code=failed.code, hint=note
                    ),
                )
            yield result
            if result.error is not None:
                return
        if one_job:
            session.conn.execute("COMMIT")
            for catalog in session.catalogs.values():
                catalog.settle()

    def run_script(
        self, script: str, *, flags: Mapping[str, str] | None = None, one_job: bool = False
    ) -> ScriptResult:
        session_flags = dict(flags or {})
        results = tuple(self.execute(script, flags=session_flags, one_job=one_job))
        return ScriptResult(statements=results, flags=session_flags)

    def execute_statement(
        self, session: Session, stmt: Statement, *, own_transaction: bool = True
    ) -> StatementResult:
        started = time.perf_counter()
        setting = parse_set(stmt.text)
        if setting is not None:
            key, value = setting
            session.flags[key] = value
            return StatementResult(
                index=stmt.index,
                line=stmt.line,
                sql=stmt.text,
                kind="set",
                message=f"set {key}={value}",
            )
        conn = session.conn
        in_transaction = False
        try:
            t0 = time.perf_counter()
            special = inspect.match(stmt.text)
            plan: Hashable | None = None
            prepared: PreparedQuery | None = None
            if special is None and own_transaction and self.plan_cache is not None:
                plan = plan_key(session, stmt.text)
                prepared = None if plan is None else self.plan_cache.get(plan)
            tree = None if special is not None or prepared is not None else _parse_in_script(stmt)
            session.translate_ms = (time.perf_counter() - t0) * 1000  # to_sql adds its share
            # A query writes nothing, so DuckDB's own per-statement transaction does what BEGIN ...
            # COMMIT would (its execution is one statement: one snapshot) at no round trips.
            if own_transaction and prepared is None and not _is_query(tree):
                conn.execute("BEGIN TRANSACTION")
                in_transaction = True
            if prepared is not None:
                result = run_prepared(session, prepared, stmt, stmt.text)
            else:
                result = self._dispatch(session, stmt, special, tree, plan)
            translate_ms = 0.0 if special is not None else session.translate_ms
            if self.read_only and result.tables_written:
                raise SqlError("this session is read-only", line=stmt.line)
            if in_transaction:
                conn.execute("COMMIT")
                for catalog in session.catalogs.values():
                    catalog.settle()
        except MaxworksError as err:
            if in_transaction:
                self._rollback(session)
            return _failed(stmt, _with_line(err, stmt.line))
        except duckdb.Error as err:
            if in_transaction:
                self._rollback(session)
            return _failed(stmt, _duck_error(err, stmt))
        except Exception:
            if in_transaction or not own_transaction:
                self._rollback(session)
            raise
        elapsed = (time.perf_counter() - started) * 1000
        return _replace(result, translate_ms=translate_ms, elapsed_ms=elapsed)

    def _dispatch(
        self,
        session: Session,
        stmt: Statement,
        special: str | None,
        tree: exp.Expr | None,
        plan: Hashable | None,
    ) -> StatementResult:
        if special is not None:
            return inspect.run(session, special, stmt, stmt.text)
        assert tree is not None
        handler = HANDLERS.get(type(tree))
        if handler is not None:
            return handler(session, tree, stmt, stmt.text)
        if isinstance(tree, exp.Query):
            prepared = prepare_query(session, tree, stmt.line)
            if plan is not None and self.plan_cache is not None:
                self.plan_cache.put(plan, prepared)  # only now: it resolved, passed the guards
            return run_prepared(session, prepared, stmt, stmt.text)
        raise UnsupportedSqlError(
            f"{type(tree).__name__.upper()} statements are not supported by the local engine",
            line=stmt.line,
        )

    def _rollback(self, session: Session) -> None:
        with contextlib.suppress(duckdb.Error):  # DuckDB may have aborted it already
            session.conn.execute("ROLLBACK")
        for catalog in session.catalogs.values():
            catalog.settle()


def _is_query(tree: exp.Expr | None) -> bool:
    """A statement that only reads: a query (no handler claims its type)."""
    return isinstance(tree, exp.Query) and type(tree) not in HANDLERS


def _sql_str(text: str) -> str:
    return text.replace("'", "''")


def _first_line(err: BaseException) -> str:
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__


def _parse_in_script(stmt: Statement) -> exp.Expr:
    """The statement's tree; a syntax error names its line in the script, not in the statement."""
    try:
        return parse_statement(stmt.text)
    except SqlError as err:
        if err.line is None:
            raise
        raise type(err)(
            err.reason, line=stmt.line + err.line - 1, code=err.code, hint=err.hint
        ) from None


def _with_line(err: MaxworksError, line: int) -> MaxworksError:
    if isinstance(err, SqlError) and err.line is None:
        return type(err)(err.reason, line=line, code=err.code, hint=err.hint)
    return err


def _duck_error(err: duckdb.Error, stmt: Statement) -> SqlError:
    """A DuckDB error in MaxCompute's words where we can; never a traceback."""
    if isinstance(err, duckdb.InterruptException):
        return SqlError("cancelled while it ran; nothing it did was kept", line=stmt.line)
    text = _first_line(err)
    for prefix in (
        "Binder Error: ",
        "Catalog Error: ",
        "Conversion Error: ",
        "Invalid Input Error: ",
        "Parser Error: ",
        "Constraint Error: ",
        "Out of Range Error: ",
        "Not implemented Error: ",
    ):
        if text.startswith(prefix):
            text = text[len(prefix) :]
            break
    return SqlError(f"execution failed: {text}", line=stmt.line, code="ODPS-0130071")


def _failed(stmt: Statement, err: MaxworksError) -> StatementResult:
    sql_err = (
        err if isinstance(err, SqlError) else SqlError(err.message, line=stmt.line, hint=err.hint)
    )
    return StatementResult(
        index=stmt.index, line=stmt.line, sql=stmt.text, kind="query", error=sql_err
    )


def _replace(result: StatementResult, **changes: Any) -> StatementResult:
    from dataclasses import replace

    return replace(result, **changes)
