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
