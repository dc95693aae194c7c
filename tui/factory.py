"""One factory builds the app, for the CLI and the tests alike (posting's ``make_posting``).

The engine API is passed in; settings come from the user's config folder unless given; themes
come from the one loader (built-ins plus the user's). Nothing here touches the terminal.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.widget import Widget

    from engine.api import Api
    from tui.app import MaxworksApp
    from tui.config import Settings
    from tui.heap import IdleCollector


def make_app(
    api: Api,
    *,
    config: Settings | None = None,
    panes: Sequence[tuple[str, str, str]] | None = None,
    heap: IdleCollector | None = None,
) -> MaxworksApp:
    """The maxworks app on ``api``'s workspace, with ``config`` (default: the user's settings).

    ``panes`` replaces the registry (``tui.panes.PANES``: id, "module:Class", title); tests use it
    to run the shell around panes of their own. ``heap``: full garbage collections at idle moments
    (``tui.heap``; the CLI passes one)."""
    from tui.app import MaxworksApp
    from tui.config import load_settings
    from tui.panes import PANES
    from tui.themes import load_themes

    settings = config if config is not None else load_settings()
    return MaxworksApp(
        api, settings, load_themes(settings.themes_dir), panes=panes or PANES, heap=heap
    )


def build_pane(api: Api, pane_id: str, target: str, title: str) -> tuple[Widget, str | None]:
    """The pane ``target`` ("module:Class") names, built on ``api``; never raises.

    A module that is not there yet, or a pane that fails to import or build, gives a placeholder
    that says so (and, for a failure, the error to show): a broken pane never stops the shell."""
    from tui.panes.placeholder import PendingPane

    module_name, _, class_name = target.partition(":")
    try:
        pane_class = getattr(importlib.import_module(module_name), class_name)
        takes_id = "id" in inspect.signature(pane_class).parameters
        pane: Widget = pane_class(api, id=pane_id) if takes_id else pane_class(api)
        if pane.id != pane_id:
            raise ValueError(f"{class_name} has id {pane.id!r}, the registry says {pane_id!r}")
        return pane, None
    except Exception as err:
        if isinstance(err, ModuleNotFoundError) and err.name == module_name:
            arrives, error = f"its module {module_name}, not installed yet", None
        else:
            arrives = error = f"a fix: it failed to load ({type(err).__name__}: {err})"
        return PendingPane(api, id=pane_id, title=title, arrives=arrives), error
