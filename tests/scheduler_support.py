"""Helpers for scheduler tests: deploy node snapshots into a real state.db, run simulated days."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from engine.scheduler.loop import Scheduler
from engine.scheduler.model import NodeType
from engine.studio.spec import CrossCycle, NodeSpec, Schedule
from engine.workspace import Workspace


def spec(name: str, type_: str = "virtual", *, cron: str = "00 00 00 * * ?", inputs: tuple[str, ...] = (),
         code: str = "", **kw: Any) -> NodeSpec:  # fmt: skip
    sched_kw = {k: kw.pop(k) for k in list(kw) if k in Schedule.__dataclass_fields__}
    cc = kw.pop("cross_cycle", CrossCycle())
    return NodeSpec(name, kw.pop("workflow", "wf"), NodeType(type_), code=code, inputs=inputs,
                    schedule=Schedule(cron=cron, **sched_kw), cross_cycle=cc, **kw)  # fmt: skip


def deploy(ws: Workspace, *specs: NodeSpec, at: str = "2025-01-01 00:00:00") -> None:
    """Record nodes as committed and deployed (what `maxworks deploy` leaves in state.db)."""
    db = ws.open_state()
    try:
        for s in specs:
            row = db.conn.execute("SELECT id FROM nodes WHERE name = ?", [s.name]).fetchone()
            if row is None:
                db.conn.execute("INSERT INTO nodes (name, created_at) VALUES (?, ?)", [s.name, at])
                row = db.conn.execute("SELECT id FROM nodes WHERE name = ?", [s.name]).fetchone()
            nid = int(row[0])
            version = int(
                db.conn.execute(
                    "SELECT coalesce(max(version), 0) + 1 FROM node_versions WHERE node_id = ?",
                    [nid],
                ).fetchone()[0]
            )
            db.conn.execute(
                "INSERT INTO node_versions (node_id, version, change, spec, message, committed_by, committed_at) VALUES (?, ?, 'new', ?, '', 'test', ?)",
                [nid, version, s.to_json(), at],
            )
            db.conn.execute(
                "INSERT OR REPLACE INTO deployed (node_id, version, spec, deployed_by, deployed_at) VALUES (?, ?, ?, 'test', ?)",
                [nid, version, s.to_json(), at],
            )
            db.conn.execute(
                "INSERT INTO deployments (node_id, version, change, message, deployed_by, deployed_at) VALUES (?, ?, 'new', '', 'test', ?)",
                [nid, version, at],
            )
    finally:
        db.close()


def instances(
    sched: Scheduler, where: str = "1=1", args: tuple[Any, ...] = ()
) -> list[dict[str, Any]]:
    cur = sched.db.conn.execute(f"SELECT * FROM instances WHERE {where} ORDER BY cyctime, id", args)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def states(sched: Scheduler, bizdate: str | None = None) -> dict[str, int]:
    rows = instances(sched, "bizdate = ?", (bizdate,)) if bizdate else instances(sched)
    return {
        f"{r['node_name']}@{r['cyctime'][11:16]}"
        if r["cyctime"][11:16] != "00:00"
        else r["node_name"]: r["state"]
        for r in rows
    }


def at(text: str) -> datetime:
    return (
        datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
        if len(text) > 10
        else datetime.strptime(text, "%Y-%m-%d")
    )
