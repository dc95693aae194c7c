"""Searching the Data Map: SQLite FTS5 over table names, comments and column names/comments.

Every word of the query matches as a prefix (``ord`` finds ``orders``), all words must match.
Results come in tiers, best first:

0. a table whose name is exactly the query (``dwd_orders`` or ``shop.dwd_orders``);
1. tables whose name or comment holds every word, ranked by bm25 (name hits weigh most);
2. tables where some word is found only in column names or comments, ranked by bm25.

Filters (project, environment, owner, layer prefix) are joined on ``dm_tables``. When a tier
matches more than ``WINDOW`` tables (a two-letter prefix over 10^5 tables), ranking all of them
would cost more than the search budget: only the first ``WINDOW`` matches in index order are
ranked and the result says ``approximate``; adding a word or a filter makes it exact.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from engine.datamap.records import ColumnMatch, SearchHit, SearchResult, Span

WINDOW = 2000
WEIGHTS = "20.0, 5.0, 2.0, 1.0"  # bm25 weights of name, comment, columns, column_comments
_WORD = re.compile(r"[^\W_]+")  # what the unicode61 tokenizer keeps: letters and digits
_MAX_COLUMNS = 8  # matched columns reported per hit


@dataclass(frozen=True)
class Filters:
    project: str | None = None
    env: str | None = None
    owner: str | None = None
    layer: str | None = None  # a name prefix: ods, dwd_, ...

    def sql(self) -> tuple[str, list[Any]]:
        parts: list[str] = []
        params: list[Any] = []
        if self.project:
            parts.append("t.project = ?")
            params.append(self.project.lower())
        if self.env:
            parts.append("t.env = ?")
            params.append(self.env)
        if self.owner:
            parts.append("t.owner = ?")
            params.append(self.owner)
        if self.layer:
            prefix = self.layer.lower().rstrip("_") + "_"
            parts.append("substr(t.name, 1, ?) = ?")
            params += [len(prefix), prefix]
        return "".join(f" AND {p}" for p in parts), params


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def spans(text: str, terms: Sequence[str]) -> tuple[Span, ...]:
    """Where the words of ``text`` start with one of ``terms`` (the matched prefix only)."""
    found: list[Span] = []
    if not text or not terms:
        return ()
    for m in _WORD.finditer(text):
        token = m.group(0).lower()
        best = max((len(t) for t in terms if token.startswith(t)), default=0)
        if best:
            found.append((m.start(), m.start() + best))
    return tuple(found)


def _match(terms: Sequence[str], columns: str | None = None) -> str:
    body = " AND ".join(f'"{t}"*' for t in terms)
    return f"{{{columns}}} : ({body})" if columns else body


def search(
    db: sqlite_utils.Database,
    query: str,
    filters: Filters = Filters(),
    *,
    limit: int = 50,
    projects: Sequence[str] = (),
) -> SearchResult:
    """The tables matching ``query`` (see the module docstring for the ranking)."""
    started = time.perf_counter()
    text = query.strip()
    head, dot, tail = text.partition(".")
    if dot and not filters.project and head.lower() in {p.lower() for p in projects}:
        filters = Filters(head.lower(), filters.env, filters.owner, filters.layer)
        text = tail
    terms = words(text)
    where, params = filters.sql()
    order: list[tuple[int, str, float]] = []  # (table id, matched, score)
    approximate = False
    if not terms:
        rows = db.execute(
            f"SELECT t.id FROM dm_tables t WHERE 1 = 1{where} ORDER BY t.project, t.name LIMIT ?",
            [*params, limit],
        ).fetchall()
        order = [(int(r[0]), "filter", 0.0) for r in rows]
    else:
        seen: set[int] = set()
        exact = text.lower().replace("`", "")
        if re.fullmatch(r"[\w.]+", exact):
            for r in db.execute(
                f"SELECT t.id FROM dm_tables t WHERE t.name = ?{where} ORDER BY t.project",
                [exact, *params],
            ).fetchall():
                order.append((int(r[0]), "name", 1e9))
                seen.add(int(r[0]))
        for columns, tier in (("name comment", "name"), (None, "column")):
            if len(order) >= limit:
                break
            found, cut = _ranked(db, _match(terms, columns), where, params, limit + len(seen))
            approximate = approximate or cut
            for tid, score in found:
                if tid not in seen:
                    seen.add(tid)
                    order.append((tid, tier, score))
    hits = _hydrate(db, order[:limit], terms)
    elapsed = (time.perf_counter() - started) * 1000
    return SearchResult(query, tuple(hits), approximate, elapsed)


def _ranked(
    db: sqlite_utils.Database, match: str, where: str, params: list[Any], limit: int
) -> tuple[list[tuple[int, float]], bool]:
    base = f"FROM dm_search f JOIN dm_tables t ON t.id = f.rowid WHERE dm_search MATCH ?{where}"
    edge = db.execute(f"SELECT f.rowid {base} LIMIT 1 OFFSET {WINDOW}", [match, *params]).fetchone()
    bound = "" if edge is None else " AND f.rowid <= ?"
    extra = [] if edge is None else [int(edge[0])]
    rows = db.execute(
        f"SELECT f.rowid, bm25(dm_search, {WEIGHTS}) AS score {base}{bound} "
        f"ORDER BY score, t.name LIMIT ?",
        [match, *params, *extra, limit],
    ).fetchall()
    return [(int(r[0]), -float(r[1])) for r in rows], edge is not None


def _hydrate(
    db: sqlite_utils.Database, order: list[tuple[int, str, float]], terms: Sequence[str]
) -> list[SearchHit]:
    if not order:
        return []
    ids = [tid for tid, _, _ in order]
    marks = ",".join("?" for _ in ids)
    rows = {
        int(r[0]): r
        for r in db.execute(
            "SELECT id, project, name, env, comment, owner, lifecycle, row_count, modified_at "
            f"FROM dm_tables WHERE id IN ({marks})",
            ids,
        ).fetchall()
    }
    columns: dict[int, list[ColumnMatch]] = {}
    if terms:
        for tid, name, type_, comment in db.execute(
            f"SELECT table_id, name, type, comment FROM dm_columns WHERE table_id IN ({marks}) "
            "ORDER BY table_id, pos",
            ids,
        ).fetchall():
            name_spans, comment_spans = spans(name, terms), spans(comment or "", terms)
            if (name_spans or comment_spans) and len(columns.get(tid, ())) < _MAX_COLUMNS:
                columns.setdefault(int(tid), []).append(
                    ColumnMatch(name, type_, comment or "", name_spans, comment_spans)
                )
    hits: list[SearchHit] = []
    for tid, matched, score in order:
        r = rows.get(tid)
        if r is None:
            continue
        name, comment = str(r[2]), str(r[4] or "")
        name_spans, comment_spans = spans(name, terms), spans(comment, terms)
        if matched == "name" and not name_spans and comment_spans:
            matched = "comment"
        hits.append(
            SearchHit(
                project=str(r[1]), name=name, env=str(r[3]), comment=comment,
                owner=str(r[5] or ""), lifecycle=r[6], row_count=r[7], modified_at=r[8],
                matched=matched, score=round(score, 4), name_spans=name_spans,
                comment_spans=comment_spans, columns=tuple(columns.get(tid, ())),
            )
        )  # fmt: skip
    return hits
