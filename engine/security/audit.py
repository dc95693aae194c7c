"""The audit log: every query and every operation, append-only with a hash chain.

Each row stores ``hash = sha256(prev_hash + canonical row)``, the canonical row being its id and
every recorded field as sorted-key JSON. Triggers refuse UPDATE and DELETE; someone who edits the
file anyway (or drops the triggers) is found by ``verify``: an edited row no longer matches its
hash, a deleted, inserted or reordered row breaks the chain, and the row is named.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

import sqlite_utils

from engine.store import write_transaction

GENESIS = "0" * 64
FIELDS = (
    "at", "user", "os_user", "action", "target", "tables_read", "tables_written", "masked",
    "outcome", "detail",
)  # fmt: skip


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: str
    user: str
    os_user: str
    action: str
    target: str
    tables_read: tuple[str, ...]
    tables_written: tuple[str, ...]
    masked: tuple[str, ...]
    outcome: str
    detail: str
    hash: str


@dataclass(frozen=True)
class Verdict:
    ok: bool
    rows: int
    bad_id: int | None = None
    reason: str = ""


def _canonical(row_id: int, values: dict[str, str]) -> str:
    return json.dumps(
        {"id": row_id, **values}, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )


def _digest(prev: str, row_id: int, values: dict[str, str]) -> str:
    return hashlib.sha256((prev + _canonical(row_id, values)).encode()).hexdigest()


def append(
    db: sqlite_utils.Database,
    *,
    at: str,
    user: str,
    os_user: str,
    action: str,
    target: str = "",
    tables_read: Sequence[str] = (),
    tables_written: Sequence[str] = (),
    masked: Sequence[str] = (),
    outcome: str = "ok",
    detail: str = "",
) -> int:
    values = {
        "at": at, "user": user, "os_user": os_user, "action": action, "target": target,
        "tables_read": json.dumps(list(tables_read)), "tables_written": json.dumps(list(tables_written)),
        "masked": json.dumps(list(masked)), "outcome": outcome, "detail": detail[:2000],
    }  # fmt: skip
    with write_transaction(db):
        last = db.conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
        prev, row_id = (GENESIS, 1) if last is None else (str(last[1]), int(last[0]) + 1)
        digest = _digest(prev, row_id, values)
        db.conn.execute(
            f"INSERT INTO audit_log (id, {', '.join(FIELDS)}, prev_hash, hash) "
            f"VALUES (?, {', '.join('?' for _ in FIELDS)}, ?, ?)",
            [row_id, *(values[f] for f in FIELDS), prev, digest],
        )
        # the head, kept apart from the rows: rows cut from the end of the log are found too
        db.conn.execute(
            "INSERT OR REPLACE INTO workspace_meta (key, value) VALUES ('audit_head', ?)",
            [f"{row_id}:{digest}"],
        )
    return row_id


def rows(
    db: sqlite_utils.Database, *, limit: int = 50, before: int | None = None
) -> list[AuditRow]:
    """The newest rows first (keyset-paged by id)."""
    where = "WHERE id < ?" if before is not None else ""
    args = [before] if before is not None else []
    out = []
    for r in db.conn.execute(
        f"SELECT id, {', '.join(FIELDS)}, hash FROM audit_log {where} ORDER BY id DESC LIMIT ?",
        [*args, limit],
    ):
        out.append(
            AuditRow(
                int(r[0]),
                r[1],
                r[2],
                r[3],
                r[4],
                r[5],
                tuple(json.loads(r[6])),
                tuple(json.loads(r[7])),
                tuple(json.loads(r[8])),
                r[9],
                r[10],
                r[11],
            )
        )
    return out


def verify(db: sqlite_utils.Database) -> Verdict:
    """Walk the chain from the first row; the first row that does not fit is named."""
    prev = GENESIS
    expected_id = 1
    count = 0
    cur = db.conn.execute(
        f"SELECT id, {', '.join(FIELDS)}, prev_hash, hash FROM audit_log ORDER BY id"
    )
    for r in cur:
        row_id = int(r[0])
        values = {f: ("" if v is None else str(v)) for f, v in zip(FIELDS, r[1:11], strict=True)}
        stored_prev, stored_hash = str(r[11]), str(r[12])
        count += 1
        if row_id != expected_id:
            what = "missing" if row_id > expected_id else "out of order"
            return Verdict(
                False,
                count,
                row_id,
                f"row {expected_id} is {what} before row {row_id} (deleted or reordered)",
            )
        if stored_prev != prev:
            return Verdict(
                False,
                count,
                row_id,
                f"row {row_id} does not follow row {row_id - 1}: the chain is broken (a row was deleted, inserted or replaced)",
            )
        if _digest(prev, row_id, values) != stored_hash:
            return Verdict(
                False,
                count,
                row_id,
                f"row {row_id} was modified: its content no longer matches its hash",
            )
        prev = stored_hash
        expected_id += 1
    head = db.conn.execute("SELECT value FROM workspace_meta WHERE key = 'audit_head'").fetchone()
    if head is not None:
        head_id, _, head_hash = str(head[0]).partition(":")
        if int(head_id) != expected_id - 1 or head_hash != prev:
            return Verdict(
                False, count, int(head_id),
                f"the log ends at row {expected_id - 1} but row {head_id} was written: rows were cut from the end",
            )  # fmt: skip
    return Verdict(True, count)
