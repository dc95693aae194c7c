"""Data Map search at scale: 100,000 tables and 2,000,000 columns in a real state.db.

    .venv/bin/python tests/benchmarks/bench_datamap.py [--tables 100000] [--columns 20]
        [--queries 25] [--repeat 5] [--keep DIR] [--strict]

Builds a synthetic catalog in a temporary state.db (the real migrations, the real ``dm_search``
FTS5 index): tables named ``<layer>_<word>_<word>_<di|df|hi>`` over two projects (dev and prod)
and three owners, each with ``--columns`` columns (a third of them common names such as
``user_id`` or ``amount``), English comments. Then times ``engine.datamap.search.search`` (the
function behind ``Api.datamap.search``, hits hydrated with highlights, limit 50) for several
kinds of query, each kind over ``--queries`` different queries repeated ``--repeat`` times, and
prints the median and p90 per kind. Target: <= 20 ms per query (``--strict`` exits 2 if a
kind's median misses it).
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from engine.datamap.search import Filters, search  # noqa: E402
from engine.datamap.store import document  # noqa: E402
from engine.store.db import open_state  # noqa: E402

TARGET_MS = 20.0
LAYERS = ("ods", "dwd", "dws", "ads", "dim")
OWNERS = ("alice", "bob", "carol")
BUSINESS = (
    "order", "orders", "payment", "refund", "user", "member", "item", "sku", "shop", "store",
    "coupon", "campaign", "traffic", "session", "click", "search", "cart", "logistics", "delivery",
    "warehouse", "inventory", "supplier", "price", "promotion", "review", "rating", "category",
    "brand", "channel", "device", "region", "city", "province", "country", "invoice", "ledger",
    "account", "balance", "transfer", "risk", "fraud", "credit", "loan", "repay", "visit", "page",
    "event", "install", "retention", "revenue", "profit", "cost", "budget", "employee", "salary",
)  # fmt: skip
COMMON_COLUMNS = (
    "user_id", "order_id", "item_id", "shop_id", "amount", "status", "gmt_create",
    "gmt_modified", "is_deleted", "city_code", "province_code", "channel", "device_type",
)  # fmt: skip


def _words(rng: random.Random, n: int) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    out: set[str] = set()
    while len(out) < n:
        out.add("".join(rng.choice(letters) for _ in range(rng.randint(4, 9))))
    return sorted(out)


def build(path: Path, tables: int, columns: int, seed: int = 7) -> dict[str, list[str]]:
    """Fill a new state.db; returns the vocabulary the queries draw from."""
    rng = random.Random(seed)
    rare = _words(rng, 4000)
    vocab = list(BUSINESS) + rare
    db = open_state(path, create=True)
    conn = db.conn
    conn.execute("BEGIN")
    t_rows, c_rows, s_rows = [], [], []
    names: list[str] = []
    taken: set[str] = set()
    for tid in range(1, tables + 1):
        layer = LAYERS[tid % len(LAYERS)]
        name = ""
        while not name or name in taken:  # unique, with no made-up numbers in it
            parts = [rng.choice(vocab) for _ in range(2 if len(taken) < tables // 2 else 3)]
            name = f"{layer}_{'_'.join(parts)}_{rng.choice(('di', 'df', 'hi'))}"
        taken.add(name)
        project = "shop" if tid % 2 else "shop_dev"
        comment = " ".join(rng.choices(vocab, k=6))
        cols: list[tuple[str, str]] = []
        for pos in range(columns):
            if rng.random() < 0.33:
                cname = rng.choice(COMMON_COLUMNS)
                cname = f"{cname}_{pos}" if any(c == cname for c, _ in cols) else cname
            else:
                cname = f"{rng.choice(vocab)}_{rng.choice(vocab)}_{pos}"
            cols.append((cname, " ".join(rng.choices(vocab, k=4))))
        t_rows.append(
            (tid, project, name, "prod" if tid % 2 else "dev", comment, OWNERS[tid % 3], 30,
             0, 1, 1, 1000, None, "2025-03-14 01:00:00", "2025-03-14 01:00:00", "2025-03-15 10:00:00")
        )  # fmt: skip
        c_rows += [(tid, pos, c, "STRING", cc, 0) for pos, (c, cc) in enumerate(cols)]
        s_rows.append((tid, *document(name, comment, cols)))
        names.append(name)
        if len(t_rows) >= 5000:
            _flush(conn, t_rows, c_rows, s_rows)
    _flush(conn, t_rows, c_rows, s_rows)
    conn.execute("INSERT INTO dm_meta (key, value) VALUES ('collected_at', '2025-03-15 10:00:00')")
    conn.execute("COMMIT")
    db.close()
    return {"vocab": vocab, "rare": rare, "names": names}


def _flush(conn, t_rows: list, c_rows: list, s_rows: list) -> None:  # type: ignore[no-untyped-def]
    conn.executemany(
        "INSERT INTO dm_tables (id, project, name, env, comment, owner, lifecycle, is_view, "
        "partitioned, partition_count, row_count, size_bytes, created_at, modified_at, "
        "collected_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        t_rows,
    )
    conn.executemany("INSERT INTO dm_columns VALUES (?, ?, ?, ?, ?, ?)", c_rows)
    conn.executemany(
        "INSERT INTO dm_search (rowid, name, comment, columns, column_comments) "
        "VALUES (?, ?, ?, ?, ?)",
        s_rows,
    )
    conn.executemany(
        "INSERT INTO dm_search_names (rowid, name, comment) VALUES (?, ?, ?)",
        [r[:3] for r in s_rows],
    )
    t_rows.clear()
    c_rows.clear()
    s_rows.clear()


def kinds(
    v: dict[str, list[str]], rng: random.Random, n: int
) -> dict[str, list[tuple[str, Filters]]]:
    rare, names = v["rare"], v["names"]
    none = Filters()
    pick = lambda seq: [rng.choice(seq) for _ in range(n)]  # noqa: E731
    return {
        "exact table name": [(x, none) for x in pick(names)],
        "rare word": [(x, none) for x in pick(rare)],
        "as-you-type 3 letters": [(x[:3], none) for x in pick(list(BUSINESS))],
        "as-you-type 2 letters": [(x[:2], none) for x in pick(list(BUSINESS))],
        "as-you-type 1 letter": [(x[:1], none) for x in pick(list(BUSINESS))],
        "business word": [(x, none) for x in pick(list(BUSINESS))],
        "two words": [(f"{a} {b}", none) for a, b in zip(pick(list(BUSINESS)), pick(list(BUSINESS)), strict=True)],
        "common column name": [(x, none) for x in pick(list(COMMON_COLUMNS))],
        "word + project + layer": [(x, Filters(project="shop", layer=rng.choice(LAYERS))) for x in pick(list(BUSINESS))],
        "word + owner + env": [(x, Filters(owner=rng.choice(OWNERS), env="prod")) for x in pick(list(BUSINESS))],
        "no match": [(f"zz{x}qq", none) for x in pick(rare)],
        "filters only": [("", Filters(layer=rng.choice(LAYERS), owner=rng.choice(OWNERS))) for _ in range(n)],
    }  # fmt: skip


def measure(fn: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--tables", type=int, default=100_000)
    ap.add_argument("--columns", type=int, default=20)
    ap.add_argument("--queries", type=int, default=25)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--keep", type=Path, help="build the state.db here and keep it")
    ap.add_argument("--strict", action="store_true")
    args = ap.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench_datamap_"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "state.db"
    if path.exists():
        path.unlink()
    started = time.perf_counter()
    vocab = build(path, args.tables, args.columns)
    size = path.stat().st_size / 1e6
    print(
        f"built {args.tables:,} tables, {args.tables * args.columns:,} columns in "
        f"{time.perf_counter() - started:.1f} s ({size:.0f} MB state.db)"
    )
    db = open_state(path)
    rng = random.Random(11)
    search(db, "order", limit=50)  # warm the page cache
    print(
        f"{'query kind':26} {'median ms':>10} {'p90 ms':>8} {'max ms':>8} {'hits':>5} {'approx':>6}"
    )
    missed = []
    try:
        for kind, queries in kinds(vocab, rng, args.queries).items():
            samples: list[float] = []
            hits: list[int] = []
            approx = 0
            for text, flt in queries:
                result = search(db, text, flt, limit=50, projects=("shop", "shop_dev"))
                hits.append(len(result.hits))
                approx += result.approximate
                samples += measure(
                    lambda t=text, f=flt: search(db, t, f, limit=50, projects=("shop", "shop_dev")),
                    args.repeat,
                )  # type: ignore[misc]
            samples.sort()
            med = statistics.median(samples)
            p90 = samples[int(len(samples) * 0.9) - 1]
            print(
                f"{kind:26} {med:10.2f} {p90:8.2f} {samples[-1]:8.2f} "
                f"{statistics.median(hits):5.0f} {approx:>3}/{len(queries)}"
            )
            if med > TARGET_MS:
                missed.append(kind)
    finally:
        db.close()
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    if missed:
        print(f"median above {TARGET_MS:.0f} ms: {', '.join(missed)}")
    return 2 if missed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
