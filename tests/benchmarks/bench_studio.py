"""DataStudio at scale: 10,000 node files -> load, auto-parse, DAG, cycle check, commit, deploy.

    .venv/bin/python tests/benchmarks/bench_studio.py [--nodes 10000] [--keep DIR]

Generates a workspace whose nodes form a layered DAG (each ODPS SQL node reads one to three
tables of earlier nodes, every tenth node is a virtual or shell node, schedules mix daily,
hourly, weekly and monthly crons), then times each step once and prints the figures. Not run by
pytest (tests/benchmarks is excluded); tests/unit/test_studio_files.py has an untimed 2,000-node
version.
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar

from engine.scheduler.cron import parse_cron
from engine.studio import files
from engine.studio.deps import Naming, build_dag, check_acyclic
from engine.studio.resolve import resolve
from engine.studio.service import Studio
from engine.workspace import Workspace

T = TypeVar("T")
CRONS = [
    "00 {m:02d} 01 * * ?",
    "00 {m:02d} 00-23/1 * * ?",
    "00 {m:02d} 02 ? * 1,4",
    "00 {m:02d} 03 1,L * ?",
]


def generate(ws: Workspace, count: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    for i in range(count):
        flow = ws.workflows_dir / f"flow_{i // 100:03d}"
        flow.mkdir(exist_ok=True)
        name = f"n{i:05d}"
        cron = CRONS[i % len(CRONS)].format(m=i % 60)
        kind = "virtual" if i % 10 == 0 else ("shell" if i % 10 == 5 else "odps_sql")
        (flow / f"{name}.toml").write_text(
            f'type = "{kind}"\nowner = "bench"\n\n[schedule]\ncron = "{cron}"\nrerun_times = 2\n\n'
            '[params]\nbizdate = "$bizdate"\n',
            encoding="utf-8",
        )
        if kind == "shell":
            (flow / f"{name}.sh").write_text("echo $1\n", encoding="utf-8")
        elif kind == "odps_sql":
            parents = (
                sorted({f"n{rng.randrange(i):05d}" for _ in range(rng.randint(1, 3))}) if i else []
            )
            reads = " JOIN ".join(f"{p} t{k}" for k, p in enumerate(parents)) or "raw_src t0"
            (flow / f"{name}.sql").write_text(
                "SET odps.sql.allow.fullscan=true;\n"
                f"INSERT OVERWRITE TABLE {name} PARTITION (ds='${{bizdate}}')\n"
                f"SELECT t0.* FROM {reads}\nWHERE t0.ds = '${{bizdate}}';\n",
                encoding="utf-8",
            )


def timed(label: str, fn: Callable[[], T]) -> T:
    started = time.perf_counter()
    value = fn()
    print(f"  {label:<52} {time.perf_counter() - started:8.3f} s")
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, help="build the workspace here and keep it")
    args = parser.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="maxworks-bench-"))
    try:
        ws = Workspace.init(base / "ws", project="shop")
        naming = Naming.of(ws.config)
        print(f"{args.nodes:,} nodes in {ws.root}")
        timed("generate node files", lambda: generate(ws, args.nodes))
        drafts = timed("load + validate every node file (list_nodes)", lambda: files.list_nodes(ws))
        db = ws.open_state()
        cold = timed(
            "resolve, cold: auto-parse every SQL node", lambda: resolve(db, drafts, naming)
        )
        warm = timed(
            "resolve, warm: parse results from the cache", lambda: resolve(db, drafts, naming)
        )
        db.close()
        assert not cold.errors and warm.snapshots == cold.snapshots
        dag = timed("build the DAG", lambda: build_dag(warm.snapshots.values(), naming))
        timed("detect cycles", lambda: check_acyclic(dag))
        edges = sum(len(v) for v in dag.upstream.values())
        print(f"    {len(dag.upstream):,} nodes (with the root), {edges:,} edges, {len(dag.invalid):,} invalid inputs")  # fmt: skip
        studio = Studio(ws, user="bench", clock=lambda: datetime(2025, 3, 15, 10, 0))
        result = timed("commit everything (first versions)", lambda: studio.commit(message="all"))
        timed("commit again (nothing changed)", lambda: studio.commit(message="none"))
        timed("list_nodes with status", studio.list_nodes)
        timed("show_node", lambda: studio.show_node(f"n{args.nodes // 2:05d}"))
        done = timed("deploy everything (one transaction)", lambda: studio.deploy(message="all"))
        print(f"    {len(result.versions):,} versions, {len(done):,} deployed")
        specs = list(studio.deployed().values())
        day = date(2025, 3, 17)
        total = timed(
            "cron times_on + runs_on for every deployed node, one day",
            lambda: sum(
                len(c.times_on(day)) for s in specs if (c := parse_cron(s.schedule.cron)).runs_on(day) or True
            ),
        )  # fmt: skip
        print(f"    {total:,} scheduled times")
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
