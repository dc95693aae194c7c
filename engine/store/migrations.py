"""Versioned schema migrations of state.db. Never edit an applied migration: add a new one."""

from __future__ import annotations

import sqlite_utils
from sqlite_utils.migrations import Migrations

MIGRATIONS = Migrations("maxworks")


@MIGRATIONS()
def m001_workspace_meta(db: sqlite_utils.Database) -> None:
    db.table("workspace_meta").create({"key": str, "value": str}, pk="key")


@MIGRATIONS()
def m002_query_history(db: sqlite_utils.Database) -> None:
    # Every ad-hoc SQL run, with who ran it and what it touched (later: audit, Data Map "last access").
    db.table("query_history").create(
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
    db.table("query_history").create_index(["started_at"])


@MIGRATIONS()
def m003_studio(db: sqlite_utils.Database) -> None:
    # Stable ids for node names ($nodeid), kept across renames of the files and undeploys.
    db.table("nodes").create({"id": int, "name": str, "created_at": str}, pk="id")
    db.table("nodes").create_index(["name"], unique=True)
    # Immutable snapshots made by commit. change: new | modify | delete.
    db.table("node_versions").create(
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
    db.table("node_versions").create_index(["node_id", "version"], unique=True)
    # What production runs: one row per deployed node, pointing at an immutable version.
    db.table("deployed").create(
        {"node_id": int, "version": int, "spec": str, "deployed_by": str, "deployed_at": str},
        pk="node_id",
        foreign_keys=[("node_id", "nodes", "id")],
    )
    db.table("deployments").create(
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
    db.table("deployments").create_index(["node_id", "deployed_at"])


@MIGRATIONS()
def m004_scheduler(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        CREATE TABLE instances (
            id INTEGER PRIMARY KEY,
            node_id INTEGER NOT NULL,
            node_name TEXT NOT NULL,
            node_type TEXT NOT NULL,
            version INTEGER NOT NULL,          -- deployed version (test runs: 0 = working copy)
            dag_type INTEGER NOT NULL,          -- 0 recurring, 1 manual, 2 test, 3 backfill
            dag_id INTEGER NOT NULL DEFAULT 0,  -- backfill / test run id (0 for recurring)
            env TEXT NOT NULL,                  -- prod | dev
            bizdate TEXT NOT NULL,              -- YYYYMMDD
            cyctime TEXT NOT NULL,              -- YYYY-MM-DD HH:MM:SS, workspace time zone
            state INTEGER NOT NULL,             -- engine.scheduler.model.State
            sched_type INTEGER NOT NULL,        -- engine.scheduler.model.SchedType
            frozen INTEGER NOT NULL DEFAULT 0,  -- instance-level freeze (blocks it and descendants)
            forced_success INTEGER NOT NULL DEFAULT 0,
            kill_requested INTEGER NOT NULL DEFAULT 0,
            billable INTEGER NOT NULL DEFAULT 1,    -- 0: DataStudio test runs (never billed)
            pending_upstream INTEGER NOT NULL DEFAULT 0,
            priority INTEGER NOT NULL,
            resource_group TEXT NOT NULL,
            run_no INTEGER NOT NULL DEFAULT 0,
            rerun_mode TEXT NOT NULL DEFAULT 'always',
            retries_left INTEGER NOT NULL DEFAULT 0,
            retry_interval_minutes INTEGER NOT NULL DEFAULT 0,
            next_try_at TEXT,                   -- auto-rerun: not before this time
            timeout_minutes INTEGER NOT NULL DEFAULT 0,
            spec_override TEXT,                 -- test runs of the working copy: the NodeSpec JSON
            params TEXT NOT NULL DEFAULT '{}',  -- resolved at generation (JSON)
            outputs TEXT,                       -- assignment node outputs (JSON)
            handle TEXT,                        -- executor job id, stored before waiting
            leader TEXT,                        -- lease holder that started the current run
            error TEXT,
            created_at TEXT NOT NULL,
            wait_time_at TEXT,
            wait_res_at TEXT,
            started_at TEXT,
            finished_at TEXT
        );
        CREATE UNIQUE INDEX instances_identity ON instances (dag_type, dag_id, node_id, cyctime);
        CREATE INDEX instances_bizdate_state ON instances (bizdate, state, id);
        CREATE INDEX instances_active ON instances (state, pending_upstream) WHERE state < 5;
        CREATE INDEX instances_node_cyctime ON instances (node_id, dag_type, cyctime);
        CREATE INDEX instances_dag ON instances (dag_id, dag_type);
        CREATE INDEX instances_state_id ON instances (state, id);

        CREATE TABLE instance_deps (
            instance_id INTEGER NOT NULL,
            upstream_id INTEGER NOT NULL,
            cross_cycle INTEGER NOT NULL DEFAULT 0,
            via TEXT,                           -- the upstream output name (branch selection)
            removed INTEGER NOT NULL DEFAULT 0, -- "remove upstream dependencies" (emergency op)
            PRIMARY KEY (instance_id, upstream_id)
        ) WITHOUT ROWID;
        CREATE INDEX instance_deps_upstream ON instance_deps (upstream_id, instance_id);

        CREATE TABLE generated_days (day TEXT PRIMARY KEY, generated_at TEXT NOT NULL, instances INTEGER NOT NULL);

        CREATE TABLE backfills (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            root TEXT NOT NULL,
            nodes TEXT NOT NULL,        -- JSON list of node names (selected)
            excluded TEXT NOT NULL,     -- JSON list (dry-run)
            ranges TEXT NOT NULL,       -- JSON list of [from, to] bizdates
            parallel INTEGER NOT NULL,
            descending INTEGER NOT NULL,
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL
        );

        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            code TEXT NOT NULL,          -- DataWorks event code, e.g. instance-status-changes
            instance_id INTEGER,
            node_name TEXT,
            operator TEXT NOT NULL,
            data TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX events_instance ON events (instance_id, id);
        CREATE INDEX events_code ON events (code, id);

        CREATE TABLE usage_ledger (
            instance_id INTEGER NOT NULL,
            run_no INTEGER NOT NULL,
            day TEXT NOT NULL,           -- the day the billable run succeeded
            dag_type INTEGER NOT NULL,
            env TEXT NOT NULL,
            PRIMARY KEY (instance_id, run_no)
        ) WITHOUT ROWID;
        CREATE INDEX usage_ledger_day ON usage_ledger (day);

        CREATE TABLE leases (
            name TEXT PRIMARY KEY,
            holder TEXT NOT NULL,
            pid INTEGER NOT NULL,
            host TEXT NOT NULL,
            acquired_at REAL NOT NULL,
            heartbeat_at REAL NOT NULL,
            expires_at REAL NOT NULL
        );

        CREATE TABLE node_freezes (node_name TEXT PRIMARY KEY, frozen_by TEXT NOT NULL, frozen_at TEXT NOT NULL);
        """
    )


@MIGRATIONS()
def m005_studio_parse_cache(db: sqlite_utils.Database) -> None:
    # Dependencies auto-parsed from each node's code, keyed by a hash of what they depend on
    # (code, params, type, projects, parser version): building the DAG of 10^4 nodes must not
    # re-parse every script. One row per node name, so the table never outgrows the workspace.
    db.table("studio_parse_cache").create(
        {"node": str, "key": str, "inputs": str, "outputs": str}, pk="node"
    )


@MIGRATIONS()
def m006_datamap(db: sqlite_utils.Database) -> None:
    # Data Map (engine.datamap): the metadata collected from each project's engine, a full-text
    # index over it, access times, favourites, and lineage parsed from the deployed SQL.
    db.executescript(
        """
        CREATE TABLE dm_tables (
            id INTEGER PRIMARY KEY,             -- also the rowid of dm_search
            project TEXT NOT NULL,
            name TEXT NOT NULL,
            env TEXT NOT NULL,                  -- dev | prod: the environment of the project
            comment TEXT,
            owner TEXT,
            lifecycle INTEGER,                  -- days; NULL = kept forever
            is_view INTEGER NOT NULL DEFAULT 0,
            partitioned INTEGER NOT NULL DEFAULT 0,
            partition_count INTEGER NOT NULL DEFAULT 0,
            row_count INTEGER,
            size_bytes INTEGER,
            created_at TEXT,
            modified_at TEXT,                   -- last data change
            collected_at TEXT NOT NULL
        );
        CREATE UNIQUE INDEX dm_tables_name ON dm_tables (project, name);
        CREATE INDEX dm_tables_short_name ON dm_tables (name);
        CREATE INDEX dm_tables_owner ON dm_tables (owner);
        CREATE TABLE dm_columns (
            table_id INTEGER NOT NULL,
            pos INTEGER NOT NULL,
            name TEXT NOT NULL,
            type TEXT NOT NULL,
            comment TEXT,
            is_partition INTEGER NOT NULL,
            PRIMARY KEY (table_id, pos)
        ) WITHOUT ROWID;
        CREATE TABLE dm_partitions (
            table_id INTEGER NOT NULL,
            spec TEXT NOT NULL,
            row_count INTEGER,
            size_bytes INTEGER,
            created_at TEXT,
            modified_at TEXT,
            PRIMARY KEY (table_id, spec)
        ) WITHOUT ROWID;
        -- One document per table: its name and comment, and its columns' names and comments.
        CREATE VIRTUAL TABLE dm_search USING fts5(
            name, comment, columns, column_comments, prefix='1 2 3', tokenize='unicode61'
        );
        CREATE TABLE dm_access (
            project TEXT NOT NULL,
            name TEXT NOT NULL,
            read_at TEXT,
            read_by TEXT,
            written_at TEXT,
            written_by TEXT,
            PRIMARY KEY (project, name)
        ) WITHOUT ROWID;
        CREATE TABLE dm_favourites (
            user TEXT NOT NULL,
            project TEXT NOT NULL,
            name TEXT NOT NULL,
            added_at TEXT NOT NULL,
            PRIMARY KEY (user, project, name)
        ) WITHOUT ROWID;
        -- Lineage of the deployed nodes: which version of each node was parsed, what it reads
        -- and writes, and the table and column edges of its statements (project.table names).
        CREATE TABLE dm_node_parse (
            node_id INTEGER PRIMARY KEY,
            node TEXT NOT NULL,
            version INTEGER NOT NULL,
            error TEXT
        );
        CREATE TABLE dm_node_tables (
            node TEXT NOT NULL,
            tbl TEXT NOT NULL,
            role TEXT NOT NULL,                 -- read | write
            PRIMARY KEY (tbl, role, node)
        ) WITHOUT ROWID;
        CREATE INDEX dm_node_tables_node ON dm_node_tables (node);
        CREATE TABLE dm_table_edges (
            source TEXT NOT NULL,
            target TEXT NOT NULL,
            node TEXT NOT NULL,
            PRIMARY KEY (source, target, node)
        ) WITHOUT ROWID;
        CREATE INDEX dm_table_edges_target ON dm_table_edges (target, source);
        CREATE INDEX dm_table_edges_node ON dm_table_edges (node);
        CREATE TABLE dm_column_edges (
            target TEXT NOT NULL,
            target_column TEXT NOT NULL,
            source TEXT NOT NULL,
            source_column TEXT NOT NULL,
            node TEXT NOT NULL,
            PRIMARY KEY (target, target_column, source, source_column, node)
        ) WITHOUT ROWID;
        CREATE INDEX dm_column_edges_source ON dm_column_edges (source, source_column);
        CREATE INDEX dm_column_edges_node ON dm_column_edges (node);
        CREATE TABLE dm_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        """
    )


@MIGRATIONS()
def m007_security(db: sqlite_utils.Database) -> None:
    # Members and roles, permission requests and grants, column classification and the audit log
    # (engine.security). The workspace's creator becomes its Owner: for an existing workspace,
    # the OS user who owns state.db.
    db.executescript(
        """
        CREATE TABLE members (
            user TEXT PRIMARY KEY,
            role TEXT NOT NULL,                 -- engine.security.roles.ROLES
            added_by TEXT NOT NULL,
            added_at TEXT NOT NULL
        );
        CREATE TABLE permission_requests (
            id INTEGER PRIMARY KEY,
            requester TEXT NOT NULL,
            project TEXT NOT NULL,
            table_name TEXT NOT NULL,
            columns TEXT,                       -- JSON list; NULL = the whole table
            action TEXT NOT NULL,               -- select | describe | update
            days INTEGER NOT NULL,              -- validity once granted
            reason TEXT NOT NULL,
            flow TEXT NOT NULL,                 -- approval flow name ('default' or maxworks.toml)
            levels INTEGER NOT NULL,            -- approval levels the flow needs
            level_done INTEGER NOT NULL DEFAULT 0,
            state TEXT NOT NULL,                -- pending | approved | rejected | cancelled
            table_owner TEXT,
            created_at TEXT NOT NULL,
            decided_at TEXT,
            grant_id INTEGER
        );
        CREATE INDEX permission_requests_state ON permission_requests (state, id);
        CREATE INDEX permission_requests_requester ON permission_requests (requester, id);
        CREATE TABLE request_decisions (
            id INTEGER PRIMARY KEY,
            request_id INTEGER NOT NULL REFERENCES permission_requests (id),
            level INTEGER NOT NULL,
            approver TEXT NOT NULL,
            decision TEXT NOT NULL,             -- approve | reject
            reason TEXT NOT NULL,
            at TEXT NOT NULL
        );
        CREATE INDEX request_decisions_request ON request_decisions (request_id, level);
        CREATE TABLE grants (
            id INTEGER PRIMARY KEY,
            user TEXT NOT NULL,
            project TEXT NOT NULL,
            table_name TEXT NOT NULL,
            columns TEXT,                       -- JSON list; NULL = every column
            action TEXT NOT NULL,
            granted_by TEXT NOT NULL,
            granted_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            request_id INTEGER,
            revoked_by TEXT,
            revoked_at TEXT
        );
        CREATE INDEX grants_user_table ON grants (user, project, table_name);
        CREATE TABLE column_classes (
            project TEXT NOT NULL,
            table_name TEXT NOT NULL,
            column TEXT NOT NULL,
            pos INTEGER NOT NULL,
            level INTEGER NOT NULL,             -- 0 public .. 4 most sensitive
            category TEXT,                      -- phone, email, id_card, bank_card, name, ...
            method TEXT,                        -- masking method spec, e.g. partial:3:4
            source TEXT NOT NULL,               -- name | content | manual | none
            classified_at TEXT NOT NULL,
            PRIMARY KEY (project, table_name, column)
        );
        CREATE TABLE view_texts (
            project TEXT NOT NULL,
            name TEXT NOT NULL,
            text TEXT NOT NULL,
            PRIMARY KEY (project, name)
        );
        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            user TEXT NOT NULL,
            os_user TEXT NOT NULL,
            action TEXT NOT NULL,
            target TEXT NOT NULL,
            tables_read TEXT NOT NULL,          -- JSON list
            tables_written TEXT NOT NULL,       -- JSON list
            masked TEXT NOT NULL,               -- JSON list of masked result columns
            outcome TEXT NOT NULL,              -- ok | refused | failed
            detail TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        );
        CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        """
    )
    import os
    import pwd
    import secrets
    from datetime import datetime

    from engine.identity import current_user

    owner = current_user()
    path = next((row[2] for row in db.conn.execute("PRAGMA database_list") if row[1] == "main"), "")
    if path and os.path.exists(path):
        try:
            owner = pwd.getpwuid(os.stat(path).st_uid).pw_name
        except KeyError:
            owner = f"uid{os.stat(path).st_uid}"
    now = datetime.now().replace(microsecond=0).isoformat(sep=" ")
    db.execute(
        "INSERT INTO members (user, role, added_by, added_at) VALUES (?, 'owner', 'maxworks', ?)",
        [owner, now],
    )
    db.execute(
        "INSERT OR REPLACE INTO workspace_meta (key, value) VALUES ('masking_salt', ?)",
        [secrets.token_hex(16)],
    )


@MIGRATIONS()
def m008_datamap_names(db: sqlite_utils.Database) -> None:
    # Data Map: table names and comments indexed apart from the columns, so a search for a word
    # that is in most tables' columns (user_id) finds the tables named after it without reading
    # the columns' long posting lists.
    db.executescript(
        """
        CREATE VIRTUAL TABLE dm_search_names USING fts5(
            name, comment, prefix='1 2 3', tokenize='unicode61'
        );
        INSERT INTO dm_search_names (rowid, name, comment)
            SELECT id, name, coalesce(comment, '') FROM dm_tables;
        """
    )


@MIGRATIONS()
def m009_instances_day_indexes(db: sqlite_utils.Database) -> None:
    # Operation Center's lists: a business date's instances of one kind, newest first, stop after a
    # page (not read every instance of the day and sort); and its counts by state from the index
    # alone. With 10,000 instances a day: page 11 ms -> 0.5 ms, counts 18 ms -> 5 ms.
    db.executescript(
        """
        CREATE INDEX IF NOT EXISTS instances_day_list ON instances (bizdate, dag_type, id);
        CREATE INDEX IF NOT EXISTS instances_day_counts
            ON instances (bizdate, dag_type, state, frozen, sched_type);
        """
    )
