"""The shell's footer (tui.widgets.footer.KeyFooter): the keys Textual's Footer would show, in its
order, kept up to date across pane switches and focus changes, without rebuilding its widgets."""

from __future__ import annotations

import pytest
from textual.widgets._footer import FooterKey

from tests.tui.conftest import AppFactory, wait_until
from tui.widgets.footer import KeyFooter

pytestmark = pytest.mark.anyio

PANES = [
    ("studio", "tui.panes.studio:StudioPane", "DataStudio"),
    ("ops", "tui.panes.placeholder:OpsPane", "Operation Center"),
    ("map", "tui.panes.placeholder:MapPane", "Data Map"),
    ("approvals", "tui.panes.placeholder:ApprovalsPane", "Approvals"),
]


def shown(footer: KeyFooter) -> list[tuple[str, str]]:
    """(key, description) of the keys on screen, left to right (the palette key last)."""
    keys = [c for c in footer.children if isinstance(c, FooterKey) and c.display]
    keys.sort(key=lambda k: ("-command-palette" in k.classes, k.region.x))
    return [(k.key, k.description) for k in keys]


def expected(footer: KeyFooter) -> list[tuple[str, str]]:
    """What Textual's Footer lists for the focused widget: one key per action, in order."""
    out: dict[str, tuple[str, str]] = {}
    for _, binding, _, _ in footer.screen.active_bindings.values():
        if binding.show:
            out.setdefault(binding.action, (binding.key, binding.description))
    return [*out.values(), ("ctrl+p", "Palette")]


async def test_the_footer_follows_panes_and_focus_and_reuses_its_keys(make: AppFactory) -> None:
    app = make(panes=PANES, start_pane="ops")
    async with app.run_test(size=(120, 30)) as pilot:
        footer = app.query_one(KeyFooter)

        async def settled(what: str) -> list[tuple[str, str]]:
            await wait_until(pilot, lambda: shown(footer) == expected(footer))
            keys = shown(footer)
            assert keys[-1] == ("ctrl+p", "Palette"), what
            return keys

        ops = await settled("ops")
        assert ("colon", "Command") in ops
        await app.action_show_pane("studio")
        await pilot.pause()
        studio = await settled("studio")
        assert [k for k, _ in studio[:4]] == ["ctrl+s", "f5", "f6", "f2"]  # the pane's own first
        made = len(footer.children)
        for pane in ["map", "approvals", "studio", "ops"] * 3:
            await app.action_show_pane(pane)
            await pilot.pause()
            await settled(pane)
        assert len(footer.children) == made  # every key widget was reused, none mounted again
        await app.action_show_pane("studio")
        await pilot.pause()
        assert await settled("studio again") == studio


async def test_the_footer_follows_command_mode(make: AppFactory) -> None:
    app = make(panes=PANES, start_pane="studio")
    async with app.run_test(size=(120, 30)) as pilot:
        footer = app.query_one(KeyFooter)
        await wait_until(pilot, lambda: ("f2", "Commit") in shown(footer))
        app.action_command_mode()
        await pilot.pause()
        # command mode has bindings of its own (Esc closes it): the footer says so
        await wait_until(pilot, lambda: shown(footer) == expected(footer))
        assert ("escape", "Close") in shown(footer)
        app.command_line.close()
        await wait_until(pilot, lambda: ("f2", "Commit") in shown(footer))
