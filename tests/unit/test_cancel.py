"""Cancelling an ad-hoc run (the app's F9): the running DuckDB statement is interrupted, what it
did is rolled back, the statements before it stay done and the ones after do not run."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from engine.api import Api
from engine.cancel import Cancel, Cancelled
from engine.workspace import Workspace

# four self-joins of 1,000 rows: 10^12 row combinations, hours of work if nothing stops it
ENDLESS = (
    "SELECT count(*) AS n FROM t a JOIN t b ON a.id <> b.id JOIN t c ON b.id <> c.id "
    "JOIN t d ON c.id <> d.id"
)


@pytest.fixture
def api(tmp_path: Path) -> Api:
    api = Api(Workspace.init(tmp_path / "ws", project="shop"), user="alice")
    values = ", ".join(f"({i})" for i in range(1000))
    run = api.run_sql(f"CREATE TABLE t (id BIGINT); INSERT INTO t VALUES {values};")
    assert run.result.error is None
    return api


def press_soon(token: Cancel) -> threading.Event:
    """Press cancel until the returned event is set: a press that lands between two statements
    (or before DuckDB started one) is repeated, as a user presses F9 again."""
    done = threading.Event()

    def press() -> None:
        while not token.armed and not done.is_set():
            done.wait(0.01)  # the run has not reached its statements yet
        while not done.is_set():
            token.cancel()
            done.wait(0.02)

    threading.Thread(target=press, daemon=True).start()
    return done


def test_the_running_statement_is_interrupted_and_the_rest_does_not_run(api: Api) -> None:
    token = Cancel()
    done = press_soon(token)
    started = time.monotonic()
    try:
        run = api.run_sql(f"{ENDLESS};\nCREATE TABLE after_it (n BIGINT);", cancel=token)
    finally:
        done.set()
    assert time.monotonic() - started < 30
    statements = run.result.statements
    assert len(statements) == 1, "the statement after the cancelled one did not run"
    assert statements[0].error is not None and "cancelled" in str(statements[0].error)
    # the workspace is usable at once, and nothing after the cancel happened
    tables = api.run_sql("SHOW TABLES;").result.last_query
    assert tables is not None and "after_it" not in str(tables.rows)
    assert api.run_sql("SELECT count(*) AS n FROM t").result.last_query.rows == [(1000,)]  # type: ignore[union-attr]


def test_a_cancelled_write_keeps_nothing(api: Api) -> None:
    api.run_sql("CREATE TABLE big (n BIGINT);")
    token = Cancel()
    done = press_soon(token)
    try:
        run = api.run_sql(
            "INSERT INTO big SELECT a.id FROM t a JOIN t b ON a.id <> b.id JOIN t c ON b.id <> c.id;",
            cancel=token,
        )
    finally:
        done.set()
    assert run.result.error is not None and "cancelled" in str(run.result.error)
    assert api.run_sql("SELECT count(*) AS n FROM big").result.last_query.rows == [(0,)]  # type: ignore[union-attr]


def test_cancelled_before_it_starts_runs_nothing(api: Api) -> None:
    token = Cancel()
    token.cancel()
    with pytest.raises(Cancelled):
        api.run_sql("CREATE TABLE never (n BIGINT);", cancel=token)
    run = api.run_sql("SHOW TABLES;")
    assert "never" not in str(run.result.last_query.rows)  # type: ignore[union-attr]


def test_cancel_fires_every_hook_each_time_and_late_hooks_at_once() -> None:
    token = Cancel()
    calls: list[str] = []
    token.on_cancel(lambda: calls.append("a"))
    token.cancel()
    token.cancel()
    token.on_cancel(lambda: calls.append("late"))
    assert calls == ["a", "a", "late"] and token.requested
