"""The security facade the engine API calls: who is acting, what their role allows, table
permissions for SQL, permission requests and grants, classification and masking, and the audit.

Identity is the OS user of the process (engine.identity). A caller may name another user only
when the OS user is an Owner of the workspace (tests, demo builds); a name that is not a member
then acts with the Owner's role, a member's name with that member's role.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import sqlite_utils

from engine.errors import MaxworksError, PermissionDenied, SqlError
from engine.executors.records import ResultColumn, ScriptResult, StatementResult
from engine.identity import current_user
from engine.scheduler import events
from engine.security import audit, grants
from engine.security.audit import AuditRow, Verdict
from engine.security.catalog import LocalReader, Reader, StoredReader, TableShape
from engine.security.classify import (
    CONTENT_SAMPLE,
    LEVELS,
    ColumnClass,
    by_content,
    by_metadata,
    classify_columns,
)
from engine.security.config import DEFAULT_FLOW, ApprovalFlow, ApprovalLevel
from engine.security.grants import GRANT_ACTIONS, MAX_DAYS, Grant, Request
from engine.security.masking import FULL_MASK, parse_method
from engine.security.roles import ACTIONS, ROLES, Principal, allows, parse_role, require
from engine.store import write_transaction
from engine.workspace import Environment, Workspace

if TYPE_CHECKING:  # sqlglot loads when SQL is checked, not when roles are (the app's start-up)
    from sqlglot import exp

    from engine.executors.contract import ResultSet
    from engine.security.refs import Access
    from engine.sql.analysis import TableName

TS = "%Y-%m-%d %H:%M:%S"
PRINCIPAL_TTL = 2.0  # seconds
USER_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,63}$")


@dataclass(frozen=True)
class Member:
    user: str
    role: str
    added_by: str
    added_at: str

    @property
    def label(self) -> str:
        return ROLES.get(self.role, self.role)


@dataclass(frozen=True)
class Masked:
    result: ScriptResult
    columns: tuple[str, ...]  # "statement#column (method)" of every masked result column


class Security:
    def __init__(self, workspace: Workspace, *, user: str, clock: Callable[[], datetime]) -> None:
        self.workspace = workspace
        self.user = user
        self.clock = clock
        self.os_user = current_user()
        self._principal: Principal | None = None
        self._resolved_at = 0.0

    # -- identity -------------------------------------------------------------------------------
    def _db(self) -> sqlite_utils.Database:
        return self.workspace.open_state()

    @property
    def principal(self) -> Principal:
        """The acting user and their role, read again after a moment (roles change under a
        long-running app)."""
        if self._principal is None or time.monotonic() - self._resolved_at > PRINCIPAL_TTL:
            db = self._db()
            try:
                self._principal = _resolve_principal(db, self.user, self.os_user)
            finally:
                db.close()
            self._resolved_at = time.monotonic()
        return self._principal

    def allows(self, action: str) -> bool:
        return allows(self.principal.role, action)

    def require(self, action: str, what: str | None = None, *, target: str = "") -> Principal:
        """Refuse (and audit the refusal) unless the acting user's role allows ``action``."""
        p = self.principal
        try:
            require(p, action, what)
        except PermissionDenied as err:
            self.audit(action, target, outcome="refused", detail=err.message)
            raise
        return p

    @contextmanager
    def operation(
        self, action: str, target: str = "", *, what: str | None = None
    ) -> Iterator[dict[str, Any]]:
        """Check the role, run the body, audit the outcome (ok / failed with the error)."""
        self.require(action, what, target=target)
        info: dict[str, Any] = {}
        try:
            yield info
        except MaxworksError as err:
            refused = isinstance(err, PermissionDenied)
            self.audit(action, target, outcome="refused" if refused else "failed", detail=str(err))
            raise
        self.audit(
            action, target, detail=str(info.get("detail", "")),
            tables_read=info.get("read", ()), tables_written=info.get("written", ()),
        )  # fmt: skip

    def audit(
        self,
        action: str,
        target: str = "",
        *,
        outcome: str = "ok",
        detail: str = "",
        tables_read: Sequence[str] = (),
        tables_written: Sequence[str] = (),
        masked: Sequence[str] = (),
        db: sqlite_utils.Database | None = None,
    ) -> None:
        own = db is None
        conn = db or self._db()
        try:
            audit.append(
                conn, at=self.clock().strftime(TS), user=self.user, os_user=self.os_user,
                action=action, target=target, tables_read=tables_read, tables_written=tables_written,
                masked=masked, outcome=outcome, detail=detail,
            )  # fmt: skip
        finally:
            if own:
                conn.close()

    # -- members ----------------------------------------------------------------------------------
    def members(self) -> list[Member]:
        self._member_required()
        db = self._db()
        try:
            rows = db.conn.execute(
                "SELECT user, role, added_by, added_at FROM members ORDER BY "
                + "CASE role "
                + " ".join(f"WHEN '{r}' THEN {i}" for i, r in enumerate(ROLES))
                + " END, user"
            ).fetchall()
        finally:
            db.close()
        return [Member(*r) for r in rows]

    def require_member(self) -> Principal:
        """Refuse (and audit) a user who is not a member of the workspace: such a user reads
        nothing in it (reference §13: workspace members only)."""
        return self._member_required()

    def _member_required(self) -> Principal:
        p = self.principal
        if p.role is None:
            err = PermissionDenied(
                f"{p.user} is not a member of workspace {self.workspace.config.name!r}",
                user=p.user,
                hint=f"ask a workspace admin: `maxworks members add {p.user} --role ROLE`",
            )
            self.audit("workspace.open", outcome="refused", detail=err.message)
            raise err
        return p

    def add_member(self, user: str, role: str) -> Member:
        code = parse_role(role)
        if not USER_NAME.match(user):
            raise MaxworksError(f"{user!r} is not a valid user name")
        with self.operation("security.members", f"member {user}") as info:
            if code == "owner":
                self.require("security.owner", "make workspace owners", target=f"member {user}")
            db = self._db()
            try:
                with write_transaction(db):
                    row = db.conn.execute(
                        "SELECT role FROM members WHERE user = ?", [user]
                    ).fetchone()
                    if row is not None:
                        raise MaxworksError(
                            f"{user} is already a member ({ROLES.get(row[0], row[0])})",
                            hint=f"change the role with `maxworks members role {user} ROLE`",
                        )
                    now = self.clock().strftime(TS)
                    db.conn.execute(
                        "INSERT INTO members (user, role, added_by, added_at) VALUES (?, ?, ?, ?)",
                        [user, code, self.user, now],
                    )
            finally:
                db.close()
            info["detail"] = f"added {user} as {ROLES[code]}"
        return Member(user, code, self.user, now)

    def remove_member(self, user: str) -> None:
        with self.operation("security.members", f"member {user}") as info:
            self._change_member(user, None)
            info["detail"] = f"removed {user}"

    def set_role(self, user: str, role: str) -> None:
        code = parse_role(role)
        with self.operation("security.members", f"member {user}") as info:
            if code == "owner":
                self.require("security.owner", "make workspace owners", target=f"member {user}")
            self._change_member(user, code)
            info["detail"] = f"{user} is now {ROLES[code]}"

    def _change_member(self, user: str, role: str | None) -> None:
        db = self._db()
        try:
            with write_transaction(db):
                row = db.conn.execute("SELECT role FROM members WHERE user = ?", [user]).fetchone()
                if row is None:
                    raise MaxworksError(
                        f"{user} is not a member", hint="`maxworks members` lists them"
                    )
                if row[0] == "owner":
                    require(self.principal, "security.owner", "change or remove a workspace owner")
                    owners = db.conn.execute(
                        "SELECT count(*) FROM members WHERE role = 'owner'"
                    ).fetchone()[0]
                    if owners <= 1 and role != "owner":
                        raise MaxworksError(
                            f"{user} is the workspace's only owner",
                            hint="make another member owner first",
                        )
                if role is None:
                    db.conn.execute("DELETE FROM members WHERE user = ?", [user])
                else:
                    db.conn.execute("UPDATE members SET role = ? WHERE user = ?", [role, user])
        finally:
            db.close()
        if user == self.user:
            self._principal = None

    # -- readers ------------------------------------------------------------------------------------
    def reader(self, *, local: bool = True) -> Reader:
        """The warehouse's metadata: read live when this process can open it, else from state.db."""
        if local and self.workspace.config.engine == "local":
            try:
                reader = LocalReader(self.workspace)
            except MaxworksError:
                pass
            else:
                self._sync_views(reader)
                return reader
        return StoredReader(self._db())

    def _sync_views(self, reader: LocalReader) -> None:
        live = {
            (project, name): text
            for project in self.workspace.config.all_projects
            for name, text in reader.views(project)
        }
        db = self._db()
        try:
            kept = {
                (r[0], r[1]): r[2]
                for r in db.conn.execute("SELECT project, name, text FROM view_texts")
            }
            if kept == live:  # the usual case: no write
                return
            with write_transaction(db):
                db.conn.execute("DELETE FROM view_texts")
                db.conn.executemany(
                    "INSERT INTO view_texts (project, name, text) VALUES (?, ?, ?)",
                    [(p, n, t) for (p, n), t in live.items()],
                )
        finally:
            db.close()

    def record_views(self, result: ScriptResult, env: Environment) -> None:
        """Views created through the API while another process holds the warehouse: keep their
        text, so reads through them are checked against their base tables."""
        from sqlglot import exp

        from engine.sql.dialect import parse_statement

        default = self.workspace.config.project_for(env)
        db = self._db()
        try:
            for s in result.statements:
                if s.error is not None or not s.message.startswith("created view"):
                    continue
                tree = parse_statement(s.sql)
                if isinstance(tree, exp.Create) and isinstance(tree.this, exp.Table):
                    t = tree.this
                    project = t.args["db"].name.lower() if t.args.get("db") else default
                    db.conn.execute(
                        "INSERT OR REPLACE INTO view_texts (project, name, text) VALUES (?, ?, ?)",
                        [project, t.name.lower(), s.sql],
                    )
        finally:
            db.close()

    # -- SQL ----------------------------------------------------------------------------------------
    def has_full_data_access(self) -> bool:
        """Owner (and Admin) reach every table unmasked or with their role's rights: no analysis."""
        return self.allows("sql.prod") and self.allows("sql.prod_ddl") and self.cleared()

    def cleared(self) -> bool:
        """Sees sensitive columns in clear: the role allows it, or the masking whitelist names the user."""
        return self.allows("data.unmasked") or self.user in self.workspace.config.security.unmasked

    def check_sql(self, text: str, env: Environment, reader: Reader | None) -> list[Access]:
        """Every table the script touches, checked against the role and the grants. Nothing has run
        when this refuses; the refusal is audited."""
        self._member_required()
        self.require("sql.query", "run SQL", target=f"sql ({env})")
        if self.has_full_data_access():
            return []
        if reader is None:  # never skip the check for want of a reader
            own = StoredReader(self._db())
            try:
                return self.check_sql(text, env, own)
            finally:
                own.close()
        from engine.security.refs import script_accesses

        config = self.workspace.config
        try:
            accesses = script_accesses(
                text, default_project=config.project_for(env),
                projects=set(config.all_projects), views=reader.view_text,
            )  # fmt: skip
            db = self._db()
            try:
                for a in accesses:
                    self._check_access(db, a, reader)
            finally:
                db.close()
        except (PermissionDenied, SqlError) as err:
            refused = isinstance(err, PermissionDenied)
            if isinstance(err, PermissionDenied) and err.user is None:  # analysis failed closed
                p = self.principal
                reason = err.message.removeprefix("permission denied: ")
                err = PermissionDenied(
                    f"{p.user} ({p.label}): {reason}", user=p.user, role=p.role, hint=err.hint
                )
            self.audit(
                "sql.query", f"sql ({env})", outcome="refused" if refused else "failed",
                detail=f"{err.message}\n{text[:1000]}",
            )  # fmt: skip
            raise err from None
        return accesses

    def _is_prod(self, table: TableName) -> bool:
        config = self.workspace.config
        return config.mode == "standard" and table.project == config.projects.prod

    def _check_access(self, db: sqlite_utils.Database, a: Access, reader: Reader) -> None:
        p = self.principal
        where = f" (read through view {a.via})" if a.via else ""
        if not self._is_prod(a.table):
            if a.action in ("update", "ddl"):
                require(p, "sql.write_dev", f"write {a.table}")
            return
        if a.action == "ddl":
            require(p, "sql.prod_ddl", f"create, drop or alter production table {a.table}")
            return
        if self.allows("sql.prod"):
            return
        now = self.clock()
        found = [
            g
            for g in grants.grants_for(db, p.user, a.table.project, a.table.name)
            if g.active(now) and g.covers(a.action)
        ]
        flag = "" if a.action == "select" else f" --action {a.action}"
        hint = f"request it: `maxworks grant request {a.table}{flag} --reason '...'`"
        if not found:
            expired = [
                g
                for g in grants.grants_for(db, p.user, a.table.project, a.table.name)
                if g.covers(a.action)
            ]
            why = f"; grant {expired[0].id} expired at {expired[0].expires_at}" if expired else ""
            raise PermissionDenied(
                f"{p.user} ({p.label}) has no {a.action} permission on production table {a.table}{where}{why}",
                user=p.user, role=p.role, action=f"table.{a.action}",
                hint=hint + f"; the roles {', '.join(ROLES[r] for r in ('owner', 'admin'))} read production without one",
            )  # fmt: skip
        if a.action != "select" or any(g.columns is None for g in found):
            return
        allowed = {c for g in found for c in (g.columns or ())}
        if a.columns is None:
            raise PermissionDenied(
                f"{p.user} may read only columns {', '.join(sorted(allowed))} of {a.table}, and this "
                f"query reads every column (*){where}",
                user=p.user, role=p.role, action="table.select", hint="name the columns you were granted",
            )  # fmt: skip
        shape = reader.table(a.table)
        if shape is None:
            raise PermissionDenied(
                f"the columns of {a.table} are unknown, so the column grant of {p.user} cannot be checked",
                user=p.user, role=p.role, hint="run the query when the scheduler is stopped, or `maxworks classify` it",
            )  # fmt: skip
        table_cols = {c.lower() for c, _ in shape.columns}
        extra = sorted((a.columns & table_cols) - allowed)
        if extra:
            raise PermissionDenied(
                f"{p.user} has no select permission on column(s) {', '.join(extra)} of {a.table}",
                user=p.user, role=p.role, action="column.select",
                hint=f"request them: `maxworks grant request {a.table} --columns {','.join(extra)} --reason '...'`",
            )  # fmt: skip

    def after_query(
        self,
        text: str,
        result: ScriptResult,
        env: Environment,
        masked: Sequence[str],
        *,
        in_process: bool,
    ) -> None:
        """Audit a query that ran; keep the text of views it created where the warehouse is
        held by another process."""
        if not in_process:
            self.record_views(result, env)
        err = result.error
        self.audit(
            "sql.query", f"sql ({env})", outcome="failed" if err else "ok",
            detail=(f"{err}\n" if err else "") + text[:1000],
            tables_read=result.tables_read, tables_written=result.tables_written, masked=masked,
        )  # fmt: skip

    # -- masking ----------------------------------------------------------------------------------
    def mask(self, result: ScriptResult, env: Environment, reader: Reader | None) -> Masked:
        """Sensitive columns of every result masked for a user without clearance."""
        if self.cleared():
            return Masked(result, ())
        if reader is None:
            own = StoredReader(self._db())
            try:
                return self.mask(result, env, own)
            finally:
                own.close()
        out: list[StatementResult] = []
        masked: list[str] = []
        db = self._db()
        try:
            salt = self._salt(db)
            for s in result.statements:
                if s.rows is None or not s.columns or s.error is not None or s.kind == "show":
                    out.append(s)
                    continue
                methods = self._plan(db, s, env, reader)
                if not any(methods):
                    out.append(s)
                    continue
                fns = [parse_method(m, salt) if m else None for m in methods]
                rows = [
                    tuple(v if f is None else f(v) for v, f in zip(row, fns, strict=False))
                    for row in s.rows
                ]
                masked += [f"{c.name} ({m})" for c, m in zip(s.columns, methods, strict=False) if m]
                out.append(replace(s, rows=rows))
        finally:
            db.close()
        return Masked(replace(result, statements=tuple(out)), tuple(masked))

    def mask_instance_result(self, rs: ResultSet, iid: int) -> ResultSet:
        """The rows an ad-hoc or test instance kept, masked as its last query's result would be
        for the acting user (lineage from the code the instance ran)."""
        if self.cleared():
            return rs
        from sqlglot import exp

        from engine.executors.contract import to_arrow
        from engine.params import substitute
        from engine.sql.splitter import split_statements
        from engine.studio.spec import NodeSpec

        db = self._db()
        try:
            row = db.conn.execute(
                "SELECT i.spec_override, v.spec, i.params, i.env FROM instances i LEFT JOIN node_versions v "
                "ON v.node_id = i.node_id AND v.version = i.version WHERE i.id = ?",
                [iid],
            ).fetchone()
        finally:
            db.close()
        sql = ""
        env: Environment = "prod" if row is not None and row[3] == "prod" else "dev"
        if row is not None and (row[0] or row[1]):
            try:
                spec = NodeSpec.from_json(row[0] or row[1])
                params = {k: str(v) for k, v in json.loads(row[2] or "{}").items()}
                queries = [
                    st.text
                    for st in split_statements(substitute(spec.code, params))
                    if isinstance(_parsed(st.text), exp.Query)
                ]
                sql = queries[-1] if queries else ""
            except (MaxworksError, ValueError, KeyError):
                sql = ""
        rows = list(zip(*(c.to_pylist() for c in rs.table.columns), strict=True))
        statement = StatementResult(
            index=0, line=1, sql=sql, kind="query", columns=rs.columns, rows=rows
        )
        reader = self.reader()
        try:
            masked = self.mask(ScriptResult((statement,)), env, reader)
        finally:
            reader.close()
        if not masked.columns:
            return rs
        names = {m.split(" ")[0] for m in masked.columns}
        columns = tuple(
            ResultColumn(c.name, "STRING") if c.name in names else c for c in rs.columns
        )
        out = masked.result.statements[0]
        return replace(rs, table=to_arrow(columns, out.rows or []), columns=columns)

    def mask_rows(
        self, columns: Sequence[str], rows: Sequence[tuple[Any, ...]], table: TableName
    ) -> tuple[list[tuple[Any, ...]], list[str]]:
        """Mask rows read straight from ``table`` (previews, exports): columns map one to one."""
        if self.cleared():
            return list(rows), []
        reader = self.reader()
        db = self._db()
        try:
            classes = self._classes(db, table, reader)
            salt = self._salt(db)
        finally:
            db.close()
            reader.close()
        methods: list[str | None] = []
        for i, name in enumerate(columns):
            cls = classes.get(name.lower())
            method = cls.method if cls is not None and cls.sensitive else None
            if method is None:
                method = _by_result(name, [r[i] for r in rows])
            methods.append(method)
        fns = [parse_method(m, salt) if m else None for m in methods]
        return (
            [tuple(v if f is None else f(v) for v, f in zip(r, fns, strict=False)) for r in rows],
            [f"{c} ({m})" for c, m in zip(columns, methods, strict=False) if m],
        )

    def _salt(self, db: sqlite_utils.Database) -> str:
        row = db.conn.execute(
            "SELECT value FROM workspace_meta WHERE key = 'masking_salt'"
        ).fetchone()
        return str(row[0]) if row else self.workspace.config.name

    def _plan(
        self, db: sqlite_utils.Database, s: StatementResult, env: Environment, reader: Reader
    ) -> list[str | None]:
        from sqlglot import exp

        from engine.security.lineage import result_origins
        from engine.security.refs import statement_accesses
        from engine.sql.dialect import parse_statement

        config = self.workspace.config
        default = config.project_for(env)
        width = len(s.columns)
        try:
            tree = parse_statement(s.sql)
            reads = [
                a.table
                for a in statement_accesses(
                    tree,
                    line=s.line,
                    default_project=default,
                    projects=set(config.all_projects),
                    namespace_schema=False,
                    views=reader.view_text,
                )
                if a.action == "select"
            ]
        except (SqlError, PermissionDenied):
            return [FULL_MASK] * width  # cannot tell where the values come from: fail closed
        classes = {t: self._classes(db, t, reader) for t in dict.fromkeys(reads)}
        sensitive_read = any(c.sensitive for cs in classes.values() for c in cs.values())

        def columns_of(t: TableName) -> list[str] | None:
            shape = reader.table(t)
            if shape is not None:
                return [c.lower() for c, _ in shape.columns]
            known = classes.get(t) or self._classes(db, t, reader)
            return list(known) or None

        if (
            not sensitive_read
        ):  # nothing sensitive read: no lineage needed (name/content rules still apply)
            origins: list[frozenset[tuple[TableName, str]] | None] = [frozenset()] * width
        elif isinstance(tree, exp.Query):
            origins = result_origins(
                tree, width, default_project=default, columns=columns_of, views=reader.view_text
            )
        else:
            origins = [None] * width
        plan: list[str | None] = []
        for i, col in enumerate(s.columns):
            method: str | None = None
            origin = origins[i]
            if origin is None:
                if sensitive_read:
                    method = FULL_MASK
            else:
                best: ColumnClass | None = None
                for table, name in origin:
                    cls = (classes.get(table) or self._classes(db, table, reader)).get(name)
                    if (
                        cls is not None
                        and cls.sensitive
                        and (best is None or cls.level > best.level)
                    ):
                        best = cls
                method = best.method if best is not None else None
            if method is None:
                method = _by_result(col.name, [r[i] for r in (s.rows or ()) if i < len(r)])
            plan.append(method)
        return plan

    # -- classification -----------------------------------------------------------------------------
    def _classes(
        self, db: sqlite_utils.Database, table: TableName, reader: Reader
    ) -> dict[str, ColumnClass]:
        """The stored classification of a table; classified now if never done or its columns changed."""
        stored = _stored_classes(db, table)
        shape = reader.table(table)
        if shape is None:
            return stored
        if stored and [c.lower() for c, _ in shape.columns] == list(stored):
            return stored
        return self._store_classes(db, table, shape, reader)

    def _store_classes(
        self, db: sqlite_utils.Database, table: TableName, shape: TableShape, reader: Reader
    ) -> dict[str, ColumnClass]:
        rows = reader.sample(table, CONTENT_SAMPLE)
        # manual classes always stay; content classes stay when no sample can be taken now
        keep = ("manual",) if rows is not None else ("manual", "content")
        manual = {k: v for k, v in _stored_classes(db, table).items() if v.source in keep}
        found = classify_columns(shape.columns, rows)
        now = self.clock().strftime(TS)
        out: dict[str, ColumnClass] = {}
        with write_transaction(db):
            db.conn.execute(
                "DELETE FROM column_classes WHERE project = ? AND table_name = ?",
                [table.project, table.name],
            )
            for pos, cls in enumerate(found):
                key = cls.column.lower()
                if key in manual and (manual[key].source == "manual" or cls.source == "none"):
                    cls = manual[key]
                out[key] = cls
                db.conn.execute(
                    "INSERT INTO column_classes (project, table_name, column, pos, level, category, method, source, "
                    "classified_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [table.project, table.name, key, pos, cls.level, cls.category, cls.method, cls.source, now],
                )  # fmt: skip
        return out

    def classify(
        self, table: str | None = None, *, refresh: bool = True
    ) -> list[tuple[TableName, list[ColumnClass]]]:
        """Classify one table or every table of the workspace (refresh: sample again)."""
        from engine.sql.analysis import TableName

        self._member_required()
        targets = [self.table_name(table)] if table else None
        if refresh:
            self.require("security.classify", target=table or "all tables")
        reader = self.reader()
        db = self._db()
        try:
            if targets is None:
                targets = _all_tables(reader, self.workspace) or [
                    TableName(r[0], r[1])
                    for r in db.conn.execute(
                        "SELECT DISTINCT project, table_name FROM column_classes ORDER BY 1, 2"
                    )
                ]
            out = []
            for t in targets:
                shape = reader.table(t)
                if refresh and shape is not None:
                    classes = self._store_classes(db, t, shape, reader)
                else:
                    classes = _stored_classes(db, t)
                    if not classes and shape is None:
                        raise MaxworksError(f"table {t} does not exist or was never classified")
                out.append((t, list(classes.values())))
        finally:
            db.close()
            reader.close()
        if refresh:
            self.audit("security.classify", table or "all tables", detail=f"{len(out)} tables")
        return out

    def set_class(self, table: str, column: str, level: int, method: str | None) -> None:
        """A manual classification (kept across refreshes)."""
        name = self.table_name(table)
        if level not in LEVELS:
            raise MaxworksError(f"level {level} is not one of {', '.join(map(str, LEVELS))}")
        if method is not None:
            parse_method(method, "")
        with self.operation("security.classify", f"{name}.{column}") as info:
            reader = self.reader()
            db = self._db()
            try:
                classes = self._classes(db, name, reader)
                if column.lower() not in classes:
                    raise MaxworksError(f"{name} has no column {column!r}")
                with write_transaction(db):
                    db.conn.execute(
                        "UPDATE column_classes SET level = ?, method = ?, source = 'manual', category = "
                        "coalesce(category, 'manual') WHERE project = ? AND table_name = ? AND column = ?",
                        [level, method if level else None, name.project, name.name, column.lower()],
                    )
            finally:
                db.close()
                reader.close()
            info["detail"] = f"level {level} {method or ''}".strip()

    # -- permission requests ----------------------------------------------------------------------
    def table_name(self, text: str) -> TableName:
        """``project.table`` or ``table`` (the production project's) as a checked name."""
        from engine.sql.analysis import TableName

        config = self.workspace.config
        parts = [p.strip().strip("`").lower() for p in text.split(".")]
        if len(parts) == 1:
            parts = [config.projects.prod, parts[0]]
        if len(parts) != 2 or not all(parts):
            raise MaxworksError(f"{text!r} is not a table name (project.table or table)")
        if parts[0] not in config.all_projects:
            raise MaxworksError(
                f"project {parts[0]!r} is not a project of this workspace (known: {', '.join(config.all_projects)})"
            )
        return TableName(parts[0], parts[1])

    def request(
        self,
        table: str,
        *,
        reason: str,
        columns: Sequence[str] | None = None,
        action: str = "select",
        days: int = 30,
    ) -> Request:
        """Ask for ``action`` on one production table (see :meth:`request_tables`)."""
        return self.request_tables(
            [table], reason=reason, columns=columns, action=action, days=days
        )[0]

    def request_tables(
        self,
        tables: Sequence[str],
        *,
        reason: str,
        columns: Sequence[str] | None = None,
        action: str = "select",
        days: int = 30,
    ) -> list[Request]:
        """One permission request per table, all or none: every table is checked first (a
        production table the catalog knows, with the columns asked for, that the user cannot
        already reach, under a flow someone else can approve), then all are written in one
        transaction. Nothing is written when any check fails."""
        if not tables:
            raise MaxworksError(
                "name a table to request", hint="e.g. `maxworks grant request TABLE`"
            )
        names = list(dict.fromkeys(self.table_name(t) for t in tables))
        if action not in GRANT_ACTIONS:
            raise MaxworksError(f"action {action!r} is not one of {', '.join(GRANT_ACTIONS)}")
        if not 1 <= days <= MAX_DAYS:
            raise MaxworksError(f"--days must be from 1 to {MAX_DAYS}")
        if not reason.strip():
            raise MaxworksError(
                "a permission request needs a reason",
                hint="--reason '...' is shown to the approver",
            )
        cols = (
            tuple(dict.fromkeys(c.strip().lower() for c in columns if c.strip()))
            if columns
            else None
        )
        target = ", ".join(map(str, names))
        with self.operation("security.request", target) as info:
            for name in names:
                if not self._is_prod(name):
                    raise MaxworksError(
                        f"{name} is not a production table; development tables need no grant",
                        hint="permission requests are for the production project in standard mode",
                    )
            reader = self.reader()
            db = self._db()
            try:
                shapes = [self._check_request(db, reader, n, cols, action) for n in names]
                flows = [  # classifies a table never classified: after the checks above
                    self._approvable_flow(db, reader, n, shape, cols)
                    for n, shape in zip(names, shapes, strict=True)
                ]
                now = self.clock()
                ids: list[int] = []
                with write_transaction(db):
                    for name, shape, flow in zip(names, shapes, flows, strict=True):
                        rid = grants.insert_request(
                            db, requester=self.user, project=name.project, table=name.name, columns=cols,
                            action=action, days=days, reason=reason.strip(), flow=flow,
                            table_owner=shape.owner if shape else None, now=now,
                        )  # fmt: skip
                        events.record(
                            db, now.strftime(TS), grants.REQUEST_CREATED, self.user,
                            request_id=rid, table=str(name), action=action, flow=flow.name,
                        )  # fmt: skip
                        ids.append(rid)
                out = [grants.get_request(db, rid) for rid in ids]
            finally:
                db.close()
                reader.close()
            info["detail"] = "; ".join(
                f"request {r.id}: {r.what} for {days} days via flow {r.flow}" for r in out
            )
        return out

    def _check_request(
        self,
        db: sqlite_utils.Database,
        reader: Reader,
        name: TableName,
        cols: tuple[str, ...] | None,
        action: str,
    ) -> TableShape | None:
        """Refuse a request that could not or need not be granted: no such table or column, or
        the user reaches it already (role or active grant). Returns what the catalog knows."""
        p = self.principal
        shape = reader.table(name)
        if shape is None and (isinstance(reader, LocalReader) or self._absent_from_map(db, name)):
            close = difflib.get_close_matches(
                name.name, _table_names(reader, db, name.project), 3, 0.8
            )
            raise MaxworksError(
                f"no table {name} in workspace {self.workspace.config.name!r}",
                hint=(f"did you mean {', '.join(f'{name.project}.{c}' for c in close)}? " if close else "")
                + f"`maxworks map search {name.name}` finds tables",
            )  # fmt: skip
        if cols is not None and shape is not None:
            known = {c.lower() for c, _ in shape.columns}
            unknown = [c for c in cols if c not in known]
            if unknown:
                raise MaxworksError(
                    f"{name} has no column {', '.join(unknown)}",
                    hint=f"its columns: {', '.join(c for c, _ in shape.columns)}",
                )
        if self.allows("sql.prod"):
            raise MaxworksError(
                f"{p.user} ({p.label}) can already {action} {name}: the role reads and writes "
                "every production table without a grant",
                hint="run the query as it is; permission requests are for roles without "
                "production access (Developer, O&M, Deployer, Data analyst)",
            )
        now = self.clock()
        held = [
            g
            for g in grants.grants_for(db, p.user, name.project, name.name)
            if g.active(now) and g.covers(action)
        ]
        whole = [g for g in held if g.columns is None]
        granted = {c for g in held for c in (g.columns or ())}
        covering = whole or (
            [g for g in held if set(g.columns or ()) & set(cols)]
            if cols is not None and set(cols) <= granted
            else []
        )
        if covering:
            shown = f" ({', '.join(cols)})" if cols else ""
            until = max(g.expires_at for g in covering)
            raise MaxworksError(
                f"{p.user} can already {action} {name}{shown}: grant "
                f"{', '.join(str(g.id) for g in covering)} is active until {until}",
                hint="`maxworks grants` lists your grants; an admin extends one with "
                "`maxworks grants --renew ID`",
            )
        return shape

    def _approvable_flow(
        self,
        db: sqlite_utils.Database,
        reader: Reader,
        name: TableName,
        shape: TableShape | None,
        cols: tuple[str, ...] | None,
    ) -> ApprovalFlow:
        """The request's approval flow (by the sensitivity of what it asks for); refused when a
        level has no approver but the requester, who never decides their own request."""
        p = self.principal
        classes = self._classes(db, name, reader)
        level = max((c.level for k, c in classes.items() if cols is None or k in cols), default=0)
        flow = self._flow_for(name, level)
        owner = shape.owner if shape else None
        for i, lvl in enumerate(flow.levels, 1):
            if not self._someone_else_approves(db, lvl, owner):
                raise MaxworksError(
                    f"nobody but {p.user} could approve level {i} of flow {flow.name} for {name} "
                    f"(approvers: {grants.level_approvers(lvl, owner)})",
                    hint="a requester never decides their own request: ask a workspace admin to "
                    "add an approver, or change approval_flows in maxworks.toml",
                )
        return flow

    def _someone_else_approves(
        self, db: sqlite_utils.Database, level: ApprovalLevel, table_owner: str | None
    ) -> bool:
        """Whether a member other than the requester may decide ``level``."""
        me = self.user
        members = dict(db.conn.execute("SELECT user, role FROM members").fetchall())
        return any(
            grants.may_approve(level, user, role, table_owner)
            for user, role in members.items()
            if user != me
        )

    def _absent_from_map(self, db: sqlite_utils.Database, name: TableName) -> bool:
        """The catalog in state.db says there is no such table: only for the local engine (every
        run of the workspace keeps the Data Map current) and once the map was collected. A
        MaxCompute project changes outside maxworks, so its tables are never known absent here."""
        if self.workspace.config.engine != "local":
            return False
        try:
            if db.execute("SELECT 1 FROM dm_meta WHERE key = 'collected_at'").fetchone() is None:
                return False
            for sql in (
                "SELECT 1 FROM dm_tables WHERE project = ? AND name = ?",
                "SELECT 1 FROM view_texts WHERE project = ? AND name = ?",
                "SELECT 1 FROM column_classes WHERE project = ? AND table_name = ?",
            ):
                if db.execute(sql, [name.project, name.name]).fetchone() is not None:
                    return False
        except sqlite3.OperationalError:  # a state.db without the Data Map's tables
            return False
        return True

    def _flow_for(self, name: TableName, level: int) -> ApprovalFlow:
        for flow in self.workspace.config.security.approval_flows:
            if (not flow.projects or name.project in flow.projects) and level >= flow.min_level:
                return flow
        return DEFAULT_FLOW

    def _flow_named(self, name: str) -> ApprovalFlow:
        if name == DEFAULT_FLOW.name:
            return DEFAULT_FLOW
        for flow in self.workspace.config.security.approval_flows:
            if flow.name == name:
                return flow
        raise MaxworksError(
            f"approval flow {name!r} is no longer in maxworks.toml",
            hint="reject the request; the requester can ask again under the current flows",
        )

    def requests(self, *, mine: bool = False, pending_for_me: bool = False) -> list[Request]:
        """My requests, the pending requests I may decide now, or (neither) everything I may see."""
        p = self._member_required()
        db = self._db()
        try:
            if mine:
                return grants.list_requests(db, requester=p.user)
            pending = grants.list_requests(db, state="pending")
            mine_to_do = [r for r in pending if self._may_decide(r)]
            if pending_for_me:
                return mine_to_do
            if self.allows("security.grant"):
                return grants.list_requests(db)
            own = grants.list_requests(db, requester=p.user)
            seen = {r.id for r in own}
            return sorted(own + [r for r in mine_to_do if r.id not in seen], key=lambda r: -r.id)
        finally:
            db.close()

    def request_detail(self, rid: int) -> tuple[Request, list[grants.Decision], str]:
        """A request, its decisions so far, and who may decide its current level."""
        self._member_required()
        db = self._db()
        try:
            req = grants.get_request(db, rid)
            done = grants.decisions(db, rid)
        finally:
            db.close()
        who = ""
        if req.state == "pending":
            try:
                flow = self._flow_named(req.flow)
                who = grants.level_approvers(flow.levels[req.level_done], req.table_owner)
            except MaxworksError as err:
                who = err.message
        return req, done, who

    def _may_decide(self, req: Request) -> bool:
        p = self.principal
        if req.state != "pending" or req.requester == p.user:
            return False
        try:
            level = self._flow_named(req.flow).levels[req.level_done]
        except (MaxworksError, IndexError):
            return self.allows("security.approve")
        return grants.may_approve(level, p.user, p.role, req.table_owner)

    def approve(self, rid: int, reason: str = "") -> Request:
        return self._decide(rid, "approve", reason)

    def reject(self, rid: int, reason: str) -> Request:
        if not reason.strip():
            raise MaxworksError(
                "a rejection needs a reason", hint="--reason '...' is sent to the requester"
            )
        return self._decide(rid, "reject", reason)

    def _decide(self, rid: int, decision: str, reason: str) -> Request:
        p = self._member_required()
        action = "security.approve"
        target = f"request {rid}"
        db = self._db()
        try:
            try:
                with write_transaction(db):
                    req = grants.get_request(db, rid)
                    if req.state != "pending":
                        raise MaxworksError(
                            f"request {rid} is {req.state}; only pending requests can be decided"
                        )
                    if req.requester == p.user:
                        raise PermissionDenied(
                            f"{p.user} cannot decide their own request {rid}", user=p.user, role=p.role,
                            hint="another approver has to decide it",
                        )  # fmt: skip
                    flow = self._flow_named(req.flow)
                    level = flow.levels[req.level_done]
                    if any(d.approver == p.user for d in grants.decisions(db, rid)):
                        raise PermissionDenied(
                            f"{p.user} already approved an earlier level of request {rid}; "
                            "each level needs another approver",
                            user=p.user, role=p.role, action=action,
                        )  # fmt: skip
                    if not grants.may_approve(level, p.user, p.role, req.table_owner):
                        raise PermissionDenied(
                            f"{p.user} ({p.label}) is not an approver of level {req.level_done + 1} of "
                            f"{req.levels} of request {rid} (flow {flow.name})",
                            user=p.user, role=p.role, action=action,
                            hint=f"approvers of this level: {grants.level_approvers(level, req.table_owner)}",
                        )  # fmt: skip
                    now = self.clock()
                    grants.record_decision(
                        db, req, approver=p.user, decision=decision, reason=reason.strip(), now=now
                    )
                    ts = now.strftime(TS)
                    data: dict[str, Any] = {"request_id": rid, "requester": req.requester, "table": req.qualified,
                            "reason": reason.strip(), "level": req.level_done + 1}  # fmt: skip
                    if decision == "reject":
                        db.conn.execute(
                            "UPDATE permission_requests SET state = 'rejected', decided_at = ? WHERE id = ?",
                            [ts, rid],
                        )
                        events.record(db, ts, grants.REQUEST_REJECTED, p.user, **data)
                    elif req.level_done + 1 >= req.levels:
                        gid = grants.insert_grant(db, req, granted_by=p.user, now=now)
                        db.conn.execute(
                            "UPDATE permission_requests SET state = 'approved', level_done = levels, decided_at = ?, "
                            "grant_id = ? WHERE id = ?",
                            [ts, gid, rid],
                        )
                        events.record(db, ts, grants.REQUEST_APPROVED, p.user, grant_id=gid, **data)
                    else:
                        db.conn.execute(
                            "UPDATE permission_requests SET level_done = level_done + 1 WHERE id = ?",
                            [rid],
                        )
                        events.record(db, ts, grants.REQUEST_ADVANCED, p.user, **data)
                    out = grants.get_request(db, rid)
            except PermissionDenied as err:
                self.audit(action, target, outcome="refused", detail=err.message, db=db)
                raise
            except MaxworksError as err:
                self.audit(action, target, outcome="failed", detail=err.message, db=db)
                raise
            self.audit(action, target, detail=f"{decision}: {out.what} -> {out.state}", db=db)
            return out
        finally:
            db.close()

    # -- grants -------------------------------------------------------------------------------------
    def grants(self, *, everyone: bool = False) -> list[Grant]:
        p = self._member_required()
        db = self._db()
        try:
            if everyone:
                self.require("security.grant", "list every user's grants")
                return grants.list_grants(db)
            return grants.list_grants(db, user=p.user)
        finally:
            db.close()

    def revoke(self, gid: int) -> Grant:
        """Revoke a grant: its holder may return it; admins revoke anyone's."""
        p = self._member_required()
        db = self._db()
        try:
            g = grants.get_grant(db, gid)
            if g.user != p.user:
                self.require("security.grant", f"revoke {g.user}'s grant", target=f"grant {gid}")
            if g.revoked_at is not None:
                raise MaxworksError(f"grant {gid} was already revoked at {g.revoked_at}")
            ts = self.clock().strftime(TS)
            with write_transaction(db):
                db.conn.execute(
                    "UPDATE grants SET revoked_by = ?, revoked_at = ? WHERE id = ?",
                    [p.user, ts, gid],
                )
                events.record(
                    db,
                    ts,
                    grants.GRANT_REVOKED,
                    p.user,
                    grant_id=gid,
                    user=g.user,
                    table=g.qualified,
                )
            self.audit(
                "security.grant",
                f"grant {gid}",
                detail=f"revoked {g.action} on {g.qualified} of {g.user}",
                db=db,
            )
            return grants.get_grant(db, gid)
        finally:
            db.close()

    def renew(self, gid: int, days: int) -> Grant:
        if not 1 <= days <= MAX_DAYS:
            raise MaxworksError(f"--days must be from 1 to {MAX_DAYS}")
        self._member_required()
        db = self._db()
        try:
            g = grants.get_grant(db, gid)
            self.require("security.grant", f"renew {g.user}'s grant", target=f"grant {gid}")
            if g.revoked_at is not None:
                raise MaxworksError(f"grant {gid} was revoked; ask for a new one")
            now = self.clock()
            expires = (now + timedelta(days=days)).strftime(TS)
            with write_transaction(db):
                db.conn.execute("UPDATE grants SET expires_at = ? WHERE id = ?", [expires, gid])
                events.record(
                    db,
                    now.strftime(TS),
                    grants.GRANT_RENEWED,
                    self.user,
                    grant_id=gid,
                    user=g.user,
                    expires_at=expires,
                )
            self.audit("security.grant", f"grant {gid}", detail=f"renewed until {expires}", db=db)
            return grants.get_grant(db, gid)
        finally:
            db.close()

    # -- audit ----------------------------------------------------------------------------------------
    def audit_rows(self, *, limit: int = 50, before: int | None = None) -> list[AuditRow]:
        self.require("security.audit", target="audit log")
        db = self._db()
        try:
            return audit.rows(db, limit=limit, before=before)
        finally:
            db.close()

    def verify_audit(self) -> Verdict:
        self.require("security.audit", target="audit log")
        db = self._db()
        try:
            return audit.verify(db)
        finally:
            db.close()


def _resolve_principal(db: sqlite_utils.Database, user: str, os_user: str) -> Principal:
    def role_of(name: str) -> str | None:
        row = db.conn.execute("SELECT role FROM members WHERE user = ?", [name]).fetchone()
        return None if row is None else str(row[0])

    role = role_of(user)
    if user != os_user:
        os_role = role_of(os_user)
        if os_role != "owner":
            raise PermissionDenied(
                f"{os_user} may not act as {user}: identity is the OS user running maxworks",
                user=os_user, role=os_role, hint="run maxworks as that user (e.g. `runuser -u USER -- maxworks ...`)",
            )  # fmt: skip
        if role is None:
            role = "owner"  # the Owner acting under another name (tests, demo builds)
    return Principal(user, role, os_user)


def _stored_classes(db: sqlite_utils.Database, table: TableName) -> dict[str, ColumnClass]:
    rows = db.conn.execute(
        "SELECT column, level, category, method, source FROM column_classes WHERE project = ? AND table_name = ? "
        "ORDER BY pos",
        [table.project, table.name],
    ).fetchall()
    return {str(r[0]): ColumnClass(str(r[0]), int(r[1]), r[2], r[3], str(r[4])) for r in rows}


def _by_result(name: str, values: Sequence[Any]) -> str | None:
    """Masking decided by the result column itself: its name, else its content."""
    cls = by_metadata(name, None)
    if cls is None:
        cls = by_content(name, values[:CONTENT_SAMPLE])
    return cls.method if cls is not None and cls.sensitive else None


def _table_names(reader: Reader, db: sqlite_utils.Database, project: str) -> list[str]:
    """The names of a project's tables: the warehouse's when read live, else the Data Map's."""
    try:
        if isinstance(reader, LocalReader):
            rows = reader.conn.execute(f'SELECT name FROM "{project}"._mw.tables').fetchall()
        else:
            rows = db.execute("SELECT name FROM dm_tables WHERE project = ?", [project]).fetchall()
    except Exception:  # only for a suggestion: never fail the refusal for it
        return []
    return [str(r[0]) for r in rows]


def _all_tables(reader: Reader, workspace: Workspace) -> list[TableName]:
    from engine.sql.analysis import TableName

    if not isinstance(reader, LocalReader):
        return []
    out = []
    for project in workspace.config.all_projects:
        rows = reader.conn.execute(
            f'SELECT name FROM "{project}"._mw.tables ORDER BY name'
        ).fetchall()
        out += [TableName(project, str(r[0])) for r in rows]
    return out


__all__ = ["ACTIONS", "Masked", "Member", "Security"]


_F = TypeVar("_F", bound=Callable[..., Any])


def guarded(action: str) -> Callable[[_F], _F]:
    """Decorate a method of an object with a ``security`` attribute: the acting user's role must
    allow ``action``; the call and its outcome are audited."""

    def wrap(fn: _F) -> _F:
        @functools.wraps(fn)
        def inner(self: Any, *args: Any, **kwargs: Any) -> Any:
            shown = ", ".join(
                [*(repr(a) for a in args), *(f"{k}={v!r}" for k, v in kwargs.items())]
            )
            target = f"{fn.__name__}({shown[:200]})"
            with self.security.operation(action, target):
                return fn(self, *args, **kwargs)

        return inner  # type: ignore[return-value]

    return wrap


def _parsed(text: str) -> exp.Expr | None:
    from engine.sql.dialect import parse_statement

    try:
        return parse_statement(text)
    except SqlError:
        return None
