"""The Data Map service (``Api.datamap``): search, table detail, lineage, favourites, preview.

The map is filled from the engines the first time it is used, kept current after every run the
workspace makes (:meth:`DataMap.after_run`, :func:`after_scheduler_runs`) and refreshed on
demand. A data preview is an ordinary ``Api.run_sql`` query, so whatever checks and masking the
API applies to a user's SQL apply to it too.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import sqlite_utils

from engine.datamap import collect, store
from engine.datamap.records import (
    ColumnDetail,
    Lineage,
    PartitionDetail,
    RefreshReport,
    SearchResult,
    TableDetail,
)
from engine.datamap.search import Filters, search
from engine.errors import MaxworksError
from engine.executors.records import ScriptResult
from engine.store import write_transaction
from engine.workspace import Workspace

if TYPE_CHECKING:
    from engine.api import Api, SqlRun

PREVIEW_ROWS = 20


class TableNotFound(MaxworksError):
    """No table of that name in the Data Map."""


class DataMap:
    def __init__(self, api: Api) -> None:
        self.api = api
        self.workspace: Workspace = api.workspace

    @contextlib.contextmanager
    def _db(self) -> Iterator[sqlite_utils.Database]:
        db = self.workspace.open_state()
        try:
            yield db
        finally:
            db.close()

    @property
    def projects(self) -> list[str]:
        return [p for _, p in collect.environments(self.workspace)]

    def _ensure(self, db: sqlite_utils.Database) -> None:
        """Collect everything once, the first time the map is used (and take the last accesses
        from the query history the workspace kept before the map existed)."""
        if store.get_meta(db, "collected_at") is not None:
            return
        try:
            collect.collect_all(self.workspace, db, user=self.api.user, clock=self.api.clock)
        except MaxworksError as err:
            leader = self.api.ops.leader() if self.workspace.config.engine == "local" else None
            if leader is None or leader.pid == os.getpid():
                raise
            raise MaxworksError(
                f"the Data Map is not collected yet, and the scheduler (pid {leader.pid} on "
                f"{leader.host}) holds the warehouse: {err.message}",
                hint="it collects the map after its next run; or stop it and run "
                "`maxworks map refresh`",
            ) from None
        _access_from_history(db)

    # -- reading ----------------------------------------------------------------------------------
    def search(
        self,
        query: str,
        *,
        project: str | None = None,
        env: str | None = None,
        owner: str | None = None,
        layer: str | None = None,
        limit: int = 50,
    ) -> SearchResult:
        if env is not None and env not in ("dev", "prod"):
            raise MaxworksError(f"unknown environment {env!r}", hint="use dev or prod")
        if limit < 1:
            raise MaxworksError("the limit must be at least 1")
        with self._db() as db:
            self._ensure(db)
            return search(
                db, query, Filters(project, env, owner, layer), limit=limit, projects=self.projects
            )

    def resolve(self, table: str, db: sqlite_utils.Database | None = None) -> str:
        """``project.table`` for a name as a user writes it (``t``, ``p.t``, any case, quoted)."""
        text = table.strip().replace("`", "").lower()
        if not text:
            raise MaxworksError("name a table", hint="e.g. `maxworks map show dwd_orders`")
        if db is None:
            with self._db() as own:
                return self.resolve(text, own)
        self._ensure(db)
        project, dot, name = text.partition(".")
        if dot:
            if store.table_id(db, project, name) is not None:
                return text
        else:  # a bare name: the production table, else the development one
            name = project
            rows = db.execute("SELECT project FROM dm_tables WHERE name = ?", [name]).fetchall()
            found = {str(r[0]) for r in rows}
            prod = self.workspace.config.projects.prod.lower()
            if found:
                return f"{prod if prod in found else sorted(found)[0]}.{name}"
        similar = search(db, name, limit=3, projects=self.projects).hits
        candidates = [h.qualified for h in similar]
        raise TableNotFound(
            f"no table {text} in the Data Map",
            hint=(f"did you mean {', '.join(candidates)}? " if candidates else "")
            + "`maxworks map refresh` re-reads the engines",
        )

    def show(self, table: str, *, partitions: int = 100) -> TableDetail:
        from engine.datamap import lineage

        with self._db() as db:
            qualified = self.resolve(table, db)
            if store.is_stale(db, qualified):  # a remote run changed it: re-read it now
                collect.collect_tables(
                    self.workspace, db, [qualified], user=self.api.user, clock=self.api.clock
                )
                qualified = self.resolve(qualified, db)
            lineage.sync_io(db)
            return self._detail(db, qualified, partitions)

    def _detail(self, db: sqlite_utils.Database, qualified: str, limit: int) -> TableDetail:
        from engine.datamap import lineage

        project, _, name = qualified.partition(".")
        row = db.execute(
            "SELECT id, env, comment, owner, lifecycle, is_view, partitioned, partition_count, "
            "row_count, size_bytes, created_at, modified_at, collected_at FROM dm_tables "
            "WHERE project = ? AND name = ?",
            [project, name],
        ).fetchone()
        if row is None:
            raise TableNotFound(f"no table {qualified} in the Data Map")
        tid = int(row[0])
        columns = tuple(
            ColumnDetail(str(r[0]), str(r[1]), str(r[2] or ""), bool(r[3]))
            for r in db.execute(
                "SELECT name, type, comment, is_partition FROM dm_columns WHERE table_id = ? "
                "ORDER BY pos",
                [tid],
            ).fetchall()
        )
        parts = tuple(
            PartitionDetail(str(r[0]), r[1], r[2], r[3], r[4])
            for r in db.execute(
                "SELECT spec, row_count, size_bytes, created_at, modified_at FROM dm_partitions "
                "WHERE table_id = ? ORDER BY spec DESC LIMIT ?",
                [tid, limit],
            ).fetchall()
        )
        # outputs are named after the production project: a dev table has its prod producers
        dev = self.workspace.config.projects.dev
        output = (
            f"{self.workspace.config.projects.prod.lower()}.{name}"
            if dev and project == dev.lower()
            else qualified
        )
        producers, consumers = lineage.nodes_of(db, output)
        access = db.execute(
            "SELECT read_at, read_by, written_at, written_by FROM dm_access "
            "WHERE project = ? AND name = ?",
            [project, name],
        ).fetchone() or (None, None, None, None)
        favourite = db.execute(
            "SELECT 1 FROM dm_favourites WHERE user = ? AND project = ? AND name = ?",
            [self.api.user, project, name],
        ).fetchone()
        return TableDetail(
            project=project, name=name, env=str(row[1]), comment=str(row[2] or ""),
            owner=str(row[3] or ""), lifecycle=row[4], is_view=bool(row[5]),
            partitioned=bool(row[6]), partition_count=int(row[7]), row_count=row[8],
            size_bytes=row[9], created_at=row[10], modified_at=row[11], collected_at=str(row[12]),
            columns=columns, partitions=parts, producers=producers, consumers=consumers,
            read_at=access[0], read_by=access[1], written_at=access[2], written_by=access[3],
            favourite=favourite is not None,
        )  # fmt: skip

    def lineage(self, table: str, *, columns: bool = False, up: int = 3, down: int = 3) -> Lineage:
        from engine.datamap import lineage

        if up < 0 or down < 0:
            raise MaxworksError("--up and --down are depths: 0 or more")
        with self._db() as db:
            qualified = self.resolve(table, db)
            lineage.sync(db, self.workspace.config.projects.prod)
            names = [
                str(r[0])
                for r in db.execute(
                    "SELECT c.name FROM dm_columns c JOIN dm_tables t ON t.id = c.table_id "
                    "WHERE t.project = ? AND t.name = ? ORDER BY c.pos",
                    qualified.split(".", 1),
                ).fetchall()
            ]
            return lineage.lineage_of(
                db, qualified, up=up, down=down, columns=columns, column_names=names
            )

    # -- favourites -------------------------------------------------------------------------------
    def favourite(self, table: str, on: bool | None = None) -> bool:
        """Mark (``on=True``), unmark (``False``) or toggle (``None``) a favourite of the OS
        user; returns whether the table is now a favourite."""
        with self._db() as db:
            project, _, name = self.resolve(table, db).partition(".")
            with write_transaction(db):
                now_on = (
                    db.execute(
                        "SELECT 1 FROM dm_favourites WHERE user = ? AND project = ? AND name = ?",
                        [self.api.user, project, name],
                    ).fetchone()
                    is not None
                )
                want = (not now_on) if on is None else on
                if want and not now_on:
                    db.execute(
                        "INSERT INTO dm_favourites (user, project, name, added_at) "
                        "VALUES (?, ?, ?, ?)",
                        [self.api.user, project, name, self.api.clock().strftime(store.TS)],
                    )
                elif not want and now_on:
                    db.execute(
                        "DELETE FROM dm_favourites WHERE user = ? AND project = ? AND name = ?",
                        [self.api.user, project, name],
                    )
            return want

    def favourites(self) -> list[str]:
        with self._db() as db:
            return [
                f"{r[0]}.{r[1]}"
                for r in db.execute(
                    "SELECT project, name FROM dm_favourites WHERE user = ? ORDER BY project, name",
                    [self.api.user],
                ).fetchall()
            ]

    # -- refreshing -------------------------------------------------------------------------------
    def refresh(self, tables: Sequence[str] = ()) -> RefreshReport:
        """Re-read the named tables (``project.table`` or a name the map knows), or everything."""
        from engine.datamap import lineage

        with self._db() as db:
            if not tables:
                report = collect.collect_all(
                    self.workspace, db, user=self.api.user, clock=self.api.clock
                )
                lineage.sync(db, self.workspace.config.projects.prod, recheck=True)
                return report
            names = [self._refresh_name(db, t) for t in tables]
            return collect.collect_tables(
                self.workspace, db, names, user=self.api.user, clock=self.api.clock
            )

    def _refresh_name(self, db: sqlite_utils.Database, table: str) -> str:
        text = table.strip().replace("`", "").lower()
        if "." in text:
            return text  # may be new: the engine is asked, not the map
        try:
            return self.resolve(text, db)
        except TableNotFound:
            default = self.workspace.config.project_for(self.workspace.config.default_env)
            return f"{default.lower()}.{text}"

    def after_run(
        self,
        result: ScriptResult,
        *,
        in_process: bool,
        at: datetime,
        written: tuple[str, ...] = (),
    ) -> None:
        """After ``Api.run_sql``: note who read and wrote what, and re-read what it changed.

        Only the process that ran the script re-reads the engine (a run through the leader is
        re-read by the leader, which holds the warehouse). The map never fails a run: a problem
        is kept in ``dm_meta`` (``refresh_error``) and shown by ``maxworks map``.
        """
        read, written = result.tables_read, (*result.tables_written, *written)
        if not read and not written:
            return
        with self._db() as db:
            _quietly(
                db,
                lambda: _note_and_collect(
                    self.workspace, db, read, written, user=self.api.user, at=at,
                    collect_written=in_process, clock=self.api.clock,
                ),
            )  # fmt: skip

    def after_change(self, tables: Sequence[str], *, at: datetime) -> None:
        """After this process changed ``project.table`` tables outside a script (the lifecycle
        sweep): re-read them, as after a run."""
        self.after_run(
            ScriptResult(statements=(), flags={}), in_process=True, at=at, written=tuple(tables)
        )

    def refresh_error(self) -> str | None:
        with self._db() as db:
            return store.get_meta(db, "refresh_error")

    # -- preview ----------------------------------------------------------------------------------
    def preview_sql(self, table: str, rows: int = PREVIEW_ROWS) -> tuple[str, str]:
        """(environment, SQL) of a preview: the newest partition of a partitioned table."""
        with self._db() as db:
            qualified = self.resolve(table, db)
            project, _, name = qualified.partition(".")
            newest = db.execute(
                "SELECT p.spec FROM dm_partitions p JOIN dm_tables t ON t.id = p.table_id "
                "WHERE t.project = ? AND t.name = ? ORDER BY p.spec DESC LIMIT 1",
                [project, name],
            ).fetchone()
        env = collect.env_of(self.workspace, project) or "prod"
        where = ""
        if newest is not None:
            pairs = [part.split("=", 1) for part in str(newest[0]).split("/")]
            where = " WHERE " + " AND ".join(
                f"`{k}` = '{v.replace(chr(39), chr(39) * 2)}'" for k, v in pairs
            )
        return env, f"SELECT * FROM `{project}`.`{name}`{where} LIMIT {int(rows)};"

    def preview(self, table: str, rows: int = PREVIEW_ROWS) -> SqlRun:
        """Sample rows through ``Api.run_sql`` (permission checks and masking apply)."""
        env, sql = self.preview_sql(table, rows)
        return self.api.run_sql(sql, env="dev" if env == "dev" else "prod", limit=rows)


def _access_from_history(db: sqlite_utils.Database) -> None:
    """Last read and write of each table from ``query_history`` (the newest run wins)."""
    import json

    with write_transaction(db):
        for user, started, read, written in db.execute(
            "SELECT user, started_at, tables_read, tables_written FROM query_history "
            "WHERE status = 'succeeded' ORDER BY id"
        ).fetchall():
            try:
                at = datetime.strptime(str(started)[:19], store.TS)
                store.note_access(
                    db, json.loads(read or "[]"), json.loads(written or "[]"), user=user, at=at
                )
            except ValueError:
                continue  # a row this version cannot read: its access is not worth failing for


def _note_and_collect(
    workspace: Workspace,
    db: sqlite_utils.Database,
    read: Sequence[str],
    written: Sequence[str],
    *,
    user: str,
    at: datetime,
    collect_written: bool,
    clock: Callable[[], datetime],
    collect_first: bool = False,
    defer_remote: bool = False,
) -> None:
    with write_transaction(db):
        store.note_access(db, read, written, user=user, at=at)
    if not collect_written or not written:
        return
    if defer_remote and workspace.config.engine != "local":  # no remote calls in the loop
        with write_transaction(db):
            store.mark_stale(db, written, at)
    elif store.get_meta(db, "collected_at") is not None:
        collect.collect_tables(workspace, db, written, user=user, clock=clock)
    elif collect_first:  # the leader holds the warehouse: nobody else can collect it
        collect.collect_all(workspace, db, user=user, clock=clock)


def _quietly(db: sqlite_utils.Database, fn: Callable[[], None]) -> None:
    try:
        fn()
    except (MaxworksError, sqlite3.Error) as err:
        with contextlib.suppress(sqlite3.Error):
            store.set_meta(db, "refresh_error", str(err).splitlines()[0])
    else:
        with contextlib.suppress(sqlite3.Error):
            db.execute("DELETE FROM dm_meta WHERE key = 'refresh_error'")


def after_scheduler_runs(
    workspace: Workspace,
    db: sqlite_utils.Database,
    runs: Sequence[tuple[Sequence[str], Sequence[str]]],
    *,
    user: str,
    at: datetime,
) -> None:
    """After the scheduler collected finished runs: (tables read, tables written) of each.
    Called by the leader (it holds the warehouse) outside its tick's transaction; it makes the
    first full collection too, which clients cannot while it holds the warehouse."""
    read = [t for r, _ in runs for t in r]
    written = [t for _, w in runs for t in w]
    if not read and not written:
        return
    _quietly(
        db,
        lambda: _note_and_collect(
            workspace, db, read, written, user=user, at=at, collect_written=True,
            clock=lambda: at, collect_first=True, defer_remote=True,
        ),
    )  # fmt: skip
