"""The README.md of a demo workspace: what is in it, what happened, what to try."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.demo import pipeline
from engine.workspace import Workspace

if TYPE_CHECKING:
    from engine.demo.build import DemoPlan


def story_instances(ws: Workspace, plan: DemoPlan) -> tuple[int | None, int | None, int | None]:
    """The late check's instance (rerun), the instance that failed on the last day, and the
    end of its flow (waiting for it)."""
    from engine.ops.queries import InstanceFilter, list_instances
    from engine.scheduler.model import DagType

    db = ws.open_state()
    try:

        def first(node: str, day: str) -> int | None:
            rows = list_instances(
                db, InstanceFilter(bizdate=day, node=node, dag_type=DagType.NORMAL), limit=1
            )
            return rows[0].id if rows else None

        late = first(pipeline.LATE_NODE, f"{plan.late_day:%Y%m%d}") if plan.late_day else None
        dirty = first(pipeline.DIRTY_NODE, f"{plan.dirty_day:%Y%m%d}")
        stuck = first(f"{pipeline.TRADE_FLOW}_end", f"{plan.dirty_day:%Y%m%d}")
    finally:
        db.close()
    return late, dirty, stuck


def readme_text(ws: Workspace, plan: DemoPlan) -> str:
    late_id, dirty_id, stuck_id = story_instances(ws, plan)
    first, last = plan.bizdates[0], plan.bizdates[-1]
    spare = f"{plan.spare:%Y%m%d}"
    lines = [
        "# The maxworks demo: a small online shop's warehouse",
        "",
        "Built by `maxworks demo`. Everything here is local: the sample data was generated in the",
        "embedded engine, and the history below was produced by really running the scheduler in",
        "simulated time. In this directory, `maxworks` opens the terminal app on it.",
        "",
        "## What is in it",
        "",
        f"- Project `{pipeline.PROJECT}` (production) and `{pipeline.PROJECT}_dev` (development),",
        "  standard mode, time zone Asia/Shanghai.",
        "- Source tables (ODS, loaded as Data Integration would): `ods_user_info_d` (a daily user",
        "  snapshot), `ods_raw_log_d` (web and app access-log lines with user agents, referers and",
        "  JSON payloads), `ods_trade_order_d` (orders, amounts as text, order lines as",
        "  `item:qty` lists) and `ods_item_info` (the catalogue). Each day's export writes",
        "  `landing/<source>/<bizdate>/_SUCCESS`.",
        "- Workflow `user_behavior`: `check_raw_log_ready` (shell) -> `dwd_log_info_di` ->",
        "  `dws_user_info_all_di`, `dws_user_active_7d` (a 7-day window, `last_week=${yyyymmdd-7}`)",
        "  -> `ads_user_segment_1d`, between the virtual nodes `user_behavior_start` and `_end`.",
        "- Workflow `trade_daily`: `check_order_export` (shell) -> `dwd_trade_order_di` ->",
        "  `dws_trade_user_1d`, `dws_item_sales_1d` -> `ads_top_items_1d`; `count_paid_orders`",
        "  (assignment) -> `check_order_volume` (branch) -> `ads_gmv_report_1d` or `alert_low_volume`",
        "  (shell) -> `merge_trade_report` (merge) -> `trade_daily_end`. The GMV report also reads",
        "  `dws_user_info_all_di` from the other workflow.",
        "",
        "## What happened",
        "",
        f"- {plan.deploy_day:%Y-%m-%d} afternoon: the nodes were created, committed per workflow",
        "  and deployed. Instances start the next day (T+1).",
        f"- Business dates {first:%Y%m%d} to {last:%Y%m%d} ran every night from 00:00.",
    ]
    if plan.late_day is not None:
        lines += [
            f"- Business date {plan.late_day:%Y%m%d}: the log export was late, so",
            f"  `check_raw_log_ready` (instance {late_id}) failed at 00:10 and the user behavior flow",
            "  waited. At 09:30 the log platform re-delivered the day; on-call reran the instance at",
            "  09:42 (run 2) and the flow completed. The check now retries 3 times (version 2).",
        ]
    lines += [
        f"- Business date {last:%Y%m%d}: `dwd_trade_order_di` (instance {dirty_id}) failed on an",
        '  amount exported as "1,299.00"; everything below it is still waiting. That one is yours.',
        "- `ads_gmv_report_1d` has an uncommitted edit in the working copy.",
        "",
        "## Things to try",
        "",
        "```sh",
    ]
    tries: list[tuple[str, str]] = [("maxworks instances", "Operation Center, newest first")]
    if late_id is not None:
        tries.append((f"maxworks instance log {late_id} --run 1", "why the late check failed"))
    tries += [
        (f"maxworks instance log {dirty_id}", "the statement that failed last night"),
        (f"maxworks why {stuck_id}", "why the trade flow is stuck"),
        ("maxworks node list", "DataStudio: the working copy and its status"),
        (f"maxworks diff {pipeline.WIP_NODE}", "the uncommitted edit"),
        (f"maxworks node run dwd_log_info_di --bizdate {spare}", "DataStudio's Run, in dev"),
        (f"maxworks backfill dwd_log_info_di --from {spare} --to {spare} --downstream --wait", ""),
    ]
    width = max(len(cmd) for cmd, note in tries if note)
    lines += [f"{cmd.ljust(width)}  # {note}" if note else cmd for cmd, note in tries]
    lines += [
        f"maxworks sql --env prod -e \"SELECT * FROM ads_user_segment_1d WHERE dt='{last:%Y%m%d}' "
        'ORDER BY visitors DESC LIMIT 10"',
        "```",
        "",
    ]
    return "\n".join(lines)
