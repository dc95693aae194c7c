"""The shell: panes, command mode, help, palette, themes, settings, the scheduler, resizing."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from textual.command import CommandPalette
from textual.widgets import Input, TextArea

from engine.api import Api
from engine.scheduler import lease
from engine.workspace import Workspace
from tests.conftest import Clock
from tests.tui.conftest import AppFactory, EditorPane, screen_text, wait_until, write_config
from tui.app import MaxworksApp
from tui.commands import CommandError, complete, parse_command
from tui.config import load_settings
from tui.heap import IdleCollector
from tui.panes.placeholder import PendingPane
from tui.themes import ThemeError, load_theme_file, load_themes
from tui.widgets.help_screen import HelpScreen

ROOT = Path(__file__).parent.parent.parent
pytestmark = pytest.mark.anyio


def current(app: MaxworksApp) -> str:
    return app.status.current


def command_input(app: MaxworksApp) -> Input:
    return app.command_line.input


def card_text(app: MaxworksApp, pane_id: str) -> str:
    return str(app.query_one(f"#{pane_id}-card").render())


def hint_classes(app: MaxworksApp) -> set[str]:
    return set(app.query_one("#command-hint").classes)


def hint(app: MaxworksApp) -> str:
    return str(app.query_one("#command-hint").render())


# -- panes ----------------------------------------------------------------------------------------
async def test_each_pane_is_one_chord_away_even_from_the_editor(make: AppFactory) -> None:
    app = make()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        editor = app.query_one("#editor", TextArea)
        assert app.focused is editor
        for key, pane in (("ctrl+o", "ops"), ("ctrl+n", "map"), ("ctrl+l", "approvals")):
            await pilot.press(key)
            assert current(app) == pane
            assert app.query_one("#panes").current == pane  # type: ignore[attr-defined]
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert current(app) == "studio"
        assert app.focused is editor, "focus comes back to where it was in the pane"
        assert editor.text == "SELECT 1;", "the chord never typed into the editor"


@pytest.mark.parametrize(
    ("sequence", "pane"),
    [(b"\x0f", "ops"), (b"\x0e", "map"), (b"\x0c", "approvals"), (b"\x1b[51;3u", "map")],
    ids=["ctrl+o", "ctrl+n", "ctrl+l", "alt+3-kitty"],
)
async def test_the_bytes_terminals_send_switch_panes_from_the_editor(
    make: AppFactory, sequence: bytes, pane: str
) -> None:
    # What a terminal really sends, parsed as Textual's driver parses it: control keys are one
    # byte in every terminal; alt+digit arrives as a CSI u sequence in kitty-protocol terminals.
    from textual._xterm_parser import XTermParser

    keys = list(XTermParser().feed(sequence.decode()))
    app = make()
    async with app.run_test() as pilot:
        await pilot.pause()
        for key in keys:
            app.post_message(key)
        await pilot.pause()
        assert current(app) == pane
        assert app.query_one("#editor", TextArea).text == "SELECT 1;"


async def test_printable_shell_keys_type_into_the_editor(make: AppFactory) -> None:
    app = make()
    async with app.run_test() as pilot:
        await pilot.pause()
        await pilot.press("colon", "question_mark")
        assert app.query_one("#editor", TextArea).text.startswith(":?")
        assert not app.command_line.is_open
        assert not isinstance(app.screen, HelpScreen)


async def test_panes_are_built_lazily_and_placeholders_say_what_to_use(make: AppFactory) -> None:
    app = make(start_pane="ops")
    async with app.run_test() as pilot:
        await pilot.pause()
        assert set(app._loaded) == {"ops"}
        text = card_text(app, "ops")
        assert "Operation Center arrives with issue 6" in text
        assert "maxworks why ID" in screen_text(app)
        assert isinstance(app.focused, type(app.query_one("#ops-card"))), "keyboard-reachable"
        await pilot.press("alt+3")
        assert set(app._loaded) == {"ops", "map"}


async def test_a_missing_pane_module_shows_a_placeholder_that_says_so(make: AppFactory) -> None:
    panes = [("studio", "tui.panes.not_written_yet:StudioPane", "DataStudio"),
             ("ops", "tui.panes.placeholder:OpsPane", "Operation Center")]  # fmt: skip
    app = make(panes=panes)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert isinstance(app._loaded["studio"], PendingPane)
        assert "tui.panes.not_written_yet, not installed yet" in card_text(app, "studio")
        await pilot.press("alt+2")
        assert current(app) == "ops"


async def test_a_pane_that_fails_to_load_does_not_take_the_shell_down(make: AppFactory) -> None:
    panes = [("studio", "tui.panes.placeholder:NoSuchClass", "DataStudio"),
             ("ops", "tui.panes.placeholder:OpsPane", "Operation Center")]  # fmt: skip
    app = make(panes=panes)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert isinstance(app._loaded["studio"], PendingPane)
        assert "it failed to load (AttributeError" in card_text(app, "studio")


# -- command mode ---------------------------------------------------------------------------------
async def test_command_mode_switches_panes_with_aliases(make: AppFactory) -> None:
    app = make(start_pane="ops")
    async with app.run_test() as pilot:
        await pilot.pause()
        await pilot.press("colon")
        assert app.command_line.is_open and app.focused is command_input(app)
        await pilot.press(*"map", "enter")
        assert current(app) == "map" and not app.command_line.is_open
        await pilot.press("colon", *"ds", "enter")
        assert current(app) == "studio"
        assert app.focused is app.query_one("#editor")


async def test_tab_completes_commands_and_arguments(make: AppFactory) -> None:
    app = make(start_pane="ops")
    async with app.run_test() as pilot:
        await pilot.pause()
        await pilot.press("colon", "o", "tab")
        assert command_input(app).value == "ops "
        await pilot.press(*["backspace"] * 4, *"th", "tab")
        assert command_input(app).value == "theme "
        await pilot.press("tab")  # several themes: the first, then the next on each Tab
        assert command_input(app).value == "theme dark"
        assert "high-contrast" in hint(app) and "light" in hint(app)
        await pilot.press("tab")
        assert command_input(app).value == "theme high-contrast"
        await pilot.press("ctrl+u", *"inst st", "tab")
        assert command_input(app).value == "inst status="
        await pilot.press(*"fa", "tab")
        assert command_input(app).value == "inst status=failed "


async def test_node_names_complete_from_the_workspace(make: AppFactory, api: Api) -> None:
    api.studio.create_node("ods_orders", "sales", "odps_sql", code="SELECT 1;")
    api.studio.create_node("ods_users", "sales", "odps_sql", code="SELECT 1;")
    app = make(start_pane="ops")
    async with app.run_test() as pilot:
        await pilot.pause()
        await pilot.press("colon")
        await wait_until(pilot, lambda: bool(app.command_line.nodes))
        await pilot.press(*"node ods_", "tab")
        assert command_input(app).value == "node ods_orders"
        await pilot.press("tab")
        assert command_input(app).value == "node ods_users"


async def test_node_and_inst_route_to_the_panes_that_own_them(make: AppFactory) -> None:
    app = make(start_pane="map")
    async with app.run_test() as pilot:
        await pilot.pause()
        await pilot.press("colon", *"node ods_orders", "enter")
        assert current(app) == "studio"
        studio = app._loaded["studio"]
        assert isinstance(studio, EditorPane) and studio.opened == ["ods_orders"]
        await pilot.press("alt+3", "colon", *"i status=failed bizdate=20250314", "enter")
        assert current(app) == "ops"
        note = str(app.query_one("#ops-note").render())
        assert note == "Meanwhile: maxworks instances --bizdate 20250314 --status failed"


async def test_errors_are_shown_inline_and_never_crash(make: AppFactory) -> None:
    app = make(start_pane="ops")
    async with app.run_test() as pilot:
        await pilot.pause()
        await pilot.press("colon", *"frobnicate", "enter")
        assert app.command_line.is_open and "unknown command :frobnicate" in hint(app)
        await pilot.press("ctrl+u", *"inst status=bogus", "enter")
        assert "status=bogus: unknown status 'bogus'; use one of not_run" in hint(app)
        await pilot.press("ctrl+u", *"inst bizdate=2025-03-14", "enter")
        assert "expected a date YYYYMMDD" in hint(app)
        await pilot.press("ctrl+u", *"node no_such_node", "enter")
        assert current(app) == "studio"
        assert app.command_line.is_open
        assert "no node 'no_such_node' in this workspace (Tab completes names)" in hint(app)
        assert command_input(app).value == "node no_such_node"
        await pilot.press("colon", *"ops")  # ":" again starts a new line, it is not appended
        assert command_input(app).value == "ops" and "-error" not in hint_classes(app)
        await pilot.press("escape")
        assert not app.command_line.is_open
        assert app.focused is app.query_one("#editor")
        assert app.is_running


async def test_history_is_kept_across_sessions(make: AppFactory, config_dir: Path) -> None:
    app = make(start_pane="ops")
    async with app.run_test() as pilot:
        await pilot.pause()
        for line in ("map", "approvals", "ops"):
            await pilot.press("colon", *line, "enter")
    assert (config_dir / "history").read_text().splitlines() == ["map", "approvals", "ops"]
    again = make(start_pane="ops")
    async with again.run_test() as pilot:
        await pilot.pause()
        await pilot.press("colon", *"ap")
        await pilot.press("up")
        assert command_input(again).value == "ops"
        await pilot.press("up", "up", "up")
        assert command_input(again).value == "map"
        await pilot.press("down", "down", "down")
        assert command_input(again).value == "ap", "past the newest entry: the draft comes back"


async def test_q_quits(make: AppFactory) -> None:
    app = make(start_pane="ops")
    async with app.run_test() as pilot:
        await pilot.pause()
        await pilot.press("colon", "q", "enter")
        await pilot.pause()
        assert app._exit


def test_the_parser_and_completion_are_plain_functions() -> None:
    assert parse_command(":i node=x status=running").target == "inst status=running node=x"
    assert parse_command("oc").name == "ops"
    with pytest.raises(CommandError, match="takes no arguments"):
        parse_command("ops now")
    with pytest.raises(CommandError, match="no theme 'pink'"):
        parse_command("theme pink", themes=["dark", "light"])
    assert complete("")[:4] == ["studio", "ops", "map", "approvals"]
    assert complete("inst bizdate=20250101 ") == [
        "inst bizdate=20250101 group=",
        "inst bizdate=20250101 node=",
        "inst bizdate=20250101 owner=",
        "inst bizdate=20250101 status=",
        "inst bizdate=20250101 type=",
    ]
    # every filter Operation Center's / knows, every date, and its refusals in its words
    assert parse_command("inst bizdate=ALL owner=me node=dwd_* type=shell").target == (
        "inst bizdate=all node=dwd_* owner=me type=shell"
    )
    with pytest.raises(CommandError, match="status=broken: unknown status 'broken'"):
        parse_command("inst status=broken")
    with pytest.raises(CommandError, match="expected a date YYYYMMDD, or all"):
        parse_command("inst bizdate=yesterday")


def test_the_states_offered_are_operation_centers() -> None:
    from engine.ops.monitor import BUCKETS
    from tui.commands import INST_STATUSES

    assert tuple(name for name, _ in BUCKETS) == INST_STATUSES
    for status in INST_STATUSES:
        assert parse_command(f"inst status={status}").target == f"inst status={status}"


# -- help and palette -----------------------------------------------------------------------------
async def test_help_lists_the_keys_of_the_focused_view(make: AppFactory) -> None:
    app = make()
    async with app.run_test(size=(100, 60)) as pilot:
        await pilot.pause()
        await pilot.press("f1")  # ? would type into the editor
        assert isinstance(app.screen, HelpScreen)
        titles = [s.title for s in app.screen.sections]
        assert titles[:2] == ["DataStudio", "Here (TextArea)"]
        here = dict(app.screen.sections[1].keys)
        assert "Undo" in here.values()
        everywhere = {d: k for k, d in app.screen.sections[2].keys}
        assert everywhere["Operation Center"] == "^o alt+2"
        assert "?" not in everywhere.get("Keys", ""), "? types in the editor, so it is not listed"
        assert "run the node (stand-in)" in screen_text(app)
        palette_note = "a command line from the editor (: types into the code)"
        assert everywhere[palette_note] == "^p, then :…"
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("alt+2", "question_mark")
        assert isinstance(app.screen, HelpScreen)
        assert app.screen.sections[0].title == "Operation Center"
        await pilot.press("alt+3")  # a pane chord works from the help screen too
        assert not isinstance(app.screen, HelpScreen) and current(app) == "map"


async def test_the_palette_offers_our_commands_and_runs_command_lines(make: AppFactory) -> None:
    app = make()
    async with app.run_test() as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p")  # from inside the editor
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"go to data map")
        await wait_until(pilot, lambda: "Go to Data Map" in screen_text(app))
        await pilot.press("enter")
        await wait_until(pilot, lambda: current(app) == "map")
        await pilot.press("ctrl+p", *":node dwd_orders")
        await wait_until(pilot, lambda: "Run :node dwd_orders" in screen_text(app))
        await pilot.press("enter")
        await wait_until(pilot, lambda: current(app) == "studio")
        studio = app._loaded["studio"]
        assert isinstance(studio, EditorPane) and studio.opened == ["dwd_orders"]


# -- themes and settings --------------------------------------------------------------------------
async def test_theme_switches_at_runtime_and_is_remembered(
    make: AppFactory, config_dir: Path
) -> None:
    path = write_config(config_dir, '# mine\nstart_pane = "ops"\n\n[editor]\ntab_size = 2\n')
    app = make()
    async with app.run_test() as pilot:
        await pilot.pause()
        assert app.theme == "dark"
        await pilot.press("colon", *"theme light", "enter")
        await pilot.pause()
        assert app.theme == "light" and app.current_theme.dark is False
    text = path.read_text()
    assert 'theme = "light"' in text and "# mine" in text and "tab_size = 2" in text
    settings = load_settings(config_dir)
    assert (settings.theme, settings.editor.tab_size, settings.errors) == ("light", 2, ())
    again = make()
    async with again.run_test() as pilot:
        await pilot.pause()
        assert again.theme == "light"


async def test_the_palette_theme_picker_persists_too(make: AppFactory, config_dir: Path) -> None:
    app = make(start_pane="ops")
    async with app.run_test() as pilot:
        await pilot.pause()
        app.switch_theme("high-contrast")
        await pilot.pause()
    assert load_settings(config_dir).theme == "high-contrast"
    assert sorted(app.available_themes) == ["dark", "high-contrast", "light"]


async def test_keymap_is_remapped_from_the_config(make: AppFactory, config_dir: Path) -> None:
    write_config(config_dir, '[keymap]\n"pane.ops" = "f12"\npane.map = "alt+m"\n')
    app = make()
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        assert app.problems == []
        await pilot.press("ctrl+o", "alt+2")
        assert current(app) == "studio", "the old keys no longer switch"
        await pilot.press("f12")
        assert current(app) == "ops"
        await pilot.press("alt+m")
        assert current(app) == "map"
        assert "F12 Operation Center" in screen_text(app).splitlines()[0]


async def test_a_broken_config_is_shown_not_fatal(make: AppFactory, config_dir: Path) -> None:
    path = write_config(config_dir, 'theme = "dark"\n[keymap\n')
    app = make(start_pane="ops")
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await pilot.pause()
        assert app.problems and str(path) in app.problems[0] and "not valid TOML" in app.problems[0]
        await wait_until(pilot, lambda: "Settings have problems" in screen_text(app))
        await pilot.press("alt+3")
        assert current(app) == "map"
        app.switch_theme("light")
        await pilot.pause()
        assert app.theme == "light"
    assert path.read_text() == 'theme = "dark"\n[keymap\n', "a broken file is never overwritten"


def test_bad_values_name_the_file_and_the_key(config_dir: Path) -> None:
    path = write_config(
        config_dir,
        'theme = 3\nstart_pane = "nowhere"\ncolour = 1\n[keymap]\n"pane.nope" = "f2"\nhelp = "ctrl x"\n'
        '[editor]\ntab_size = 99\nsoft_wrap = "yes"\n',
    )
    settings = load_settings(config_dir)
    keys = [e.split(": ")[1] for e in settings.errors]
    assert all(e.startswith(f"{path}: ") for e in settings.errors)
    assert keys == ["colour", "theme", "start_pane", "keymap.pane.nope", "keymap.help",
                    "editor.tab_size", "editor.soft_wrap"]  # fmt: skip
    assert (settings.theme, settings.start_pane, settings.keymap) == ("dark", "studio", {})


async def test_user_themes_share_the_loader_and_bad_ones_are_reported(
    make: AppFactory, config_dir: Path
) -> None:
    themes = config_dir / "themes"
    themes.mkdir(parents=True)
    (themes / "dusk.toml").write_text('[colors]\nprimary = "#AA66FF"\nbackground = "#101018"\n')
    (themes / "typo.toml").write_text('[colors]\nprimary = "#AA66FF"\nbackgrund = "#000000"\n')
    write_config(config_dir, 'theme = "dusk"\n')
    app = make(start_pane="ops")
    async with app.run_test() as pilot:
        await pilot.pause()
        assert app.theme == "dusk"
        assert any("typo.toml: colors.backgrund: unknown colour" in p for p in app.problems)


def test_theme_files_are_validated(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('dark = "yes"\n[colors]\nprimary = "#123456"\n')
    with pytest.raises(ThemeError, match=r"bad.toml: dark: must be true or false"):
        load_theme_file(bad)
    bad.write_text('[colors]\nprimary = "not-a-colour"\n')
    with pytest.raises(ThemeError, match=r"colors.primary: 'not-a-colour' is not a colour"):
        load_theme_file(bad)
    bad.write_text('[colors]\nsecondary = "#123456"\n')
    with pytest.raises(ThemeError, match=r"colors.primary: is required"):
        load_theme_file(bad)
    loaded = load_themes(None)
    assert sorted(loaded.themes) == ["dark", "high-contrast", "light"] and loaded.errors == []


def test_no_colour_of_our_own_in_widgets_or_styles() -> None:
    mine = ["tui/app.py", "tui/app.tcss", "tui/panes/placeholder.py", "tui/widgets/status_bar.py",
            "tui/widgets/command_line.py", "tui/widgets/help_screen.py"]  # fmt: skip
    for name in mine:
        text = (ROOT / name).read_text()
        assert not re.search(r"#[0-9a-fA-F]{3,8}\b", text), name
        assert "color_system" not in text, name


async def test_no_color_is_honoured(make: AppFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make(start_pane="ops")
    async with app.run_test() as pilot:
        await pilot.pause()
        assert app.no_color


# -- the scheduler --------------------------------------------------------------------------------
async def test_the_toggle_starts_and_stops_an_embedded_leader(make: AppFactory, api: Api) -> None:
    app = make(start_pane="ops")
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        assert app.status.scheduler.kind == "none"
        assert "scheduler none F8" in screen_text(app).splitlines()[0]
        await pilot.press("f8")
        await wait_until(pilot, lambda: app.status.scheduler.kind == "embedded")
        holder = api.ops.leader()
        assert holder is not None and holder.pid == os.getpid()
        assert holder.holder == app._embedded_holder
        assert "scheduler embedded leader" in screen_text(app).splitlines()[0]
        await pilot.press("f8")
        await wait_until(pilot, lambda: app.status.scheduler.kind == "none")
        assert api.ops.leader() is None


async def test_quitting_stops_the_embedded_leader(make: AppFactory, api: Api) -> None:
    app = make(start_pane="ops")
    async with app.run_test() as pilot:
        await pilot.pause()
        await pilot.press("f8")
        await wait_until(pilot, lambda: app.status.scheduler.kind == "embedded")
        await pilot.press("ctrl+q")
    assert api.ops.leader() is None, "the lease is released on exit"


async def test_another_leader_is_shown_and_not_displaced(make: AppFactory, shop: Workspace) -> None:
    db = shop.open_state()
    try:
        assert lease.acquire(db, "ops-1:4242:abcd1234")
        db.conn.execute("UPDATE leases SET pid = 4242, host = 'ops-1'")
    finally:
        db.close()
    app = make(start_pane="ops")
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await wait_until(pilot, lambda: app.status.scheduler.kind == "other")
        assert "scheduler other leader (pid 4242 on ops-1)" in screen_text(app).splitlines()[0]
        await pilot.press("f8")
        await wait_until(pilot, lambda: "already running" in screen_text(app))
        await wait_until(pilot, lambda: app.status.scheduler.kind == "other")
    api = Api(shop, user="bob", clock=Clock())
    holder = api.ops.leader()
    assert holder is not None and holder.pid == 4242


async def test_a_lease_held_by_this_app_for_a_run_is_not_another_leader(
    make: AppFactory, shop: Workspace
) -> None:
    import os
    import socket

    db = shop.open_state()
    try:
        # what a DataStudio Run does when nobody leads: the app's own process leads briefly
        assert lease.acquire(db, f"{socket.gethostname()}:{os.getpid()}:run00001")
    finally:
        db.close()
    app = make(start_pane="ops")
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_until(pilot, lambda: app.status.scheduler.kind == "run")
        assert "scheduler leading for a run" in screen_text(app).splitlines()[0]


async def test_autostart_leads_when_nobody_does(make: AppFactory, api: Api) -> None:
    app = make(start_pane="ops", autostart_scheduler=True)
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: app.status.scheduler.kind == "embedded")
    assert api.ops.leader() is None


# -- layout ---------------------------------------------------------------------------------------
async def test_resizing_never_breaks_the_layout(make: AppFactory) -> None:
    app = make(start_pane="ops")
    async with app.run_test(size=(80, 24)) as pilot:
        for width, height in ((80, 24), (160, 48), (80, 24), (60, 16), (200, 60)):
            await pilot.resize_terminal(width, height)
            await pilot.pause()
            status, panes = app.status.region, app.query_one("#panes").region
            assert (status.y, status.width, status.height) == (0, width, 1)
            assert panes.y == 1 and panes.width == width and panes.height == height - 2
            top = screen_text(app).splitlines()[0]
            assert ("Ops" in top or "Operation Center" in top) and "shop" in top


async def test_focus_chain_reaches_every_pane_widget_by_keyboard(make: AppFactory) -> None:
    app = make(start_pane="approvals")
    async with app.run_test() as pilot:
        await pilot.pause()
        assert app.focused is app.query_one("#approvals-card")
        assert "Approvals arrives with issue 7" in card_text(app, "approvals")


def test_the_shell_starts_without_the_sql_engines(shop: Workspace, config_dir: Path) -> None:
    # Startup pays for Textual and the engine API only: DuckDB, sqlglot and pyodps load when a
    # pane needs them (the shell alone, here: Operation Center's placeholder).
    code = (
        "import asyncio, sys\n"
        "from dataclasses import replace\n"
        "from engine.api import Api\n"
        "from tui.config import load_settings\n"
        "from tui.factory import make_app\n"
        "from pathlib import Path\n"
        f"app = make_app(Api.open(Path({str(shop.root)!r})), config=replace(load_settings(), start_pane='ops'))\n"
        "async def main():\n"
        "    async with app.run_test() as pilot:\n"
        "        await pilot.pause()\n"
        "asyncio.run(main())\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'duckdb', 'sqlglot', 'odps', 'pyarrow'}))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.strip().splitlines()[-1] == "[]"


async def test_the_mouse_is_optional_but_works(make: AppFactory) -> None:
    app = make(start_pane="ops")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        top = screen_text(app).splitlines()[0]
        await pilot.click("#status", offset=(top.index("Map"), 0))
        await pilot.pause()
        assert current(app) == "map"


async def test_the_app_runs_full_garbage_collections_when_the_user_pauses(api: Api) -> None:
    """tui.heap wired into the app: keys and clicks count as input, the app's interval looks,
    and leaving the app puts CPython's collection schedule back."""
    import gc

    from tui.factory import make_app

    seconds = [0.0]
    heap = IdleCollector(clock=lambda: seconds[0], idle=0.4, due=0)  # due: every idle look
    saved = gc.get_threshold()
    app = make_app(api, heap=heap, config=replace(load_settings(), start_pane="ops"))
    async with app.run_test(size=(80, 24)) as pilot:
        assert heap.running and heap.frozen and gc.get_threshold()[2] != saved[2]
        seconds[0] = 10.0
        await pilot.press("ctrl+n")  # input: the user is busy at t=10
        looked = heap.ticks
        await wait_until(pilot, lambda: heap.ticks > looked)  # the app's interval looked
        assert heap.collections == 0
        seconds[0] = 10.5  # a pause of 0.5 s
        await wait_until(pilot, lambda: heap.collections > 0)
    assert not heap.running and gc.get_threshold() == saved and gc.get_freeze_count() == 0


@pytest.mark.parametrize("start", ["ops", "studio", "map", "approvals"])
async def test_a_user_who_is_not_a_member_is_told_why_and_whom_to_ask(
    shop: Workspace, config_dir: Path, start: str
) -> None:
    """Every real pane opens (and says it cannot show anything) instead of crashing the app."""
    from tui.factory import make_app

    api = Api(shop, user="mallory", clock=Clock())
    api.security.os_user = "mallory"  # as if the app ran as that OS user
    app = make_app(api, config=replace(load_settings(config_dir), start_pane=start))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(
            pilot, lambda: any("Not a member" in str(n.title) for n in app._notifications)
        )
        note = next(n for n in app._notifications if "Not a member" in str(n.title))
        assert note.severity == "error"
        assert "maxworks members add mallory --role ROLE" in str(note.message)
        for pane in ("ops", "studio", "map", "approvals"):  # every pane, one after another
            await app.action_show_pane(pane)
            await pilot.pause()
        assert app.is_running


# -- CLI --------------------------------------------------------------------------------------------
def test_the_app_command_opens_the_app_on_the_workspace(
    shop: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tui.factory
    from engine.cli.app_cmd import app as app_command

    opened: list[Api] = []
    heaps: list[IdleCollector | None] = []

    class Fake:
        def run(self) -> None:
            assert heaps[0] is not None
            heaps[0].start()  # as the app's on_mount does

    def fake_make_app(api: Api, heap: IdleCollector | None = None) -> Fake:
        opened.append(api)
        heaps.append(heap)
        return Fake()

    monkeypatch.setattr(tui.factory, "make_app", fake_make_app)
    result = CliRunner().invoke(app_command, [], obj={"workspace": shop.root})
    assert result.exit_code == 0, result.output
    assert opened and opened[0].workspace.root == shop.root
    # the CLI's app collects garbage at idle moments, and CPython's schedule is back after it
    assert isinstance(heaps[0], IdleCollector) and not heaps[0].running


# -- snapshots ------------------------------------------------------------------------------------
@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
def test_snapshot_shell(snap_compare: object, make: AppFactory, size: tuple[int, int]) -> None:
    assert snap_compare(make(start_pane="ops"), terminal_size=size)  # type: ignore[operator]


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
def test_snapshot_command_line(
    snap_compare: object, make: AppFactory, size: tuple[int, int]
) -> None:
    app = make(start_pane="ops")
    assert snap_compare(app, press=["colon", "t", "h", "tab", "tab"], terminal_size=size)  # type: ignore[operator]


def test_snapshot_help(snap_compare: object, make: AppFactory) -> None:
    assert snap_compare(make(start_pane="ops"), press=["question_mark"], terminal_size=(80, 24))  # type: ignore[operator]


def test_snapshot_light_theme(snap_compare: object, make: AppFactory) -> None:
    assert snap_compare(make(start_pane="map", theme="light"), terminal_size=(80, 24))  # type: ignore[operator]


def test_stand_in_panes_match_the_registry() -> None:
    from tests.tui.conftest import TEST_PANES
    from tui.panes import PANES

    assert [(i, t) for i, _, t in TEST_PANES] == [(i, t) for i, _, t in PANES]


def test_confirm_read_above_is_a_size_setting(config_dir: Path) -> None:
    from tui.config import load_settings

    assert load_settings(config_dir).confirm_read_above == 1 << 30
    write_config(config_dir, 'confirm_read_above = "500M"\n')
    assert load_settings(config_dir).confirm_read_above == 500 << 20
    write_config(config_dir, 'confirm_read_above = "lots"\n')
    settings = load_settings(config_dir)
    assert settings.confirm_read_above == 1 << 30
    assert any("confirm_read_above: 'lots' is not a size" in e for e in settings.errors)
