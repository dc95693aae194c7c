"""Operation Center's list reads: filter language, keyset pages in any sort, the counts header,
backfill progress, cycle tasks and the dashboard — on a real state.db filled by real runs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date

import pytest

from engine.api import Api
from engine.ops.monitor import SORTS, FilterError, InstanceQuery, Monitor, parse_filter
from engine.scheduler.loop import Scheduler
from engine.scheduler.model import DagType, State
from engine.workspace import Workspace
from tests.scheduler_support import at, deploy, spec

NOW = at("2025-03-16 12:00:00")


@pytest.fixture
def ws(tmp_path) -> Workspace:  # type: ignore[no-untyped-def]
    return Workspace.init(tmp_path / "ws", project="shop")


@pytest.fixture
def api(ws: Workspace) -> Api:
    return Api(ws, user="ops", clock=lambda: NOW)


@pytest.fixture
def ran(ws: Workspace) -> Iterator[Scheduler]:
    """Two business days (20250314, 20250315) of a small flow: ods ok, dwd_fail fails, its child waits; two owners."""
    deploy(
        ws,
        spec("ods_a", "shell", code="true", owner="alice"),
        spec("ods_b", "shell", code="true", owner="bob"),
        spec("dwd_fail", "shell", code="exit 3", inputs=("shop.ods_a",), owner="alice"),
        spec("dws_child", "shell", code="true", inputs=("shop.dwd_fail",), owner="bob"),
        spec("ads_end", "virtual", inputs=("shop.ods_b",), owner="bob", priority=7),
    )
    s = Scheduler(ws, clock=lambda: NOW)
    s.start()
    s.run_until_idle(at("2025-03-15 00:00:00"), until=at("2025-03-16 20:00:00"))
    yield s
    s.stop()


@pytest.fixture
def mon(api: Api, ran: Scheduler) -> Iterator[Monitor]:
    m = api.ops.monitor()
    yield m
    m.close()


def names(page_rows: list) -> list[str]:  # type: ignore[type-arg]
    return [r.node_name for r in page_rows]


def test_filter_language_parses_and_refuses_with_the_fix() -> None:
    f = parse_filter(
        "status:failed,running owner:me node:dwd_* type:shell group:g1 Orders", me="ann"
    )
    assert f.buckets == ("failed", "running")
    assert (f.owner, f.node_glob, f.node_types, f.group, f.words) == (
        "ann", "dwd_*", ("shell",), "g1", ("orders",)
    )  # fmt: skip
    with pytest.raises(FilterError, match=r"unknown filter 'colour:'.*status:"):
        parse_filter("colour:red", me="ann")
    with pytest.raises(FilterError, match=r"unknown status 'broken'.*failed"):
        parse_filter("status:broken", me="ann")
    with pytest.raises(FilterError, match=r"needs a value, e\.g\. owner:me"):
        parse_filter("owner:", me="ann")


def test_counts_header_and_bucket_filters(mon: Monitor) -> None:
    q = InstanceQuery(bizdate="20250315")
    counts = mon.counts(q)
    assert counts["all"] == 5
    assert counts["failed"] == 1 and counts["succeeded"] == 3 and counts["not_run"] == 1
    # the header ignores the bucket filter: each count is what choosing it would show
    assert mon.counts(replace(q, buckets=("failed",))) == counts
    failed = mon.page(replace(q, buckets=("failed",)))
    assert names(failed.rows) == ["dwd_fail"] and failed.after is None
    waiting = mon.page(replace(q, buckets=("not_run",)))
    assert names(waiting.rows) == ["dws_child"]


def test_text_filter_owner_glob_words(mon: Monitor) -> None:
    q = InstanceQuery(bizdate="20250314")
    assert sorted(names(mon.page(q.with_text("owner:me", me="alice")).rows)) == [
        "dwd_fail",
        "ods_a",
    ]
    assert sorted(names(mon.page(q.with_text("node:ods_*", me="x")).rows)) == ["ods_a", "ods_b"]
    assert names(mon.page(q.with_text("CHILD", me="x")).rows) == ["dws_child"]
    assert names(mon.page(q.with_text("type:virtual", me="x")).rows) == ["ads_end"]
    # '_' in a glob is literal, not LIKE's any-character
    assert names(mon.page(q.with_text("node:ods?a", me="x")).rows) == ["ods_a"]
    assert mon.page(q.with_text("node:odsXa", me="x")).rows == []


@pytest.mark.parametrize("sort", sorted(SORTS))
@pytest.mark.parametrize("descending", [True, False])
def test_keyset_pages_in_every_sort_cover_all_rows_once(
    mon: Monitor, sort: str, descending: bool
) -> None:
    q = InstanceQuery(sort=sort, descending=descending)
    whole = mon.page(q, limit=1000).rows
    assert len(whole) == 10
    seen: list[int] = []
    after = None
    while True:
        page = mon.page(q, after=after, limit=3)
        seen += [r.id for r in page.rows]
        if page.after is None:
            break
        after = page.after
    assert seen == [r.id for r in whole]  # same order, no gaps, no repeats across pages


def test_sort_orders_by_the_column(mon: Monitor) -> None:
    rows = mon.page(InstanceQuery(bizdate="20250315", sort="node", descending=False)).rows
    assert names(rows) == sorted(names(rows))
    rows = mon.page(InstanceQuery(bizdate="20250315", sort="priority")).rows
    assert rows[0].node_name == "ads_end"
    with pytest.raises(FilterError, match="cannot sort by 'colour'"):
        mon.page(InstanceQuery(sort="colour"))


def test_bizdates_and_live_rows(mon: Monitor) -> None:
    assert mon.bizdates() == ["20250315", "20250314"]
    ids = [r.id for r in mon.page(InstanceQuery(bizdate="20250315")).rows]
    rows = mon.rows(ids)
    assert set(rows) == set(ids)
    assert {r.state for r in rows.values()} >= {State.SUCCESS, State.FAILURE}


def test_cycle_tasks_show_schedule_owner_and_freeze(api: Api, mon: Monitor) -> None:
    api.ops.freeze_node("ods_b")
    tasks = {t.name: t for t in mon.cycle_tasks()}
    assert set(tasks) == {"ods_a", "ods_b", "dwd_fail", "dws_child", "ads_end"}
    assert tasks["ods_b"].frozen and not tasks["ods_a"].frozen
    assert tasks["ods_a"].schedule == "daily at 00:00"
    assert tasks["dwd_fail"].owner == "alice" and tasks["ods_a"].children == 1


def test_backfill_progress_by_date(api: Api, ran: Scheduler, mon: Monitor) -> None:
    run = api.ops.backfill("ods_a", [(date(2025, 3, 1), date(2025, 3, 3))], downstream=True)
    ran.run_until_idle(at("2025-03-16 12:00:00"), until=at("2025-03-16 13:00:00"))
    [progress] = mon.backfill_runs()
    assert progress.id == run.id and progress.root == "ods_a"
    assert [d for d, _ in progress.by_date] == ["20250301", "20250302", "20250303"]
    # dates run in order: on the first ods_a succeeds and dwd_fail fails, so the later dates wait
    assert (progress.total, progress.done, progress.failed) == (9, 1, 1)
    first = dict(progress.by_date)["20250301"]
    assert first == {"succeeded": 1, "failed": 1, "not_run": 1}
    assert progress.status == "failed"
    assert names(mon.page(InstanceQuery(dag_type=DagType.BACKFILL, dag_id=run.id), limit=50).rows)


def test_dashboard_counts_trend_slowest_failing(mon: Monitor) -> None:
    dash = mon.dashboard("20250315", days=3)
    assert dash.yesterday == "20250314"
    assert dash.counts_today["failed"] == 1 and dash.counts_yesterday["failed"] == 1
    assert [d for d, _, _ in dash.trend] == ["20250313", "20250314", "20250315"]
    # ods_a, ods_b, dwd_fail ran; dws_child never started and a virtual node does not run
    assert dash.trend[0][2] == 0 and dash.trend[2][2] == 3
    assert [f.node for f in dash.failing] == ["dwd_fail"] and dash.failing[0].value == 2
    assert {f.node for f in dash.slowest} <= {"ods_a", "ods_b", "dwd_fail", "ads_end"}
