"""The app's panes. Each is one key chord away from anywhere (see tui.keymap).

``PANES`` is the registry the shell builds its pane switcher from: id, module:class, title.
A pane class takes the engine API (``engine.api.Api``) and nothing else.
"""

from __future__ import annotations

PANES: list[tuple[str, str, str]] = [
    ("studio", "tui.panes.studio:StudioPane", "DataStudio"),
    ("ops", "tui.panes.ops:OpsPane", "Operation Center"),
    ("map", "tui.panes.datamap:DataMapPane", "Data Map"),
    ("approvals", "tui.panes.approvals:ApprovalsPane", "Approvals"),
]
