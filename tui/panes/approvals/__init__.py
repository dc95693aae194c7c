"""Approvals (Security Center): permission requests, decisions, grants and the audit log."""

from tui.panes.approvals.pane import ApprovalsPane
from tui.panes.approvals.request_form import RequestAccessScreen

__all__ = ["ApprovalsPane", "RequestAccessScreen"]
