"""The maxworks shell: a status bar, the panes, the ``:`` command line and a footer.

The app only routes: keys and commands to panes, pane targets (``:node``, ``:inst``) to the pane
that owns them, themes to Textual, and the scheduler toggle to a thread worker
(tui.scheduler_control). Panes are imported lazily from the ``tui.panes.PANES`` registry the first
time they are shown, so startup pays only for the first one. Built by :func:`tui.factory.make_app`.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from textual import events, on, work
from textual.app import App, ComposeResult
from textual.binding import BindingType
from textual.css.query import NoMatches
from textual.message import Message
from textual.widget import Widget
from textual.widgets import ContentSwitcher
from textual.worker import Worker, get_current_worker

from engine.errors import MaxworksError, PermissionDenied
from tui.commands import Command, CommandError, CommandHistory, parse_command
from tui.config import ConfigError, Settings, save_theme
from tui.keymap import effective_keys, key_label, shell_bindings
from tui.panes import PANES
from tui.panes.base import Pane
from tui.scheduler_control import (
    EmbeddedSchedulerStarted,
    EmbeddedSchedulerStopped,
    LeaderObserved,
    SchedulerState,
    observe_leader,
    run_embedded,
)
from tui.widgets.command_line import CommandLine
from tui.widgets.footer import KeyFooter
from tui.widgets.status_bar import Context, PaneTab, StatusBar

if TYPE_CHECKING:
    from textual.command import Provider
    from textual.theme import Theme

    from engine.api import Api
    from tui.heap import IdleCollector
    from tui.themes import LoadedThemes

LEADER_POLL_SECONDS = 2.0  # k9s' minimum refresh; the lease's TTL is 15 s
HEAP_TICK_SECONDS = 0.25  # how often the idle collector looks (tui.heap)
SHORT_TITLES = {"studio": "Studio", "ops": "Ops", "map": "Map", "approvals": "Approvals"}


def _shell_commands() -> type[Provider]:
    from tui.palette import ShellCommands

    return ShellCommands


class NodeNamesReady(Message):
    """The node-name worker read the working copy: what ``:node`` completes."""

    def __init__(self, names: list[str]) -> None:
        super().__init__()
        self.names = names


class MaxworksApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "maxworks"
    BINDINGS: ClassVar[list[BindingType]] = shell_bindings()
    COMMANDS: ClassVar = App.COMMANDS | {_shell_commands}

    def __init__(
        self,
        api: Api,
        settings: Settings,
        themes: LoadedThemes,
        *,
        panes: Sequence[tuple[str, str, str]] = PANES,
        heap: IdleCollector | None = None,
    ) -> None:
        super().__init__()
        self.api = api
        self.heap = heap
        """Runs full garbage collections when the user pauses (the CLI's app; tests mostly not)."""
        self.settings = settings
        """The user's settings (panes read ``settings.editor``)."""
        self.problems: list[str] = [*settings.errors, *themes.errors]
        """Startup problems shown to the user (broken config or theme files)."""
        self._install_themes(themes)
        self.set_keymap(settings.keymap)
        self.history = CommandHistory(settings.history_path)
        self._panes = {pane_id: (target, title) for pane_id, target, title in panes}
        start = settings.start_pane
        self._start = start if start in self._panes else next(iter(self._panes))
        self._loaded: dict[str, Widget] = {}
        self._focus_memory: dict[str, Widget] = {}
        self._focus_before_command: Widget | None = None
        self._scheduler: Worker[None] | None = None
        self._embedded_holder: str | None = None
        self._scheduler_idle = threading.Event()
        self._scheduler_idle.set()
        self._autostart_pending = settings.autostart_scheduler

    def _install_themes(self, themes: LoadedThemes) -> None:
        for theme in themes.themes.values():
            self.register_theme(theme)
        wanted = self.settings.theme
        if wanted not in themes.themes:
            self.problems.append(
                f"{self.settings.path}: theme: no theme {wanted!r} "
                f"(themes: {', '.join(sorted(themes.themes))}); using dark"
            )
            wanted = "dark" if "dark" in themes.themes else next(iter(themes.themes))
        self.theme = wanted
        # Themes are data: only the files' themes are offered (Textual's built-ins are not).
        for name in list(self.available_themes):
            if name not in themes.themes:
                self.unregister_theme(name)

    # -- layout -----------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        start = self._start
        yield StatusBar(id="status")
        yield ContentSwitcher(self._build_pane(start), initial=start, id="panes")
        yield CommandLine(self.history, id="command-line")
        yield KeyFooter()

    @property
    def status(self) -> StatusBar:
        return self.query_one("#status", StatusBar)

    @property
    def command_line(self) -> CommandLine:
        return self.query_one("#command-line", CommandLine)

    def on_mount(self) -> None:
        config = self.api.workspace.config
        status = self.status
        status.context = Context(config.name, config.default_env, self.api.user, config.engine)
        status.current = self._start
        self._refresh_key_labels()
        self.command_line.cursor_blink = self.settings.editor.cursor_blink
        self.theme_changed_signal.subscribe(self, self.remember_theme)
        if self.problems:
            self.notify(
                "\n".join(self.problems) + "\nDefaults are used for these settings.",
                title="Settings have problems",
                severity="error",
                timeout=30,
                markup=False,
            )
        self.call_after_refresh(self._focus_pane, self._start)
        self.check_membership()
        self.poll_leader()
        self.set_interval(LEADER_POLL_SECONDS, self.poll_leader)
        if self.heap is not None:
            self.heap.start()
            self.set_interval(HEAP_TICK_SECONDS, self.heap.tick)

    async def on_event(self, event: events.Event) -> None:
        if self.heap is not None and isinstance(event, events.InputEvent):
            self.heap.touch()
        await super().on_event(event)

    @work(thread=True, group="membership")
    def check_membership(self) -> None:
        """A user who is not a member sees why every pane is empty, and what to do."""
        try:
            self.api.security.require_member()
        except PermissionDenied as err:
            self.call_from_thread(
                self.notify,
                f"{err.message}: nothing in it can be shown.\n{err.hint or ''}",
                title="Not a member of this workspace",
                severity="error",
                timeout=60,
                markup=False,
            )
        except MaxworksError:
            pass  # a broken state.db: the panes say so

    def _refresh_key_labels(self) -> None:
        keys = effective_keys(self.settings.keymap)
        self.status.tabs = tuple(
            PaneTab(
                pane_id,
                title,
                SHORT_TITLES.get(pane_id, title),
                _first(keys.get(f"pane.{pane_id}")),
            )
            for pane_id, (_target, title) in self._panes.items()
        )
        self.status.scheduler_key = _first(keys.get("scheduler.toggle"))

    # -- panes ------------------------------------------------------------------------------------
    def _build_pane(self, pane_id: str) -> Widget:
        from tui.factory import build_pane

        target, title = self._panes[pane_id]
        pane, error = build_pane(self.api, pane_id, target, title)
        if error:
            self.notify(error, title=f"{title} did not load", severity="error", markup=False)
        self._loaded[pane_id] = pane
        return pane

    async def action_show_pane(self, pane_id: str) -> None:
        from tui.widgets.help_screen import HelpScreen

        if pane_id not in self._panes:
            return
        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss(None)
        elif len(self.screen_stack) > 1:
            self.notify("Close this dialog first (Esc).", severity="warning")
            return
        self.command_line.close()
        switcher = self.query_one("#panes", ContentSwitcher)
        current = switcher.current
        if current and self.focused is not None and self._pane_of(self.focused) == current:
            self._focus_memory[current] = self.focused
        self.status.current = pane_id
        if pane_id in self._loaded:
            switcher.current = pane_id
        else:
            await switcher.add_content(self._build_pane(pane_id), set_current=True)
        self.call_after_refresh(self._focus_pane, pane_id)

    def _pane_of(self, widget: Widget) -> str | None:
        for pane_id, pane in self._loaded.items():
            if widget is pane or pane in widget.ancestors:
                return pane_id
        return None

    def _focus_pane(self, pane_id: str) -> None:
        if self.command_line.is_open or self.status.current != pane_id:
            return  # the prompt (reopened with an error) or a newer switch keeps the focus
        remembered = self._focus_memory.get(pane_id)
        if remembered is not None and remembered.is_attached and remembered.focusable:
            remembered.focus()
            return
        for widget in self.screen.focus_chain:
            if self._pane_of(widget) == pane_id:
                widget.focus()
                return

    # -- command mode -----------------------------------------------------------------------------
    def action_command_mode(self) -> None:
        if len(self.screen_stack) > 1:
            return
        if not self.command_line.is_open:
            self._focus_before_command = self.focused
        self.command_line.themes = self.theme_names()
        self.command_line.open()
        self.load_node_names()

    @work(thread=True, exclusive=True, group="node-names")
    def load_node_names(self) -> None:
        try:
            names = [node.name for node in self.api.studio.list_nodes()]
        except Exception:  # a broken node file: completion just offers nothing
            names = []
        self.post_message(NodeNamesReady(names))

    @on(NodeNamesReady)
    def offer_node_names(self, message: NodeNamesReady) -> None:
        self.command_line.nodes = message.names

    @on(CommandLine.Closed)
    def return_focus(self) -> None:
        before = self._focus_before_command
        if before is not None and before.is_attached and before.focusable:
            before.focus()
        else:
            self._focus_pane(self.status.current)

    @on(CommandLine.CommandEntered)
    async def route_command(self, event: CommandLine.CommandEntered) -> None:
        await self.run_command(event.command, event.text)

    async def run_command_text(self, text: str) -> None:
        """Run a command line from elsewhere (the palette); errors open the prompt to fix them."""
        try:
            command = parse_command(text, themes=self.theme_names())
        except CommandError as err:
            self.action_command_mode()
            self.command_line.open(text.lstrip(":"), error=str(err))
            return
        self.history.add(text.lstrip(":"))
        await self.run_command(command, text)

    async def run_command(self, command: Command, text: str) -> None:
        name = command.name
        if name in self._panes and command.args:  # :map TABLE
            await self._open_target(name, command, text)
        elif name in self._panes:
            await self.action_show_pane(name)
        elif name in ("node", "inst"):
            await self._open_target("studio" if name == "node" else "ops", command, text)
        elif name == "theme":
            self.switch_theme(command.args[0])
        elif name == "help":
            self.action_help()
        elif name == "quit":
            self.exit()

    async def _open_target(self, pane_id: str, command: Command, text: str) -> None:
        await self.action_show_pane(pane_id)
        pane = self._loaded[pane_id]
        title = self._panes[pane_id][1]
        try:
            opened = isinstance(pane, Pane) and pane.open_target(command.target)
            if command.name == "node":
                reason = (
                    f"no node {' '.join(command.args)!r} in this workspace (Tab completes names)"
                )
            else:
                reason = f"{title} cannot open {command.target!r}"
        except Exception as err:
            opened, reason = False, f"{title}: {err}"
        if not opened:
            self.action_command_mode()
            self.command_line.open(text.lstrip(":"), error=reason)

    # -- help, themes -----------------------------------------------------------------------------
    def action_help(self) -> None:
        from tui.widgets.help_screen import HelpScreen, sections_for

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss(None)
            return
        pane_id = self.status.current
        title = self._panes.get(pane_id, ("", "maxworks"))[1]
        sections = sections_for(self, self.screen, self._loaded.get(pane_id), title)
        self.push_screen(HelpScreen(sections, title=f"Keys · {title}"))

    def theme_names(self) -> list[str]:
        return sorted(self.available_themes)

    def pane_titles(self) -> list[tuple[str, str, str]]:
        return [(tab.id, tab.title, tab.key) for tab in self.status.tabs]

    def switch_theme(self, name: str) -> None:
        if name not in self.available_themes:
            self.notify(
                f"no theme {name!r}; themes: {', '.join(self.theme_names())}", severity="error"
            )
            return
        self.theme = name

    def remember_theme(self, theme: Theme) -> None:
        if theme.name == self.settings.theme:
            return
        try:
            self.settings = save_theme(self.settings, theme.name)
        except ConfigError as err:
            self.notify(str(err), title="Theme not remembered", severity="warning", markup=False)

    # -- the scheduler ----------------------------------------------------------------------------
    def poll_leader(self) -> None:
        self.run_worker(
            partial(observe_leader, self.api, self.post_message),
            thread=True,
            exclusive=True,
            group="leader",
            name="read the scheduler lease",
        )

    def action_toggle_scheduler(self) -> None:
        worker = self._scheduler
        if worker is not None:
            worker.cancel()
            self.status.scheduler = SchedulerState("stopping")
            return
        self.status.scheduler = SchedulerState("starting")
        self._scheduler_idle.clear()
        self._scheduler = self.run_worker(
            self._lead, thread=True, group="scheduler", name="embedded scheduler"
        )

    def _lead(self) -> None:
        """Thread worker: lead the workspace until cancelled (toggle key or exit)."""
        worker = get_current_worker()
        try:
            run_embedded(self.api, self.post_message, lambda: worker.is_cancelled)
        finally:
            self._scheduler_idle.set()

    @on(LeaderObserved)
    def show_leader(self, message: LeaderObserved) -> None:
        if self._scheduler is not None:
            return  # the embedded leader's own messages are authoritative while it runs
        try:
            status = self.status
        except NoMatches:
            return  # the answer came back while the app was closing
        status.scheduler = SchedulerState.of(message.holder, None)
        if self._autostart_pending and message.holder is None:
            self._autostart_pending = False
            self.action_toggle_scheduler()

    @on(EmbeddedSchedulerStarted)
    def show_embedded(self, message: EmbeddedSchedulerStarted) -> None:
        self._embedded_holder = message.holder_id
        self.status.scheduler = SchedulerState("embedded")

    @on(EmbeddedSchedulerStopped)
    def show_stopped(self, message: EmbeddedSchedulerStopped) -> None:
        self._scheduler = None
        self._embedded_holder = None
        self.status.scheduler = SchedulerState("none")
        if message.error:
            self.notify(message.error, title="Scheduler", severity="error", markup=False)
        self.poll_leader()

    def on_unmount(self) -> None:
        if self.heap is not None:
            self.heap.stop()
        # Textual cancelled every worker on exit; wait (briefly) for the leader to release the lease.
        if self._scheduler is not None:
            self._scheduler.cancel()
        self._scheduler_idle.wait(timeout=10)


def _first(keys: tuple[str, ...] | None) -> str:
    return key_label(keys[0]) if keys else ""
