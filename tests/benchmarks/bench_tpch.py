"""TPC-H on the embedded engine: maxworks (ODPS SQL -> sqlglot -> DuckDB) vs native DuckDB SQL.

    .venv/bin/python tests/benchmarks/bench_tpch.py --sf 1 --repeat 5

1. Generates the TPC-H data once with ``tpch_gen`` into ``tests/benchmarks/.data/`` (cached,
   git-ignored) and loads the same data into a cached maxworks workspace there (project
   ``tpch``, basic mode): tables created by the ODPS DDL through the executor, then filled in
   bulk from the generated file (ATTACH + INSERT ... SELECT inside the project's DuckDB file).
2. For every query: one untimed warm-up run of each path whose results are compared, then
   ``--repeat`` interleaved timed runs: native, maxworks, translated, native, maxworks, ...

   * native     - ``NATIVE[q]`` on the executor's own DuckDB connection (same database,
                  same buffer pool, same threads as maxworks);
   * maxworks   - ``ODPS[q]`` through ``LocalExecutor.run_script`` (split, parse, catalog
                  lookups and guards, translation, execution, fetch); the executor keeps the
                  translation of a query for its next run (``plan_cache``), so the timed runs
                  skip parse + translate unless ``--no-plan-cache``;
   * translated - the DuckDB SQL maxworks generated for ``ODPS[q]``, run directly: separates
                  "the translated SQL is slower" from "the executor adds overhead".
3. Prints per-query medians, the ratio maxworks/native per query and in total (sum of
   medians), and the parse + translate time per statement (median/max over the queries).

Exit status: 0 when every maxworks result equals the native one, 1 otherwise (2 with
``--strict`` when a target is missed: total ratio <= 1.10, translation <= 5 ms/statement).
Without the executor (``--native-only`` or engine.executors.local missing) only the native
half runs, on the generated file.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
for p in (str(HERE), str(REPO)):
    if p not in sys.path:
        sys.path.insert(0, p)

import duckdb  # noqa: E402
import tpch_gen  # noqa: E402
import tpch_queries  # noqa: E402

DATA_DIR = HERE / ".data"
PROJECT = "tpch"
TARGET_RATIO = 1.10
TARGET_TRANSLATE_MS = 5.0
Rows = list[tuple[Any, ...]]


# -- data -------------------------------------------------------------------------------------
def data_file(sf: float, seed: int) -> Path:
    return DATA_DIR / f"tpch_sf{sf:g}_s{seed}_v{tpch_gen.GEN_VERSION}.duckdb"


def ensure_data(sf: float, seed: int, *, rebuild: bool = False) -> tuple[Path, float | None]:
    """The cached generated file, (re)generated when missing; returns (path, seconds or None)."""
    path = data_file(sf, seed)
    if path.exists() and not rebuild:
        return path, None
    print(f"generating TPC-H SF {sf:g} -> {path.relative_to(REPO)} ...", flush=True)
    t0 = time.perf_counter()
    counts = tpch_gen.generate_file(path, sf, seed=seed)
    dt = time.perf_counter() - t0
    print(f"  generated in {dt:.1f} s: " + ", ".join(f"{t} {n:,}" for t, n in counts.items()))
    return path, dt


def source_counts(path: Path) -> dict[str, int]:
    conn = duckdb.connect(str(path), read_only=True)
    try:
        return {
            t: int(conn.execute(f"SELECT count(*) FROM main.{t}").fetchone()[0])  # type: ignore[index]
            for t in tpch_gen.TABLES
        }
    finally:
        conn.close()


# -- the maxworks side --------------------------------------------------------------------------
@dataclass
class MaxworksRun:
    rows: Rows
    translate_ms: float  # as reported by the executor for the statement
    elapsed_ms: float  # as reported by the executor for the statement


@dataclass
class Maxworks:
    """A workspace holding the TPC-H tables and an open LocalExecutor on it."""

    root: Path
    executor: Any = None
    load_seconds: float | None = None
    _stack: list[Any] = field(default_factory=list)

    def open(self, source: Path, *, rebuild: bool = False, plan_cache: bool = True) -> None:
        from engine.executors.local.executor import LocalExecutor
        from engine.workspace import Workspace

        expected = source_counts(source)
        ws = None
        if self.root.exists() and not rebuild:
            try:
                ws = Workspace.load(self.root)
                ex = LocalExecutor(ws, "prod", result_limit=10_000_000)
                ex.connect()
                if self._counts(ex) != expected:
                    ex.close()
                    ws = None
                else:
                    self.executor = ex
            except Exception as err:  # a stale or half-built cache: rebuild it
                print(f"  cached workspace unusable ({type(err).__name__}: {err}); rebuilding")
                ws = None
        if ws is None:
            shutil.rmtree(self.root, ignore_errors=True)
            t0 = time.perf_counter()
            ws = Workspace.init(self.root, project=PROJECT, mode="basic")
            ex = LocalExecutor(ws, "prod", result_limit=10_000_000)
            ex.connect()
            self._load(ex, source)
            self.load_seconds = time.perf_counter() - t0
            got = self._counts(ex)
            if got != expected:
                raise SystemExit(f"loading the workspace failed: {got} != {expected}")
            self.executor = ex
        if not plan_cache:
            self.executor.plan_cache = None

    @staticmethod
    def _counts(ex: Any) -> dict[str, int]:
        conn = ex.connect()
        out = {}
        for t in tpch_gen.TABLES:
            try:
                out[t] = int(
                    conn.execute(f'SELECT count(*) FROM "{PROJECT}".main.{t}').fetchone()[0]
                )
            except duckdb.Error:
                out[t] = -1
        return out

    @staticmethod
    def _load(ex: Any, source: Path) -> None:
        """CREATE TABLE through maxworks (ODPS DDL), then bulk INSERT from the generated file."""
        result = ex.run_script("\n".join(tpch_gen.ODPS_DDL.values()))
        if not result.ok:
            raise SystemExit(f"creating the TPC-H tables through maxworks failed: {result.error}")
        conn = ex.connect()
        src = str(source).replace("'", "''")
        conn.execute(f"ATTACH '{src}' AS tpch_src (READ_ONLY)")
        try:
            for t in tpch_gen.TABLES:
                conn.execute(f'INSERT INTO "{PROJECT}".main.{t} SELECT * FROM tpch_src.main.{t}')
        finally:
            conn.execute("DETACH tpch_src")
        conn.execute(f'CHECKPOINT "{PROJECT}"')
        conn.execute(f'USE "{PROJECT}"')

    def close(self) -> None:
        if self.executor is not None:
            self.executor.close()
            self.executor = None

    @property
    def conn(self) -> duckdb.DuckDBPyConnection:
        """The executor's DuckDB connection (USE "tpch" done): the native path runs here too."""
        conn: duckdb.DuckDBPyConnection = self.executor.connect()
        return conn

    def run(self, query_text: str) -> MaxworksRun:
        """Run one ODPS statement through the executor; its rows."""
        result = self.executor.run_script(query_text)
        if not result.ok:
            raise RuntimeError(f"maxworks: {result.error}")
        last = result.last_query
        if last is None:
            raise RuntimeError("maxworks: the statement returned no result set")
        if last.truncated:
            raise RuntimeError("maxworks: the result was truncated by the executor's row limit")
        return MaxworksRun(list(last.rows), last.translate_ms, last.elapsed_ms)

    def translated_sql(self, query_text: str) -> str:
        """The DuckDB SQL the executor generates for ``query_text`` (same steps as run_query)."""
        from sqlglot import exp

        from engine.executors.local.reads import prepare_reads, to_sql
        from engine.sql import analysis
        from engine.sql.dialect import parse_statement

        session = self.executor.session()
        tree = parse_statement(query_text)
        prepare_reads(session, tree, 1)
        first = tree
        while isinstance(first, exp.SetOperation):
            first = first.this
        if isinstance(first, exp.Select):
            analysis.name_expressions(first)
        return str(to_sql(session, tree))


_MAXWORKS: Maxworks | None = None


def run_maxworks(query_text: str) -> Rows:
    """ODPS query text -> rows, through maxworks' local executor (the bench's maxworks half)."""
    assert _MAXWORKS is not None, "open the workspace first"
    return _MAXWORKS.run(query_text).rows


# -- translation time -------------------------------------------------------------------------
def translation_times(query_text: str, n: int) -> tuple[float, float]:
    """Median (parse_ms, translate_ms) over ``n`` runs: MaxCompute parse with the project's
    dialect, then ``to_duckdb`` + DuckDB SQL generation (tables not renamed: no catalog), the
    generation working on the translated tree itself as the executor's does (no copy)."""
    from engine.sql.dialect import parse_statement
    from engine.sql.functions import TranslateContext, to_duckdb

    ctx = TranslateContext()
    parse, trans = [], []
    for _ in range(n):
        t0 = time.perf_counter()
        tree = parse_statement(query_text)
        t1 = time.perf_counter()
        to_duckdb(tree, ctx).sql(dialect="duckdb", copy=False)
        t2 = time.perf_counter()
        parse.append((t1 - t0) * 1000)
        trans.append((t2 - t1) * 1000)
    return statistics.median(parse), statistics.median(trans)


# -- timing ------------------------------------------------------------------------------------
def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return (time.perf_counter() - t0) * 1000, out


def native_runner(conn: duckdb.DuckDBPyConnection, sql: str) -> Callable[[], Rows]:
    return lambda: conn.execute(sql).fetchall()


@dataclass
class QueryStats:
    name: str
    rows: int = 0
    native: list[float] = field(default_factory=list)
    maxworks: list[float] = field(default_factory=list)
    translated: list[float] = field(default_factory=list)
    exec_translate_ms: list[float] = field(default_factory=list)
    parse_ms: float = 0.0
    translate_ms: float = 0.0
    check: str = ""
    ok: bool = True

    @staticmethod
    def med(xs: list[float]) -> float:
        return statistics.median(xs) if xs else float("nan")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="TPC-H: maxworks vs native DuckDB")
    ap.add_argument("--sf", type=float, default=1.0, help="scale factor (default 1)")
    ap.add_argument("--repeat", type=int, default=5, help="timed runs per path (default 5)")
    ap.add_argument("--seed", type=int, default=tpch_gen.DEFAULT_SEED)
    ap.add_argument("--queries", nargs="*", help="subset, e.g. q1 q6 (default: all)")
    ap.add_argument("--native-only", action="store_true", help="skip the maxworks half")
    ap.add_argument("--no-translated", action="store_true", help="skip the translated path")
    ap.add_argument("--rebuild", action="store_true", help="regenerate data and workspace")
    ap.add_argument("--translate-runs", type=int, default=21, help="runs per translation timing")
    ap.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    ap.add_argument("--strict", action="store_true", help="exit 2 when a target is missed")
    ap.add_argument(
        "--no-plan-cache",
        action="store_true",
        help="translate every maxworks run anew (the executor keeps no query translations)",
    )
    ap.add_argument(
        "--rotate",
        action="store_true",
        help="rotate the order of the paths every round (balances position effects)",
    )
    ap.add_argument(
        "--breakdown",
        type=int,
        metavar="N",
        default=0,
        help="afterwards, run every query N more times through maxworks with timers on the "
        "executor's stages and print where the time per statement goes",
    )
    ns = ap.parse_args(argv)
    queries = ns.queries or list(tpch_queries.QUERIES)
    unknown = [q for q in queries if q not in tpch_queries.ODPS]
    if unknown:
        ap.error(f"unknown queries: {unknown}")

    source, gen_seconds = ensure_data(ns.sf, ns.seed, rebuild=ns.rebuild)

    global _MAXWORKS
    with_mw = not ns.native_only
    if with_mw:
        try:
            import engine.executors.local.executor  # noqa: F401
        except ImportError as err:
            print(f"maxworks' local executor is not available ({err}): native only")
            with_mw = False
    native_conn: duckdb.DuckDBPyConnection
    if with_mw:
        ws_root = DATA_DIR / f"ws_sf{ns.sf:g}_s{ns.seed}_v{tpch_gen.GEN_VERSION}"
        _MAXWORKS = Maxworks(ws_root)
        _MAXWORKS.open(source, rebuild=ns.rebuild, plan_cache=not ns.no_plan_cache)
        if _MAXWORKS.load_seconds is not None:
            print(
                f"loaded the workspace {ws_root.relative_to(REPO)} in {_MAXWORKS.load_seconds:.1f} s"
            )
        native_conn = _MAXWORKS.conn
    else:
        native_conn = duckdb.connect(str(source), read_only=True)
    with_tr = with_mw and not ns.no_translated
    threads = native_conn.execute("SELECT current_setting('threads')").fetchone()[0]  # type: ignore[index]
    print(
        f"TPC-H SF {ns.sf:g}, {len(queries)} queries, repeat {ns.repeat}, DuckDB "
        f"{duckdb.__version__} ({threads} threads), order per round: native"
        + (", maxworks" if with_mw else "")
        + (", translated" if with_tr else "")
        + (
            ""
            if not with_mw
            else "; maxworks plan cache "
            + ("off" if _MAXWORKS is not None and _MAXWORKS.executor.plan_cache is None else "on")
        )
    )

    stats: list[QueryStats] = []
    failures = 0
    for q in queries:
        st = QueryStats(q)
        stats.append(st)
        native = native_runner(native_conn, tpch_queries.NATIVE[q])
        _, expected = timed(native)  # warm-up + reference result
        st.rows = len(expected)
        paths: list[tuple[list[float], Callable[[], Any]]] = [(st.native, native)]
        if with_mw:
            assert _MAXWORKS is not None
            mw = _MAXWORKS
            odps_text = tpch_queries.ODPS[q]
            try:
                first = mw.run(odps_text)
                st.ok, st.check = tpch_queries.compare(expected, first.rows)
                if st.ok:  # the second run takes the kept translation (plan cache): check it too
                    again_ok, again_why = tpch_queries.compare(expected, mw.run(odps_text).rows)
                    if not again_ok:
                        st.ok, st.check = False, f"second maxworks run: {again_why}"
                sql = mw.translated_sql(odps_text)
                if with_tr:
                    tr_rows = native_runner(native_conn, sql)()
                    tr_ok, tr_why = tpch_queries.compare(expected, tr_rows)
                    if not tr_ok:
                        st.ok, st.check = False, f"translated SQL: {tr_why}"
                st.parse_ms, st.translate_ms = translation_times(odps_text, ns.translate_runs)
            except Exception as err:
                st.ok, st.check = False, f"{type(err).__name__}: {err}"
            if not st.ok:
                failures += 1
                print(f"{q:>4}: RESULTS DIFFER - {st.check}", flush=True)
                continue

            def run_mw(text: str = odps_text, st: QueryStats = st, mw: Maxworks = mw) -> None:
                st.exec_translate_ms.append(mw.run(text).translate_ms)

            paths.append((st.maxworks, run_mw))
            if with_tr:
                paths.append((st.translated, native_runner(native_conn, sql)))
        for r in range(ns.repeat):
            k = r % len(paths) if ns.rotate else 0
            for samples, fn in paths[k:] + paths[:k]:
                dt, _ = timed(fn)
                samples.append(dt)
        line = f"{q:>4}: native {st.med(st.native):8.1f} ms"
        if with_mw:
            line += (
                f"  maxworks {st.med(st.maxworks):8.1f} ms"
                f"  ratio {st.med(st.maxworks) / st.med(st.native):5.2f}"
                f"  parse+translate {st.parse_ms + st.translate_ms:5.2f} ms  ({st.check})"
            )
        print(line, flush=True)

    report(stats, with_mw, with_tr, ns, gen_seconds)
    if with_mw and ns.breakdown > 0:
        assert _MAXWORKS is not None
        breakdown(_MAXWORKS, [s.name for s in stats if s.ok], ns.breakdown)
    if ns.json:
        write_json(ns.json, stats, ns, gen_seconds)
    if _MAXWORKS is not None:
        _MAXWORKS.close()
    else:
        native_conn.close()
    if failures:
        print(f"FAIL: {failures} quer{'y' if failures == 1 else 'ies'} differ between the paths")
        return 1
    if ns.strict and with_mw and not targets_met(stats):
        return 2
    return 0


def _totals(stats: list[QueryStats]) -> tuple[float, float, float]:
    good = [s for s in stats if s.ok and s.maxworks]
    nat = sum(s.med(s.native) for s in good)
    mw = sum(s.med(s.maxworks) for s in good)
    tr = sum(s.med(s.translated) for s in good if s.translated)
    return nat, mw, tr


def targets_met(stats: list[QueryStats]) -> bool:
    nat, mw, _ = _totals(stats)
    pt = [s.parse_ms + s.translate_ms for s in stats if s.ok and s.maxworks]
    return bool(nat) and mw / nat <= TARGET_RATIO and max(pt, default=0) <= TARGET_TRANSLATE_MS


def report(
    stats: list[QueryStats], with_mw: bool, with_tr: bool, ns: Any, gen_seconds: float | None
) -> None:
    print()
    hdr = f"{'query':>5} {'rows':>6} {'native ms':>10}"
    if with_mw:
        hdr += f" {'maxworks ms':>12} {'ratio':>6}"
        if with_tr:
            hdr += f" {'transl. ms':>11} {'tr/nat':>6} {'mw-tr ms':>9}"
        hdr += f" {'parse ms':>9} {'transl ms':>10} {'exec-rep ms':>12}"
    print(hdr)
    print("-" * len(hdr))
    for s in stats:
        line = f"{s.name:>5} {s.rows:>6} {s.med(s.native):>10.1f}"
        if with_mw:
            if not s.ok:
                print(line + f"  RESULTS DIFFER: {s.check}")
                continue
            n, m = s.med(s.native), s.med(s.maxworks)
            line += f" {m:>12.1f} {m / n:>6.2f}"
            if with_tr:
                t = s.med(s.translated)
                line += f" {t:>11.1f} {t / n:>6.2f} {m - t:>9.1f}"
            line += (
                f" {s.parse_ms:>9.2f} {s.translate_ms:>10.2f} {s.med(s.exec_translate_ms):>12.2f}"
            )
        print(line)
    print("-" * len(hdr))
    nat_all = sum(s.med(s.native) for s in stats)
    print(f"native total (sum of medians): {nat_all:.1f} ms over {len(stats)} queries")
    if gen_seconds is not None:
        print(f"data generation: {gen_seconds:.1f} s")
    if not with_mw:
        return
    nat, mw, tr = _totals(stats)
    good = [s for s in stats if s.ok and s.maxworks]
    if not good:
        return
    ratios = [s.med(s.maxworks) / s.med(s.native) for s in good]
    geo = statistics.geometric_mean(ratios)
    print(
        f"maxworks total: {mw:.1f} ms; total ratio maxworks/native = {mw / nat:.3f} "
        f"(target <= {TARGET_RATIO:.2f}: {'met' if mw / nat <= TARGET_RATIO else 'MISSED'}); "
        f"geometric mean of per-query ratios {geo:.3f}"
    )
    if with_tr and tr:
        print(
            f"translated SQL run directly: {tr:.1f} ms (ratio {tr / nat:.3f}); executor overhead "
            f"maxworks - translated = {mw - tr:.1f} ms total, "
            f"{statistics.median([s.med(s.maxworks) - s.med(s.translated) for s in good]):.1f} ms median/query"
        )
    pt = [s.parse_ms + s.translate_ms for s in good]
    print(
        f"parse+translate per statement: median {statistics.median(pt):.2f} ms, max {max(pt):.2f} ms "
        f"(target <= {TARGET_TRANSLATE_MS:.0f} ms: {'met' if max(pt) <= TARGET_TRANSLATE_MS else 'MISSED'}); "
        f"parse alone median {statistics.median([s.parse_ms for s in good]):.2f} ms, "
        f"translate alone median {statistics.median([s.translate_ms for s in good]):.2f} ms"
    )
    rep = [s.med(s.exec_translate_ms) for s in good]
    print(
        f"executor-reported translate_ms per statement: median {statistics.median(rep):.2f} ms, "
        f"max {max(rep):.2f} ms"
    )


def breakdown(mw: Maxworks, queries: list[str], n: int) -> None:
    """Where the executor's time per statement goes: wraps (by name, so it degrades to fewer
    stages when the executor's internals move) its stages with timers while re-running."""
    import collections
    import importlib

    acc: dict[str, float] = collections.defaultdict(float)
    calls: dict[str, int] = collections.defaultdict(int)
    patched: list[tuple[Any, str, Any]] = []
    stages = [
        ("engine.executors.local.executor", "split_statements", "split statements"),
        ("engine.executors.local.executor", "parse_statement", "parse (MaxCompute)"),
        ("engine.executors.local.executor", "plan_key", "plan cache key"),
        ("engine.executors.local.query", "prepare_reads", "resolve tables + guards"),
        ("engine.executors.local.catalog", "Catalog.get", "  of which catalog lookups"),
        ("engine.executors.local.query", "to_sql", "translate + generate SQL"),
        ("engine.executors.local.executor", "prepare_query", "prepare_query (incl. the 2 above)"),
        ("engine.executors.local.executor", "run_prepared", "run_prepared (execute + fetch)"),
    ]
    for module_name, attr, label in stages:
        try:
            owner: Any = importlib.import_module(module_name)
            *path, name = attr.split(".")
            for part in path:
                owner = getattr(owner, part)
            original = getattr(owner, name)
        except (ImportError, AttributeError):
            continue

        def wrapper(*a: Any, _f: Any = original, _l: str = label, **k: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return _f(*a, **k)
            finally:
                acc[_l] += time.perf_counter() - t0
                calls[_l] += 1

        setattr(owner, name, wrapper)
        patched.append((owner, name, original))
    try:
        total = 0.0
        for _ in range(n):
            for q in queries:
                dt, _ = timed(lambda q=q: mw.run(tpch_queries.ODPS[q]))
                total += dt / 1000
    finally:
        for owner, name, original in reversed(patched):
            setattr(owner, name, original)
    count = n * len(queries)
    print(f"\nexecutor breakdown, mean per statement over {count} statements:")
    print(f"  {'run_script (wall)':<32} {total / count * 1000:8.2f} ms")
    for _m, _a, label in stages:
        if label in acc:
            print(
                f"  {label:<32} {acc[label] / count * 1000:8.2f} ms"
                f"  ({calls[label] / count:.1f} calls)"
            )


def write_json(path: Path, stats: list[QueryStats], ns: Any, gen_seconds: float | None) -> None:
    out = {
        "sf": ns.sf,
        "repeat": ns.repeat,
        "duckdb": duckdb.__version__,
        "generation_seconds": gen_seconds,
        "queries": [
            {
                "query": s.name,
                "rows": s.rows,
                "ok": s.ok,
                "check": s.check,
                "native_ms": s.native,
                "maxworks_ms": s.maxworks,
                "translated_ms": s.translated,
                "native_median_ms": s.med(s.native),
                "maxworks_median_ms": s.med(s.maxworks),
                "parse_ms": s.parse_ms,
                "translate_ms": s.translate_ms,
                "executor_translate_ms": s.exec_translate_ms,
            }
            for s in stats
        ],
    }
    path.write_text(json.dumps(out, indent=2, default=str), encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
