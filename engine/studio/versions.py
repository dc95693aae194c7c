"""Versions and deployments in state.db: immutable snapshots made by commit, and what production runs.

Tables (engine.store.migrations m003_studio): ``nodes`` (stable ids, $nodeid), ``node_versions``
(one immutable row per commit of a node: change new | modify | delete), ``deployed`` (one row per
node in production, a copy of the version's spec) and ``deployments`` (the deploy history).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlite_utils

from engine.studio.deps import ParsedIO
from engine.studio.spec import NodeSpec

TS = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True)
class Version:
    """One commit of one node. ``spec`` is None for a delete."""

    node: str
    node_id: int
    version: int
    change: str  # new | modify | delete
    message: str
    committed_by: str
    committed_at: datetime
    spec: NodeSpec | None
    deployed: bool = False  # is this the version production runs


@dataclass(frozen=True)
class Deployment:
    id: int
    node: str
    node_id: int
    version: int
    change: str  # new | modify | delete (undeploy)
    message: str
    deployed_by: str
    deployed_at: datetime


@dataclass(frozen=True)
class PendingDeploy:
    """A committed change production does not run yet."""

    node: str
    node_id: int
    version: int
    change: str  # new | modify | delete
    message: str
    committed_by: str
    committed_at: datetime
    deployed_version: int | None


def node_ids(db: sqlite_utils.Database) -> dict[str, int]:
    return {str(name): int(i) for i, name in db.execute("SELECT id, name FROM nodes").fetchall()}


def ensure_node_id(db: sqlite_utils.Database, name: str, now: datetime) -> int:
    """The node's stable id ($nodeid), created on first use; kept across deletes and re-creates."""
    row = db.execute("SELECT id FROM nodes WHERE name = ?", [name]).fetchone()
    if row is not None:
        return int(row[0])
    cursor = db.execute(
        "INSERT INTO nodes (name, created_at) VALUES (?, ?)", [name, now.strftime(TS)]
    )
    return int(cursor.lastrowid or 0)


_VERSION_COLUMNS = (
    "n.name, v.node_id, v.version, v.change, v.message, v.committed_by, v.committed_at, v.spec"
)


def _version(row: tuple[object, ...], deployed: dict[int, int] | None = None) -> Version:
    name, node_id, number, change, message, by, at, spec = row
    return Version(
        node=str(name),
        node_id=int(node_id),  # type: ignore[call-overload]
        version=int(number),  # type: ignore[call-overload]
        change=str(change),
        message=str(message or ""),
        committed_by=str(by),
        committed_at=datetime.fromisoformat(str(at)),
        spec=NodeSpec.from_json(str(spec)) if spec else None,
        deployed=deployed is not None and deployed.get(int(node_id)) == int(number),  # type: ignore[call-overload]
    )


def latest_versions(db: sqlite_utils.Database) -> dict[str, Version]:
    """Each node's newest version, by node name (deleted nodes included, as change 'delete')."""
    rows = db.execute(
        f"SELECT {_VERSION_COLUMNS} FROM node_versions v JOIN nodes n ON n.id = v.node_id "
        "JOIN (SELECT node_id, MAX(version) AS top FROM node_versions GROUP BY node_id) m "
        "ON m.node_id = v.node_id AND m.top = v.version"
    ).fetchall()
    deployed = deployed_versions(db)
    return {str(r[0]): _version(r, deployed) for r in rows}


def node_versions(db: sqlite_utils.Database, name: str) -> list[Version]:
    """Every version of a node, newest first."""
    rows = db.execute(
        f"SELECT {_VERSION_COLUMNS} FROM node_versions v JOIN nodes n ON n.id = v.node_id "
        "WHERE n.name = ? ORDER BY v.version DESC",
        [name],
    ).fetchall()
    deployed = deployed_versions(db)
    return [_version(r, deployed) for r in rows]


def latest_changes(db: sqlite_utils.Database) -> dict[str, str]:
    """Each committed node's latest change (new | modify | delete), without loading specs."""
    rows = db.execute(
        "SELECT n.name, v.change FROM node_versions v JOIN nodes n ON n.id = v.node_id "
        "JOIN (SELECT node_id, MAX(version) AS top FROM node_versions GROUP BY node_id) m "
        "ON m.node_id = v.node_id AND m.top = v.version"
    ).fetchall()
    return {str(name): str(change) for name, change in rows}


def deployed_versions(db: sqlite_utils.Database) -> dict[int, int]:
    """node id -> deployed version number."""
    return {
        int(i): int(v) for i, v in db.execute("SELECT node_id, version FROM deployed").fetchall()
    }


def deployed_specs(db: sqlite_utils.Database) -> dict[str, tuple[int, NodeSpec]]:
    """Node name -> (version, spec) of what production runs."""
    rows = db.execute(
        "SELECT n.name, d.version, d.spec FROM deployed d JOIN nodes n ON n.id = d.node_id"
    ).fetchall()
    return {str(name): (int(v), NodeSpec.from_json(str(spec))) for name, v, spec in rows}


def insert_version(
    db: sqlite_utils.Database, node_id: int, number: int, change: str, spec: NodeSpec | None,
    message: str, user: str, now: datetime,
) -> None:  # fmt: skip
    db.execute(
        "INSERT INTO node_versions (node_id, version, change, spec, message, committed_by, committed_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [node_id, number, change, spec.to_json() if spec else "", message, user, now.strftime(TS)],
    )


def record_deployment(
    db: sqlite_utils.Database, name: str, node_id: int, number: int, change: str,
    message: str, user: str, now: datetime,
) -> Deployment:  # fmt: skip
    """Point production at version ``number`` (a delete removes the node from production) and
    append to ``deployments``. The deployed spec is copied from the version row, byte for byte."""
    at = now.strftime(TS)
    if change == "delete":
        db.execute("DELETE FROM deployed WHERE node_id = ?", [node_id])
    else:
        db.execute(
            "INSERT INTO deployed (node_id, version, spec, deployed_by, deployed_at) "
            "SELECT node_id, version, spec, ?, ? FROM node_versions WHERE node_id = ? AND version = ? "
            "ON CONFLICT(node_id) DO UPDATE SET version = excluded.version, spec = excluded.spec, "
            "deployed_by = excluded.deployed_by, deployed_at = excluded.deployed_at",
            [user, at, node_id, number],
        )
    cursor = db.execute(
        "INSERT INTO deployments (node_id, version, change, message, deployed_by, deployed_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [node_id, number, change, message, user, at],
    )
    return Deployment(int(cursor.lastrowid or 0), name, node_id, number, change, message, user, now)


def cached_io(db: sqlite_utils.Database) -> dict[str, tuple[str, ParsedIO]]:
    """node -> (cache key, parsed inputs/outputs)."""
    rows = db.execute("SELECT node, key, inputs, outputs FROM studio_parse_cache").fetchall()
    return {
        str(node): (str(key), ParsedIO(tuple(json.loads(i)), tuple(json.loads(o))))
        for node, key, i, o in rows
    }


def store_io(db: sqlite_utils.Database, entries: Iterable[tuple[str, str, ParsedIO]]) -> None:
    db.conn.executemany(
        "INSERT INTO studio_parse_cache (node, key, inputs, outputs) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(node) DO UPDATE SET key = excluded.key, inputs = excluded.inputs, "
        "outputs = excluded.outputs",
        [(n, k, json.dumps(list(p.inputs)), json.dumps(list(p.outputs))) for n, k, p in entries],
    )
