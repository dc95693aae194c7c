"""The Data Map pane (``tui.panes.datamap:DataMapPane``): find tables, see their detail."""

from tui.panes.datamap.pane import DataMapPane

__all__ = ["DataMapPane"]
