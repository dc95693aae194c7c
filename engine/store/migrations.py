"""Versioned schema migrations of state.db. Never edit an applied migration: add a new one."""

from __future__ import annotations

import sqlite_utils
from sqlite_utils.migrations import Migrations

MIGRATIONS = Migrations("maxworks")


@MIGRATIONS()
def m001_workspace_meta(db: sqlite_utils.Database) -> None:
    db["workspace_meta"].create({"key": str, "value": str}, pk="key")


@MIGRATIONS()
def m002_query_history(db: sqlite_utils.Database) -> None:
    # Every ad-hoc SQL run, with who ran it and what it touched (later: audit, Data Map "last access").
    db["query_history"].create(
        {
            "id": int,
            "started_at": str,
            "finished_at": str,
            "user": str,
            "env": str,
            "project": str,
            "engine": str,
            "bizdate": str,
            "statements": int,
            "status": str,  # succeeded | failed
            "error": str,
            "tables_read": str,  # JSON list
            "tables_written": str,  # JSON list
            "script": str,
        },
        pk="id",
    )
    db["query_history"].create_index(["started_at"])


@MIGRATIONS()
def m003_studio(db: sqlite_utils.Database) -> None:
    # Stable ids for node names ($nodeid), kept across renames of the files and undeploys.
    db["nodes"].create({"id": int, "name": str, "created_at": str}, pk="id")
    db["nodes"].create_index(["name"], unique=True)
    # Immutable snapshots made by commit. change: new | modify | delete.
    db["node_versions"].create(
        {
            "id": int,
            "node_id": int,
            "version": int,
            "change": str,
            "spec": str,  # NodeSpec JSON (code + config); NULL-equivalent '' for delete
            "message": str,
            "committed_by": str,
            "committed_at": str,
        },
        pk="id",
        foreign_keys=[("node_id", "nodes", "id")],
    )
    db["node_versions"].create_index(["node_id", "version"], unique=True)
    # What production runs: one row per deployed node, pointing at an immutable version.
    db["deployed"].create(
        {"node_id": int, "version": int, "spec": str, "deployed_by": str, "deployed_at": str},
        pk="node_id",
        foreign_keys=[("node_id", "nodes", "id")],
    )
    db["deployments"].create(
        {
            "id": int,
            "node_id": int,
            "version": int,
            "change": str,  # new | modify | delete (undeploy)
            "message": str,
            "deployed_by": str,
            "deployed_at": str,
        },
        pk="id",
    )
    db["deployments"].create_index(["node_id", "deployed_at"])
