"""The shell's footer (tui.widgets.footer.KeyFooter): the keys Textual's Footer would show, in its
order, kept up to date across pane switches and focus changes, drawn as one line (a change of keys
never lays the screen out again), and pressed by a click."""

from __future__ import annotations

import pytest

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
    line = str(footer.render())
    out = []
    for key in footer.keys:
        label = f"{key.display} {key.description}"
        assert label in line, f"{label!r} is not drawn: {line!r}"
        out.append((key.key, key.description))
    return out


def expected(footer: KeyFooter) -> list[tuple[str, str]]:
    """What Textual's Footer lists for the focused widget: one key per action, in order."""
    out: dict[str, tuple[str, str]] = {}
    for _, binding, _, _ in footer.screen.active_bindings.values():
        if binding.show:
            out.setdefault(binding.action, (binding.key, binding.description))
    return [*out.values(), ("ctrl+p", "Palette")]


async def test_the_footer_follows_panes_and_focus_without_a_layout(make: AppFactory) -> None:
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
        assert not footer.children  # one widget, one line
        for pane in ["map", "approvals", "studio", "ops"] * 3:
            await app.action_show_pane(pane)
            await pilot.pause()
            await settled(pane)
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


async def test_a_click_on_a_key_presses_it_and_the_line_fits_the_width(make: AppFactory) -> None:
    app = make(panes=PANES, start_pane="ops")
    async with app.run_test(size=(80, 24)) as pilot:
        footer = app.query_one(KeyFooter)
        await wait_until(pilot, lambda: bool(footer.keys))
        line = str(footer.render())
        assert len(line) == 80 and line.rstrip().endswith("^p Palette")
        x = line.index("^p Palette")
        await pilot.click(KeyFooter, offset=(x, 0))
        await wait_until(pilot, lambda: len(app.screen_stack) > 1)  # the palette opened
        assert type(app.screen).__name__ == "CommandPalette"
        await pilot.press("escape")
        await pilot.pause()
        await pilot.resize_terminal(40, 12)  # too narrow for every key: the palette key stays
        await pilot.pause()
        line = str(footer.render())
        assert len(line) == 40 and line.rstrip().endswith("^p Palette")
