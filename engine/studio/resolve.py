"""From working-copy drafts to resolved snapshots, with auto-parse results cached in state.db.

Parsing SQL is the slow step (about 0.3 ms a statement), and listing, showing or committing one
node needs the DAG of all of them, so each node's parse result is kept with a key that changes
when anything it depends on changes: the code, the parameters, the type, the project names and
the parser itself (sqlglot's version and the source of the dialect, analysis and deps modules).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import sqlite_utils

from engine.errors import SqlError
from engine.store import write_transaction
from engine.studio import versions
from engine.studio.deps import SQL_TYPES, Naming, ParsedIO, parse_io, snapshot
from engine.studio.draft import NodeDraft
from engine.studio.spec import NodeSpec


@dataclass
class Resolved:
    snapshots: dict[str, NodeSpec] = field(default_factory=dict)  # what a commit would store
    parsed: dict[str, ParsedIO] = field(default_factory=dict)
    errors: dict[str, SqlError] = field(default_factory=dict)  # code that does not parse


def resolve(db: sqlite_utils.Database, drafts: Iterable[NodeDraft], naming: Naming) -> Resolved:
    out = Resolved()
    cached = versions.cached_io(db)
    fresh: list[tuple[str, str, ParsedIO]] = []
    for draft in drafts:
        if draft.type in SQL_TYPES and draft.code.strip():
            key = _key(draft, naming)
            hit = cached.get(draft.name)
            if hit is not None and hit[0] == key:
                parsed = hit[1]
            else:
                try:
                    parsed = parse_io(draft.code, draft.type, draft.params, naming)
                except SqlError as err:
                    out.errors[draft.name] = err
                    continue
                fresh.append((draft.name, key, parsed))
        else:
            parsed = ParsedIO()
        out.parsed[draft.name] = parsed
        out.snapshots[draft.name] = snapshot(draft, parsed, naming)
    if fresh:
        with write_transaction(db):
            versions.store_io(db, fresh)
    return out


def _key(draft: NodeDraft, naming: Naming) -> str:
    text = json.dumps(
        [
            _parser_fingerprint(),
            draft.type.value,
            [naming.prod, naming.dev],
            draft.params,
            draft.code,
        ],
        ensure_ascii=False,
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@cache
def _parser_fingerprint() -> str:
    from importlib.metadata import version

    from engine.sql import analysis, dialect, splitter
    from engine.studio import deps

    digest = hashlib.sha256(version("sqlglot").encode())
    for module in (dialect, analysis, splitter, deps):
        digest.update(Path(str(module.__file__)).read_bytes())
    return digest.hexdigest()[:16]
