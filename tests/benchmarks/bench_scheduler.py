"""Scheduler benchmarks (issue 4). Not part of the default test run.

    .venv/bin/python tests/benchmarks/bench_scheduler.py [--nodes 10000] [--sql-nodes 1000] [--history 1000000]

1. A random DAG of virtual nodes (depth >= 20) deployed and run for one business day:
   generation time and instance completions per second.
2. Small ODPS SQL nodes on the local engine: per-task scheduling overhead, i.e. from the moment
   the last upstream run finished to the moment this run starts (finished -> downstream ready ->
   running), measured inside the worker threads with perf_counter.
3. The cost of a tick and of `maxworks instances` (first page) with N historical instances in
   state.db, next to the same with an empty history.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from engine.ops.queries import InstanceFilter, list_instances
from engine.scheduler.loop import Scheduler
from engine.scheduler.runners import Runner
from engine.workspace import Workspace
from tests.scheduler_support import deploy, spec

DAY = datetime(2025, 3, 15, 0, 0, 0)


def random_dag(
    n: int, depth: int, rng: random.Random, *, type_: str = "virtual", code: Any = None
) -> list[Any]:
    """n nodes in `depth` layers; every node below the first layer has 1-3 parents in earlier layers."""
    layers: list[list[str]] = [[] for _ in range(depth)]
    specs = []
    for i in range(n):
        layer = i % depth if i < depth else rng.randrange(depth)
        name = f"n{i:05d}"
        parents: tuple[str, ...] = ()
        if layer > 0:
            pool = [p for lyr in layers[max(0, layer - 3) : layer] for p in lyr] or layers[
                layer - 1
            ]
            parents = tuple(
                f"shop.{p}" for p in rng.sample(pool, min(len(pool), rng.randint(1, 3)))
            )
        layers[layer].append(name)
        body = code(name, parents) if code else ""
        specs.append(spec(name, type_, inputs=parents, code=body))
    return specs


def bench_virtual(nodes: int) -> dict[str, float]:
    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace.init(Path(tmp) / "ws", project="shop")
        deploy(ws, *random_dag(nodes, 24, rng))
        s = Scheduler(ws, clock=lambda: DAY)
        s.start()
        try:
            t0 = time.perf_counter()
            with s.db.atomic():
                generated = s._generate(DAY)
            gen = time.perf_counter() - t0
            t1 = time.perf_counter()
            s.run_until_idle(DAY, until=DAY + timedelta(hours=12))
            run = time.perf_counter() - t1
            done = s.db.conn.execute("SELECT count(*) FROM instances WHERE state = 6").fetchone()[0]
        finally:
            s.stop()
    assert generated == nodes and done == nodes, (generated, done)
    return {"nodes": nodes, "generate_s": gen, "run_s": run, "completions_per_s": done / run}


class TimedRunner(Runner):
    """Keeps each job's worker-side start and end times (perf_counter)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.times: dict[int, tuple[float, float]] = {}

    def finished(self) -> list[Any]:
        out = super().finished()
        for job, outcome in out:
            self.times[job.instance_id] = (outcome.started, outcome.ended)
        return out


def bench_sql(nodes: int) -> dict[str, float]:
    rng = random.Random(2)

    def code(name: str, parents: tuple[str, ...]) -> str:
        return f"CREATE TABLE IF NOT EXISTS t_{name} (v BIGINT);\nINSERT OVERWRITE TABLE t_{name} SELECT {len(parents)};"

    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace.init(Path(tmp) / "ws", project="shop")
        # deep and narrow (about 5 wide), so runs rarely queue for a slot: what is left is the
        # scheduler's own latency between an upstream finishing and its child starting
        specs = random_dag(nodes, max(20, nodes // 5), rng, type_="odps_sql", code=code)
        text = (ws.root / "maxworks.toml").read_text().replace("slots = 4", "slots = 8")
        (ws.root / "maxworks.toml").write_text(text)
        ws = Workspace.load(ws.root)
        deploy(ws, *specs)
        runner = TimedRunner(ws, max_workers=8)
        s = Scheduler(ws, clock=lambda: DAY, runner=runner)
        s.start()
        try:
            t0 = time.perf_counter()
            s.run_until_idle(DAY, until=DAY + timedelta(hours=12))
            wall = time.perf_counter() - t0
            ids = dict(s.db.conn.execute("SELECT node_name, id FROM instances").fetchall())
            ok = s.db.conn.execute("SELECT count(*) FROM instances WHERE state = 6").fetchone()[0]
        finally:
            s.stop()
    assert ok == nodes, ok
    overheads = []
    busy = []
    for sp in specs:
        start, end = runner.times[ids[sp.name]]
        busy.append(end - start)
        if sp.inputs:
            ready = max(runner.times[ids[p.split(".", 1)[1]]][1] for p in sp.inputs)
            overheads.append((start - ready) * 1000)
    return {
        "nodes": nodes,
        "wall_s": wall,
        "median_overhead_ms": statistics.median(overheads),
        "p90_overhead_ms": statistics.quantiles(overheads, n=10)[-1],
        "median_run_ms": statistics.median(busy) * 1000,
    }


def add_history(ws: Workspace, count: int) -> None:
    """`count` finished instances over past days (bulk SQL: the scheduler would take days)."""
    db = ws.open_state()
    db.conn.execute(
        f"""WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < {count})
            INSERT INTO instances (id, node_id, node_name, node_type, version, dag_type, dag_id, env, bizdate, cyctime,
                state, sched_type, pending_upstream, priority, resource_group, created_at, run_no, finished_at)
            SELECT i, 1000000 + i % 5000, 'hist' || (i % 5000), 'virtual', 1, 0, 0, 'prod',
                strftime('%Y%m%d', '2020-01-01', '+' || (i / 5000) || ' days'),
                strftime('%Y-%m-%d %H:%M:%S', '2020-01-02', '+' || (i / 5000) || ' days'),
                6, 0, 0, 1, 'default', '2020-01-01 00:00:00', 1, '2020-01-02 00:00:00'
            FROM seq"""
    )
    db.close()


def bench_history(history: int) -> dict[str, float]:
    out: dict[str, float] = {"history": history}
    for label, count in (("empty", 0), ("full", history)):
        with tempfile.TemporaryDirectory() as tmp:
            ws = Workspace.init(Path(tmp) / "ws", project="shop")
            if count:
                t = time.perf_counter()
                add_history(ws, count)
                out["history_insert_s"] = time.perf_counter() - t
            deploy(ws, *random_dag(200, 10, random.Random(3)))
            s = Scheduler(ws, clock=lambda: DAY)
            s.start()
            try:
                s.tick(DAY - timedelta(hours=1))  # generate today
                ticks = []
                for k in range(30):
                    t = time.perf_counter()
                    s.tick(
                        DAY - timedelta(minutes=59 - k)
                    )  # nothing due yet: the steady-state cost
                    ticks.append((time.perf_counter() - t) * 1000)
                lists = []
                for _ in range(30):
                    t = time.perf_counter()
                    list_instances(s.db, InstanceFilter(), limit=50)
                    list_instances(s.db, InstanceFilter(bizdate="20250314", state=None), limit=50)
                    lists.append((time.perf_counter() - t) * 1000 / 2)
            finally:
                s.stop()
            out[f"tick_ms_{label}"] = statistics.median(ticks)
            out[f"list_ms_{label}"] = statistics.median(lists)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, default=10_000)
    ap.add_argument("--sql-nodes", type=int, default=1_000)
    ap.add_argument("--history", type=int, default=1_000_000)
    args = ap.parse_args()
    v = bench_virtual(args.nodes)
    print(f"virtual DAG: {v['nodes']:,} nodes, generation {v['generate_s']:.2f} s, run {v['run_s']:.2f} s, "
          f"{v['completions_per_s']:,.0f} completions/s")  # fmt: skip
    q = bench_sql(args.sql_nodes)
    print(f"SQL nodes: {q['nodes']:,}, wall {q['wall_s']:.1f} s, scheduling overhead median {q['median_overhead_ms']:.1f} ms "
          f"(p90 {q['p90_overhead_ms']:.1f} ms), median run {q['median_run_ms']:.1f} ms")  # fmt: skip
    h = bench_history(args.history)
    print(f"history {h['history']:,} instances (inserted in {h.get('history_insert_s', 0):.1f} s): "
          f"tick {h['tick_ms_empty']:.2f} ms empty vs {h['tick_ms_full']:.2f} ms full; "
          f"instances page {h['list_ms_empty']:.2f} ms empty vs {h['list_ms_full']:.2f} ms full")  # fmt: skip


if __name__ == "__main__":
    main()
