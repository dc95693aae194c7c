"""Permission requests, their approval flow, and the grants they produce (reference §10.1/§10.2).

request -> (one decision per approval level) -> grant with an expiry -> revoke / renew.
Every state change is one write transaction; the requester is notified by an event.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlite_utils

from engine.errors import MaxworksError
from engine.security.config import ApprovalFlow, ApprovalLevel

GRANT_ACTIONS = ("select", "describe", "update")
TS = "%Y-%m-%d %H:%M:%S"
MAX_DAYS = 3650

# event codes (engine.scheduler.events): the requester's notification and the approver's to-do
REQUEST_CREATED = "permission-request-created"
REQUEST_APPROVED = "permission-request-approved"
REQUEST_REJECTED = "permission-request-rejected"
REQUEST_ADVANCED = "permission-request-level-approved"
GRANT_REVOKED = "permission-revoked"
GRANT_RENEWED = "permission-renewed"


@dataclass(frozen=True)
class Request:
    id: int
    requester: str
    project: str
    table: str
    columns: tuple[str, ...] | None
    action: str
    days: int
    reason: str
    flow: str
    levels: int
    level_done: int
    state: str
    table_owner: str | None
    created_at: str
    decided_at: str | None
    grant_id: int | None

    @property
    def qualified(self) -> str:
        return f"{self.project}.{self.table}"

    @property
    def what(self) -> str:
        cols = f" ({', '.join(self.columns)})" if self.columns else ""
        return f"{self.action} on {self.qualified}{cols}"


@dataclass(frozen=True)
class Decision:
    level: int
    approver: str
    decision: str
    reason: str
    at: str


@dataclass(frozen=True)
class Grant:
    id: int
    user: str
    project: str
    table: str
    columns: tuple[str, ...] | None
    action: str
    granted_by: str
    granted_at: str
    expires_at: str
    request_id: int | None
    revoked_by: str | None
    revoked_at: str | None

    @property
    def qualified(self) -> str:
        return f"{self.project}.{self.table}"

    def state(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= now.strftime(TS) else "active"

    def active(self, now: datetime) -> bool:
        return self.state(now) == "active"

    def covers(self, action: str) -> bool:
        return self.action == action or (self.action == "select" and action == "describe")


_REQ_COLS = (
    "id, requester, project, table_name, columns, action, days, reason, flow, levels, level_done, "
    "state, table_owner, created_at, decided_at, grant_id"
)
_GRANT_COLS = (
    "id, user, project, table_name, columns, action, granted_by, granted_at, expires_at, request_id, "
    "revoked_by, revoked_at"
)


def _cols(text: str | None) -> tuple[str, ...] | None:
    return None if text is None else tuple(json.loads(text))


def _request(r: tuple) -> Request:  # type: ignore[type-arg]
    return Request(
        int(r[0]), r[1], r[2], r[3], _cols(r[4]), r[5], int(r[6]), r[7], r[8], int(r[9]),
        int(r[10]), r[11], r[12], r[13], r[14], None if r[15] is None else int(r[15]),
    )  # fmt: skip


def _grant(r: tuple) -> Grant:  # type: ignore[type-arg]
    return Grant(
        int(r[0]), r[1], r[2], r[3], _cols(r[4]), r[5], r[6], r[7], r[8],
        None if r[9] is None else int(r[9]), r[10], r[11],
    )  # fmt: skip


def get_request(db: sqlite_utils.Database, rid: int) -> Request:
    row = db.conn.execute(
        f"SELECT {_REQ_COLS} FROM permission_requests WHERE id = ?", [rid]
    ).fetchone()
    if row is None:
        raise MaxworksError(
            f"permission request {rid} does not exist", hint="`maxworks approvals` lists requests"
        )
    return _request(row)


def list_requests(
    db: sqlite_utils.Database,
    *,
    requester: str | None = None,
    state: str | None = None,
    limit: int = 200,
) -> list[Request]:
    where, args = [], []
    if requester is not None:
        where.append("requester = ?")
        args.append(requester)
    if state is not None:
        where.append("state = ?")
        args.append(state)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    rows = db.conn.execute(
        f"SELECT {_REQ_COLS} FROM permission_requests {clause} ORDER BY id DESC LIMIT ?",
        [*args, limit],
    ).fetchall()
    return [_request(r) for r in rows]


def decisions(db: sqlite_utils.Database, rid: int) -> list[Decision]:
    rows = db.conn.execute(
        "SELECT level, approver, decision, reason, at FROM request_decisions WHERE request_id = ? ORDER BY id",
        [rid],
    ).fetchall()
    return [Decision(int(r[0]), r[1], r[2], r[3], r[4]) for r in rows]


def insert_request(
    db: sqlite_utils.Database, *, requester: str, project: str, table: str,
    columns: tuple[str, ...] | None, action: str, days: int, reason: str, flow: ApprovalFlow,
    table_owner: str | None, now: datetime,
) -> int:  # fmt: skip
    cur = db.conn.execute(
        "INSERT INTO permission_requests (requester, project, table_name, columns, action, days, reason, flow, "
        "levels, level_done, state, table_owner, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 'pending', ?, ?)",
        [requester, project, table, None if columns is None else json.dumps(list(columns)), action, days, reason,
         flow.name, len(flow.levels), table_owner, now.strftime(TS)],
    )  # fmt: skip
    return int(cur.lastrowid or 0)


def level_approvers(level: ApprovalLevel, table_owner: str | None) -> str:
    parts = [f"role {r}" for r in level.roles] + list(level.users)
    if level.table_owner:
        parts.append(f"table owner ({table_owner or 'unknown'})")
    return " or ".join(parts)


def may_approve(level: ApprovalLevel, user: str, role: str | None, table_owner: str | None) -> bool:
    return (
        (role is not None and role in level.roles)
        or user in level.users
        or (level.table_owner and table_owner is not None and user == table_owner)
    )


def record_decision(
    db: sqlite_utils.Database,
    req: Request,
    *,
    approver: str,
    decision: str,
    reason: str,
    now: datetime,
) -> None:
    db.conn.execute(
        "INSERT INTO request_decisions (request_id, level, approver, decision, reason, at) VALUES (?, ?, ?, ?, ?, ?)",
        [req.id, req.level_done + 1, approver, decision, reason, now.strftime(TS)],
    )


def insert_grant(db: sqlite_utils.Database, req: Request, *, granted_by: str, now: datetime) -> int:
    expires = now + timedelta(days=req.days)
    cur = db.conn.execute(
        "INSERT INTO grants (user, project, table_name, columns, action, granted_by, granted_at, expires_at, request_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [req.requester, req.project, req.table, None if req.columns is None else json.dumps(list(req.columns)),
         req.action, granted_by, now.strftime(TS), expires.strftime(TS), req.id],
    )  # fmt: skip
    return int(cur.lastrowid or 0)


def get_grant(db: sqlite_utils.Database, gid: int) -> Grant:
    row = db.conn.execute(f"SELECT {_GRANT_COLS} FROM grants WHERE id = ?", [gid]).fetchone()
    if row is None:
        raise MaxworksError(f"grant {gid} does not exist", hint="`maxworks grants` lists grants")
    return _grant(row)


def list_grants(
    db: sqlite_utils.Database, *, user: str | None = None, limit: int = 500
) -> list[Grant]:
    clause, args = ("WHERE user = ?", [user]) if user is not None else ("", [])
    rows = db.conn.execute(
        f"SELECT {_GRANT_COLS} FROM grants {clause} ORDER BY id DESC LIMIT ?", [*args, limit]
    ).fetchall()
    return [_grant(r) for r in rows]


def grants_for(db: sqlite_utils.Database, user: str, project: str, table: str) -> list[Grant]:
    rows = db.conn.execute(
        f"SELECT {_GRANT_COLS} FROM grants WHERE user = ? AND project = ? AND table_name = ? AND revoked_at IS NULL",
        [user, project, table],
    ).fetchall()
    return [_grant(r) for r in rows]
