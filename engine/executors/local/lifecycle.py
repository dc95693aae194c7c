"""Lifecycle: reclaim data older than its table's LIFECYCLE, by last modification time.

As MaxCompute does: a partitioned table loses the partitions whose LastModifiedTime is more than
``lifecycle`` days old (the table stays); a non-partitioned table whose data was last modified
before that is dropped.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from engine.executors.local.executor import LocalExecutor
from engine.executors.local.lifecycle_types import Reclaimed
from engine.executors.local.session import duck_table
from engine.workspace import Workspace


def sweep(
    workspace: Workspace, *, now: datetime, dry_run: bool = False, user: str | None = None
) -> list[Reclaimed]:
    reclaimed: list[Reclaimed] = []
    with LocalExecutor(workspace, "prod", user=user, clock=lambda: now) as executor:
        session = executor.session()
        conn = session.conn
        for project in workspace.config.all_projects:
            catalog = session.catalog(project)
            for meta in catalog.tables():
                if meta.lifecycle is None or meta.is_view:
                    continue
                cutoff = now - timedelta(days=meta.lifecycle)
                target = duck_table(project, meta.name)
                if meta.is_partitioned:
                    expired = [p for p in catalog.partitions(meta.name) if p.modified_at < cutoff]
                    if not expired:
                        continue
                    conn.execute("BEGIN TRANSACTION")
                    try:
                        for part in expired:
                            if not dry_run:
                                cond = " AND ".join(
                                    f'CAST("{n}" AS VARCHAR) = ?' for n in meta.partition_names
                                )
                                conn.execute(
                                    f"DELETE FROM {target} WHERE {cond}", list(part.values)
                                )
                                catalog.drop_partition(meta.name, part.spec)
                            reclaimed.append(
                                Reclaimed(
                                    project,
                                    meta.name,
                                    part.spec,
                                    part.modified_at,
                                    meta.lifecycle,
                                    part.row_count,
                                )
                            )
                        conn.execute("COMMIT")
                    except BaseException:
                        conn.execute("ROLLBACK")
                        raise
                elif meta.modified_at is not None and meta.modified_at < cutoff:
                    row = conn.execute(f"SELECT count(*) FROM {target}").fetchone()
                    if not dry_run:
                        conn.execute("BEGIN TRANSACTION")
                        try:
                            conn.execute(f"DROP TABLE {target}")
                            catalog.drop(meta.name)
                            conn.execute("COMMIT")
                        except BaseException:
                            conn.execute("ROLLBACK")
                            raise
                        finally:
                            catalog.settle()  # other threads may have cached the dropped table
                    reclaimed.append(
                        Reclaimed(
                            project,
                            meta.name,
                            None,
                            meta.modified_at,
                            meta.lifecycle,
                            int(row[0]) if row else 0,
                        )
                    )
    return reclaimed
