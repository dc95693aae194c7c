"""The DataStudio pane (``tui.panes.studio:StudioPane``): develop, run, commit and deploy nodes."""

from tui.panes.studio.pane import StudioPane

__all__ = ["StudioPane"]
