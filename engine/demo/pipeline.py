"""The demo's nodes: two workflows of a small online shop's warehouse.

``user_behavior``: access logs and the user snapshot -> visitors with their profile -> segments.

    user_behavior_start -> check_raw_log_ready -> dwd_log_info_di -> dws_user_info_all_di ─┐
                                                                  └> dws_user_active_7d ───┴> ads_user_segment_1d -> user_behavior_end

``trade_daily``: orders -> buyers, item sales -> the GMV report (guarded by a volume check) and
top items.

    trade_daily_start -> check_order_export -> dwd_trade_order_di ┬> dws_trade_user_1d ──────────────────────────┐
                                                                  ├> dws_item_sales_1d -> ads_top_items_1d ───────┤
                                                                  └> count_paid_orders -> check_order_volume      │
                                          check_order_volume_ok -> ads_gmv_report_1d ─┐                          │
                                         check_order_volume_low -> alert_low_volume ──┴> merge_trade_report ─────┴> trade_daily_end

``ads_gmv_report_1d`` also reads ``dws_user_info_all_di`` (age bands), a dependency across the
two workflows. The shell checks stand in for Data Integration: they output the ODS tables, so the
SQL nodes that read them depend on the checks by auto-parse.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from engine.demo import node_code as code
from engine.scheduler.model import NodeType
from engine.studio.spec import BranchCondition

PROJECT = "demo"
USER_FLOW = "user_behavior"
TRADE_FLOW = "trade_daily"
VOLUME_THRESHOLD = 100  # fewer paid orders than this: the export or payments are broken
LAST_WEEK = "last_week=${yyyymmdd-7}"


@dataclass(frozen=True)
class DemoNode:
    name: str
    workflow: str
    type: NodeType
    at: time
    description: str
    code: str = ""
    depends: tuple[str, ...] = ()  # node names, or output names such as demo.x_ok
    params: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()  # outputs besides <project>.<name> and the parsed tables
    branches: tuple[BranchCondition, ...] = ()


def _t(hh: int, mm: int) -> time:
    return time(hh, mm)


NODES: tuple[DemoNode, ...] = (
    # -- user_behavior ----------------------------------------------------------------------------
    DemoNode("user_behavior_start", USER_FLOW, NodeType.VIRTUAL, _t(0, 0),
             "start of the user behavior flow"),
    DemoNode("check_raw_log_ready", USER_FLOW, NodeType.SHELL, _t(0, 10),
             "waits for the log collector's _SUCCESS marker: nothing reads a partial day",
             code.CHECK_RAW_LOG_READY, depends=("user_behavior_start",), params=("day=$bizdate",),
             outputs=(f"{PROJECT}.ods_raw_log_d", f"{PROJECT}.ods_user_info_d")),
    DemoNode("dwd_log_info_di", USER_FLOW, NodeType.ODPS_SQL, _t(0, 20),
             "parses the raw access log: SPLIT_PART, REGEXP_EXTRACT, GET_JSON_OBJECT; drops crawlers",
             code.DWD_LOG_INFO_DI),
    DemoNode("dws_user_info_all_di", USER_FLOW, NodeType.ODPS_SQL, _t(0, 30),
             "visitors of the day joined with the user snapshot; main device by ROW_NUMBER",
             code.DWS_USER_INFO_ALL_DI),
    DemoNode("dws_user_active_7d", USER_FLOW, NodeType.ODPS_SQL, _t(0, 30),
             "users active in the last 7 days: a window of DWD partitions (${last_week}, ${bizdate}]",
             code.DWS_USER_ACTIVE_7D, params=(LAST_WEEK,)),
    DemoNode("ads_user_segment_1d", USER_FLOW, NodeType.ODPS_SQL, _t(0, 40),
             "visitor segments (age band x gender x device) for the growth report",
             code.ADS_USER_SEGMENT_1D),
    DemoNode("user_behavior_end", USER_FLOW, NodeType.VIRTUAL, _t(0, 45),
             "end of the user behavior flow", depends=("ads_user_segment_1d",)),
    # -- trade_daily ---------------------------------------------------------------------------------
    DemoNode("trade_daily_start", TRADE_FLOW, NodeType.VIRTUAL, _t(0, 0),
             "start of the trade flow"),
    DemoNode("check_order_export", TRADE_FLOW, NodeType.SHELL, _t(0, 15),
             "waits for the order export's _SUCCESS marker",
             code.CHECK_ORDER_EXPORT, depends=("trade_daily_start",), params=("day=$bizdate",),
             outputs=(f"{PROJECT}.ods_trade_order_d", f"{PROJECT}.ods_item_info")),
    DemoNode("dwd_trade_order_di", TRADE_FLOW, NodeType.ODPS_SQL, _t(0, 20),
             "orders typed and cleaned: DECIMAL amounts, DECODE'd status, JSON ext flattened",
             code.DWD_TRADE_ORDER_DI),
    DemoNode("dws_trade_user_1d", TRADE_FLOW, NodeType.ODPS_SQL, _t(0, 30),
             "buyers of the day: orders, GMV, refunds, payment channels (WM_CONCAT)",
             code.DWS_TRADE_USER_1D),
    DemoNode("dws_item_sales_1d", TRADE_FLOW, NodeType.ODPS_SQL, _t(0, 30),
             "item sales: order lines by LATERAL VIEW EXPLODE, priced from the catalogue",
             code.DWS_ITEM_SALES_1D),
    DemoNode("count_paid_orders", TRADE_FLOW, NodeType.ASSIGNMENT, _t(0, 30),
             "assignment: the day's paid orders, read by check_order_volume",
             code.COUNT_PAID_ORDERS),
    DemoNode("check_order_volume", TRADE_FLOW, NodeType.BRANCH, _t(0, 35),
             f"branch: the GMV report if there are at least {VOLUME_THRESHOLD} paid orders, else an alert",
             depends=("count_paid_orders",), params=("paid_orders=count_paid_orders.outputs",),
             branches=(
                 BranchCondition(f"${{paid_orders}} >= {VOLUME_THRESHOLD}", f"{PROJECT}.check_order_volume_ok"),
                 BranchCondition(f"${{paid_orders}} < {VOLUME_THRESHOLD}", f"{PROJECT}.check_order_volume_low"),
             )),
    DemoNode("ads_gmv_report_1d", TRADE_FLOW, NodeType.ODPS_SQL, _t(0, 40),
             "daily GMV report by platform and age band, week over week (${last_week})",
             code.ADS_GMV_REPORT_1D, depends=(f"{PROJECT}.check_order_volume_ok",), params=(LAST_WEEK,)),
    DemoNode("alert_low_volume", TRADE_FLOW, NodeType.SHELL, _t(0, 40),
             "records an alert for on-call when the paid-order volume is abnormal",
             code.ALERT_LOW_VOLUME, depends=(f"{PROJECT}.check_order_volume_low", "count_paid_orders"),
             params=("day=$bizdate", "paid=count_paid_orders.outputs")),
    DemoNode("ads_top_items_1d", TRADE_FLOW, NodeType.ODPS_SQL, _t(0, 40),
             "top 10 items per category (ROW_NUMBER over sales)",
             code.ADS_TOP_ITEMS_1D),
    DemoNode("merge_trade_report", TRADE_FLOW, NodeType.MERGE, _t(0, 45),
             "merge: joins the two sides of check_order_volume",
             depends=("ads_gmv_report_1d", "alert_low_volume")),
    DemoNode("trade_daily_end", TRADE_FLOW, NodeType.VIRTUAL, _t(0, 50),
             "end of the trade flow",
             depends=("merge_trade_report", "ads_top_items_1d", "dws_trade_user_1d")),
)  # fmt: skip

WORKFLOWS = (USER_FLOW, TRADE_FLOW)
SQL_NODES = tuple(n.name for n in NODES if n.type is NodeType.ODPS_SQL)

# The story's people and events -----------------------------------------------------------------------
LATE_NODE = "check_raw_log_ready"  # fails on the day the log export is late, then is rerun
DIRTY_NODE = "dwd_trade_order_di"  # fails on the last day on a "1,299.00" amount: left for you
WIP_NODE = "ads_gmv_report_1d"  # has an uncommitted edit in the working copy

WIP_OLD = "    WHERE o.dt = '${bizdate}' AND o.status IN ('PAID', 'REFUNDED')\n"
WIP_NEW = (
    "    WHERE o.dt = '${bizdate}' AND o.status IN ('PAID', 'REFUNDED')\n"
    "      AND o.user_id NOT IN (10001, 10002)  -- staff test accounts (WIP: confirm the list with finance)\n"
)
