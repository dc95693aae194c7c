"""`maxworks sql --estimate` and the limit on what a run may read, on a real local warehouse."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.api import Api
from engine.cli import main
from engine.workspace import Workspace

QUERY = "SELECT count(*) AS n FROM orders WHERE ds >= '20250313'"


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    ws = Workspace.init(tmp_path / "ws", project="shop")
    api = Api(ws, user="alice")
    api.run_sql("CREATE TABLE orders (id BIGINT, note STRING) PARTITIONED BY (ds STRING);")
    values = ", ".join(f"({i}, 'x')" for i in range(1000))
    for day in ("20250312", "20250313", "20250314"):
        run = api.run_sql(f"INSERT INTO orders PARTITION (ds='{day}') VALUES {values};")
        assert run.result.error is None
    return ws


def cli(ws: Workspace, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["-w", str(ws.root), *args])
    return result.exit_code, result.output


def test_estimate_prints_what_would_be_read_and_runs_nothing(ws: Workspace) -> None:
    code, out = cli(ws, "sql", "--estimate", "-e", QUERY)
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0] == "cost estimate (local): ~140.6 KB from 1 table (2,000 rows)"
    assert lines[1] == "  shop_dev.orders 2,000 rows ~140.6 KB (2/3 partitions)"
    assert "┃" not in out  # no result: nothing ran


def test_a_run_above_max_read_is_refused_without_a_terminal_and_runs_with_yes(
    ws: Workspace,
) -> None:
    code, out = cli(ws, "sql", "--max-read", "10K", "-e", QUERY)
    assert code != 0
    assert "would read ~140.6 KB from 1 table (2,000 rows), more than 10.0 KB; not run" in out
    assert "--yes" in out
    code, out = cli(ws, "sql", "--max-read", "10K", "--yes", "-e", QUERY)
    assert code == 0 and "2000" in out, out
    code, out = cli(ws, "sql", "--max-read", "1M", "-e", QUERY)
    assert code == 0 and "2000" in out, out


def test_max_read_must_be_a_size(ws: Workspace) -> None:
    code, out = cli(ws, "sql", "--max-read", "lots", "-e", "SELECT 1")
    assert code == 2 and "'lots' is not a size; write e.g. 500M or 2G" in out
