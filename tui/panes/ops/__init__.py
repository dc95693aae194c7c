"""Operation Center: live monitoring and keyboard-driven O&M (cycle tasks, cycle instances,
backfill runs, test instances, dashboard; logs, DAG, diagnosis and every operation)."""

from tui.panes.ops.pane import OpsPane

__all__ = ["OpsPane"]
