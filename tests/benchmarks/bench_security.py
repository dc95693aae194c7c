"""What security costs: the table check of a script, a query through Api.run_sql as the Owner
(no analysis) and as a Developer with a grant (analysis + masking), and verifying the audit chain.

    .venv/bin/python tests/benchmarks/bench_security.py [--repeat 30] [--audit-rows 100000]

Side by side in one process; medians. Not run by pytest (tests/benchmarks is excluded).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from engine.api import Api
from engine.security import audit
from engine.security.refs import script_accesses

NOW = datetime(2025, 3, 15, 10, 0, 0)
SETUP = """
CREATE TABLE shop.users (id BIGINT, phone STRING, email STRING, nick STRING COMMENT 'nickname', city STRING);
INSERT INTO shop.users VALUES {rows};
CREATE TABLE shop_dev.t (a BIGINT);
CREATE VIEW shop_dev.v AS SELECT id, phone FROM shop.users;
"""
QUERY = (
    "WITH u AS (SELECT id, phone, email, nick FROM shop.users WHERE city = 'Hangzhou') "
    "SELECT u.id, upper(u.nick) AS n, u.phone, v.phone AS p2 FROM u JOIN v ON u.id = v.id "
    "ORDER BY u.id LIMIT 1000"
)


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm-up
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--audit-rows", type=int, default=100_000)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-security-"))
    ws = Api.init_workspace(root / "ws", project="shop")
    owner = Api(ws, clock=lambda: NOW)
    rows = ", ".join(
        f"({i}, '138{i:08d}', 'u{i}@example.com', 'nick{i}', 'Hangzhou')" for i in range(1, 5001)
    )
    run = owner.run_sql(SETUP.format(rows=rows))
    if run.result.error is not None:
        raise SystemExit(f"setup failed: {run.result.error}")
    owner.security.add_member("dev", "developer")
    dev = Api(ws, user="dev", clock=lambda: NOW)
    owner.security.approve(dev.security.request("shop.users", reason="bench").id)

    script = ";\n".join([QUERY] * 200)
    views = {}
    analysis = median_ms(
        lambda: script_accesses(
            script, default_project="shop_dev", projects={"shop", "shop_dev"}, views=views.get
        ),
        args.repeat,
    )
    print(f"table check of a 200-statement script (CTE + join + view): {analysis:.1f} ms "
          f"({analysis / 200 * 1000:.0f} us per statement)")  # fmt: skip
    owner.run_sql(QUERY)
    dev.run_sql(QUERY)
    samples: dict[str, list[float]] = {"owner": [], "dev": []}
    for _ in range(args.repeat):  # interleaved, so both see the same machine
        for name, api in (("owner", owner), ("dev", dev)):
            t0 = time.perf_counter()
            api.run_sql(QUERY)
            samples[name].append((time.perf_counter() - t0) * 1000)
    as_owner, as_dev = (statistics.median(samples[k]) for k in ("owner", "dev"))
    print(f"run_sql, 1,000 rows: Owner (no analysis, no masking) {as_owner:.1f} ms; "
          f"Developer with a grant (check + lineage + masking of 3 columns) {as_dev:.1f} ms")  # fmt: skip

    db = ws.open_state()
    try:
        t0 = time.perf_counter()
        for i in range(args.audit_rows):
            audit.append(db, at="2025-03-15 10:00:00", user="bench", os_user="bench", action="sql.query",
                         target=f"sql {i}", tables_read=["shop.users"], detail="SELECT 1")  # fmt: skip
        per_append = (time.perf_counter() - t0) / args.audit_rows * 1e6
        t0 = time.perf_counter()
        verdict = audit.verify(db)
        verify_s = time.perf_counter() - t0
    finally:
        db.close()
    print(f"audit: append {per_append:.0f} us per row; verify {verdict.rows:,} rows in {verify_s:.2f} s "
          f"({'intact' if verdict.ok else verdict.reason})")  # fmt: skip


if __name__ == "__main__":
    main()
