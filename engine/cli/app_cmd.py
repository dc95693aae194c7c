"""``maxworks app`` (and ``maxworks`` alone): the full-screen terminal app on the workspace.

The engine stays headless: the tui package (and Textual) are imported only when this command
runs, never when the CLI loads.
"""

from __future__ import annotations

import importlib

import click

from engine.cli import workspace_option


@click.command("app")
@click.option(
    "--readonly",
    is_flag=True,
    help="Look, don't touch: every operation is hidden in the app and refused by the engine.",
)
@click.pass_context
def app(ctx: click.Context, readonly: bool) -> None:
    """Open the terminal app: DataStudio, Operation Center, Data Map, Approvals.

    Keys: Ctrl+T/O/N/L (or Alt+1-4) switch to DataStudio, Operation Center, Data Map and
    Approvals; : opens command mode; ? or F1 shows the keys; Ctrl+P the command palette; F8
    starts or stops the embedded scheduler; Ctrl+Q quits.
    Settings live in ~/.config/maxworks/config.toml.
    """
    from engine.api import Api

    api = Api.open(workspace_option(ctx))
    api.readonly = readonly
    factory = importlib.import_module("tui.factory")
    heap = importlib.import_module("tui.heap").IdleCollector()
    try:
        factory.make_app(api, heap=heap).run()
    finally:
        heap.stop()
