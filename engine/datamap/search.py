"""Searching the Data Map: SQLite FTS5 over table names, comments and column names/comments.

Every word of the query matches as a prefix (``ord`` finds ``orders``), all words must match;
words joined by ``_`` or ``.`` must be adjacent (``user_id`` matches a column ``user_id``, not a
table with ``user`` in its name and ``id`` somewhere else).
Results come in tiers, best first:

0. a table whose name is exactly the query (``dwd_orders`` or ``shop.dwd_orders``);
1. tables whose name or comment holds every word (index ``dm_search_names``), ranked by bm25
   (name hits weigh most);
2. tables where some word is found only in column names or comments (index ``dm_search``: the
   name, comment, columns and column comments of each table), ranked by bm25.

Filters (project, environment, owner, layer prefix) are joined on ``dm_tables``. When a tier
matches more than ``WINDOW`` tables (a two-letter prefix over 10^5 tables), ranking all of them
would cost more than the search budget: only the first ``WINDOW`` matches in index order (more if
the filters leave too few) are ranked and the result says ``approximate``; another word makes
it exact.
"""

from __future__ import annotations

import re
import time
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import sqlite_utils

from engine.datamap.records import ColumnMatch, SearchHit, SearchResult, Span

WINDOW = 1000
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
        """SQL conditions on ``dm_tables t``. The unary ``+`` keeps SQLite from walking the
        owner or project index (a third of 10^5 tables) instead of the name index or the FTS."""
        parts: list[str] = []
        params: list[Any] = []
        if self.project:
            parts.append("+t.project = ?")
            params.append(self.project.lower())
        if self.env:
            parts.append("+t.env = ?")
            params.append(self.env)
        if self.owner:
            parts.append("+t.owner = ?")
            params.append(self.owner)
        if self.layer:
            prefix = self.layer.lower().rstrip("_") + "_"
            parts.append("t.name >= ? AND t.name < ?")  # a range of the name index
            params += [prefix, prefix[:-1] + chr(ord("_") + 1)]
        return "".join(f" AND {p}" for p in parts), params


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


@lru_cache(maxsize=64)
def _terms_pattern(terms: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
    return re.compile(rf"(?<![^\W_])(?:{alternatives})", re.IGNORECASE)


def spans(text: str, terms: Sequence[str]) -> tuple[Span, ...]:
    """Where the words of ``text`` start with one of ``terms`` (the matched prefix only)."""
    if not text or not terms:
        return ()
    return tuple(m.span() for m in _terms_pattern(tuple(terms)).finditer(text))


def phrases(text: str) -> list[list[str]]:
    """The query's phrases: each whitespace-separated chunk, split into words (``user_id`` is
    the phrase ``user id``: its words must be adjacent, as in a column named user_id)."""
    return [w for chunk in text.split() if (w := words(chunk))]


def _match(groups: Sequence[Sequence[str]]) -> str:
    return " AND ".join(f'"{" ".join(g)}"*' for g in groups)


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
    groups = phrases(text)
    terms = [t for g in groups for t in g]
    where, params = filters.sql()
    order: list[tuple[int, str, float]] = []  # (table id, matched, score)
    approximate = False
    if not terms:
        rows = db.execute(
            f"SELECT t.id FROM dm_tables t WHERE 1 = 1{where} ORDER BY t.name, t.project LIMIT ?",
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
        tiers = [("dm_search_names", "name"), ("dm_search", "column")]
        if seen:  # the query is a table's name: similar names, not columns named like it
            tiers = tiers[:1]
        for index, tier in tiers:
            if len(order) >= limit:
                break
            found, cut = _ranked(db, index, _match(groups), where, params, limit + len(seen))
            approximate = approximate or cut
            for tid, score in found:
                if tid not in seen:
                    seen.add(tid)
                    order.append((tid, tier, score))
    hits = _hydrate(db, order[:limit], terms)
    elapsed = (time.perf_counter() - started) * 1000
    return SearchResult(query, tuple(hits), approximate, elapsed)


def _ranked(
    db: sqlite_utils.Database,
    index: str,
    match: str,
    where: str,
    params: list[Any],
    limit: int,
) -> tuple[list[tuple[int, float]], bool]:
    """The best ``limit`` matches of ``index`` by bm25, among its first ``WINDOW`` matches (more
    while the filters leave fewer than ``limit``); True when some matches were not ranked."""
    weights = WEIGHTS if index == "dm_search" else WEIGHTS.rsplit(",", 2)[0]
    # CROSS JOIN keeps the index outermost: SQLite would otherwise scan a filter's index and
    # run the MATCH once per table.
    base = f"FROM {index} f CROSS JOIN dm_tables t ON t.id = f.rowid WHERE {index} MATCH ?{where}"
    window = WINDOW
    while True:
        edge = db.execute(
            f"SELECT rowid FROM {index} WHERE {index} MATCH ? LIMIT 1 OFFSET {window}", [match]
        ).fetchone()
        bound = "" if edge is None else " AND f.rowid <= ?"
        extra = [] if edge is None else [int(edge[0])]
        rows = db.execute(
            f"SELECT f.rowid, bm25({index}, {weights}) AS score {base}{bound} "
            f"ORDER BY score, t.name, t.env DESC LIMIT ?",  # production first on a tie
            [match, *params, *extra, limit],
        ).fetchall()
        if edge is None or len(rows) >= limit:
            return [(int(r[0]), -float(r[1])) for r in rows], edge is not None
        window *= 4


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
    columns = _matched_columns(db, ids, terms) if terms else {}
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


def _matched_columns(
    db: sqlite_utils.Database, ids: list[int], terms: Sequence[str]
) -> dict[int, list[ColumnMatch]]:
    """The columns of each table that match, found in its search document (one regex pass over
    the document's columns field instead of one per column)."""
    pattern = _terms_pattern(tuple(terms))
    marks = ",".join("?" for _ in ids)
    wanted: dict[int, dict[int, tuple[list[Span], list[Span]]]] = {}
    for tid, names_text, comments_text in db.execute(
        f"SELECT rowid, columns, column_comments FROM dm_search WHERE rowid IN ({marks})", ids
    ).fetchall():
        found: dict[int, tuple[list[Span], list[Span]]] = {}
        for field, text, sep in ((0, names_text, " "), (1, comments_text, "\n")):
            if not text or not pattern.search(text):
                continue
            starts = _starts(text, sep)
            for m in pattern.finditer(text):
                pos = bisect_right(starts, m.start()) - 1
                base = starts[pos]
                found.setdefault(pos, ([], []))[field].append((m.start() - base, m.end() - base))
        if found:
            wanted[int(tid)] = dict(sorted(found.items())[:_MAX_COLUMNS])
    out: dict[int, list[ColumnMatch]] = {}
    for tid, positions in wanted.items():
        marks = ",".join("?" for _ in positions)
        for pos, name, type_, comment in db.execute(
            f"SELECT pos, name, type, comment FROM dm_columns WHERE table_id = ? AND pos IN ({marks}) "
            "ORDER BY pos",
            [tid, *positions],
        ).fetchall():
            name_spans, comment_spans = positions[int(pos)]
            out.setdefault(tid, []).append(
                ColumnMatch(name, type_, comment or "", tuple(name_spans), tuple(comment_spans))
            )
    return out


def _starts(text: str, sep: str) -> list[int]:
    starts = [0]
    i = text.find(sep)
    while i >= 0:
        starts.append(i + len(sep))
        i = text.find(sep, i + len(sep))
    return starts
