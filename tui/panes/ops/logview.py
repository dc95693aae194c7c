"""An instance's run log: a streaming tail with follow/pause, search, and one log per run.

Memory is bounded whatever the log's size: the view opens on the last ``TAIL_BYTES`` of the
file and keeps at most ``MAX_LINES`` lines; new bytes are read in slices of at most
``POLL_BYTES`` every ``POLL_SECONDS``, so a runaway job printing gigabytes never freezes the UI.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Input, Log, Static

from engine.errors import MaxworksError

if TYPE_CHECKING:
    from engine.api import Api

TAIL_BYTES = 512 * 1024
POLL_BYTES = 256 * 1024
POLL_SECONDS = 0.5
MAX_LINES = 20_000


def wrap_line(line: str, width: int) -> list[str]:
    """``line`` cut into rows of ``width`` characters (continuations indented by two): an error
    at the end of a long log line is read without scrolling sideways."""
    if width < 8 or len(line) <= width:
        return [line]
    rows = [line[:width]]
    rest = line[width:]
    inner = width - 2
    while rest:
        rows.append("  " + rest[:inner])
        rest = rest[inner:]
    return rows


class LogScreen(Screen[None]):
    """f follow/pause · / search · n / N next / previous match · [ ] previous / next run ·
    w wrap long lines (on) or scroll sideways with ← → · g / G top / bottom · Esc close."""

    DEFAULT_CSS = """
    LogScreen { background: $surface; }
    LogScreen .log-head { height: 1; background: $panel; color: $text; padding: 0 1; }
    LogScreen Log { height: 1fr; }
    LogScreen Input { display: none; }
    LogScreen Input.searching { display: block; }
    LogScreen .log-foot { height: 1; color: $text-muted; padding: 0 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="ops.log.close"),
        Binding("f", "follow", "Follow/pause", id="ops.log.follow"),
        Binding("slash", "search", "Search", id="ops.log.search"),
        Binding("n", "match(1)", "Next match", show=False, id="ops.log.next"),
        Binding("N", "match(-1)", "Previous match", show=False, id="ops.log.prev"),
        Binding("left_square_bracket", "run(-1)", "Previous run", id="ops.log.prev_run"),
        Binding("right_square_bracket", "run(1)", "Next run", id="ops.log.next_run"),
        Binding("w", "wrap", "Wrap", id="ops.log.wrap"),
        Binding("left", "sideways(-8)", "Left", show=False, priority=True, id="ops.log.left"),
        Binding("right", "sideways(8)", "Right", show=False, priority=True, id="ops.log.right"),
        Binding("g", "top", "Top", show=False, id="ops.log.top"),
        Binding("G", "bottom", "Bottom", show=False, id="ops.log.bottom"),
    ]

    def __init__(self, api: Api, iid: int, *, run_no: int | None = None) -> None:
        super().__init__()
        self.api = api
        self.iid = iid
        self.files: list[Path] = []
        self.index = -1
        self.wanted_run = run_no
        self.read_at = 0
        self.partial = ""
        self.follow = True
        self.pattern = ""
        self.match_line = -1
        self.truncated = False
        self.wrap = True
        self._wrapped_at = 0  # the width lines were wrapped to

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("", classes="log-head", id="log-head")
            yield Log(max_lines=MAX_LINES, auto_scroll=True, id="log")
            yield Input(
                placeholder="search the log (Enter: next match, Esc: close)", id="log-search"
            )
            yield Static("", classes="log-foot", id="log-foot")

    @property
    def log_widget(self) -> Log:
        return self.query_one(Log)

    def on_mount(self) -> None:
        self.call_after_refresh(self._start)

    def _start(self) -> None:
        self._load_files()
        self.set_interval(POLL_SECONDS, self.poll)
        self.log_widget.focus()

    def _load_files(self) -> None:
        try:
            self.files = self.api.ops.log_files(self.iid)
            self.info = self.api.ops.instance(self.iid)
        except MaxworksError as err:
            self.query_one("#log-head", Static).update(Text(str(err)))
            return
        if not self.files:
            self.index = -1
            self._head(f"no log yet ({self.info.status_label}); waiting for the first run")
            return
        wanted = str(self.wanted_run) if self.wanted_run is not None else None
        stems = [p.stem for p in self.files]
        self.index = stems.index(wanted) if wanted in stems else len(self.files) - 1
        self._open_current()

    def _open_current(self) -> None:
        self.log_widget.clear()
        self.partial = ""
        path = self.files[self.index]
        try:
            size = path.stat().st_size
        except OSError as err:
            self._head(f"{path}: cannot read the log: {err.strerror}")
            return
        self.truncated = size > TAIL_BYTES
        self.read_at = max(0, size - TAIL_BYTES)
        self._read(limit=TAIL_BYTES, skip_partial_line=self.truncated)
        self._head()

    def _head(self, note: str = "") -> None:
        info = getattr(self, "info", None)
        what = f"instance {self.iid}"
        if info is not None:
            what += f" · {info.node_name} · bizdate {info.bizdate} · {info.status_label}"
        if self.index >= 0:
            what += f" · run {self.files[self.index].stem} of {len(self.files)}"
        if self.truncated:
            what += f" · last {TAIL_BYTES // 1024} KB"
        self.query_one("#log-head", Static).update(Text(what + (f" · {note}" if note else "")))
        follow = "following" if self.follow else "paused"
        search = f" · /{self.pattern}" if self.pattern else ""
        self.query_one("#log-foot", Static).update(
            Text(f"{follow}{search} · f follow · / search · w wrap · [ ] run · Esc close")
        )

    def _read(self, *, limit: int = POLL_BYTES, skip_partial_line: bool = False) -> None:
        if self.index < 0:
            return
        path = self.files[self.index]
        try:
            with path.open("rb") as handle:
                handle.seek(self.read_at)
                data = handle.read(limit)
        except OSError:
            return
        if not data:
            return
        self.read_at += len(data)
        text = self.partial + data.decode("utf-8", errors="replace")
        if skip_partial_line and "\n" in text:
            text = text.split("\n", 1)[1]
        lines = text.split("\n")
        self.partial = lines.pop()
        if lines and self.wrap:
            width = self._wrapped_at = self._text_width()
            lines = [row for line in lines for row in wrap_line(line, width)]
        if lines:
            self.log_widget.write_lines(lines, scroll_end=self.follow)

    def _text_width(self) -> int:
        log = self.log_widget
        return max(0, log.scrollable_content_region.width - 1)

    def on_resize(self) -> None:
        if self.wrap and self.index >= 0 and self._text_width() != self._wrapped_at:
            self._open_current()  # wrapped again to the new width (the tail is read again)

    def poll(self) -> None:
        """New bytes of the current run, and new runs (a rerun while the log is open)."""
        if self.index < 0 or self.index == len(self.files) - 1:
            try:
                files = self.api.ops.log_files(self.iid)
            except MaxworksError:
                return
            if len(files) != len(self.files):
                self.files = files
                if self.follow or self.index < 0:
                    self.index = len(files) - 1
                    self._open_current()
                return
        self._read()
        if self.follow:
            self.log_widget.scroll_end(animate=False)

    # -- actions ----------------------------------------------------------------------------------
    def action_close(self) -> None:
        if self.query_one(Input).has_class("searching"):
            self.query_one(Input).remove_class("searching")
            self.log_widget.focus()
            return
        self.dismiss(None)

    def action_follow(self) -> None:
        self.follow = not self.follow
        self.log_widget.auto_scroll = self.follow
        if self.follow:
            self.log_widget.scroll_end(animate=False)
        self._head()

    def action_search(self) -> None:
        search = self.query_one(Input)
        search.add_class("searching")
        self.set_focus(search)

    @on(Input.Submitted, "#log-search")
    def _searched(self, event: Input.Submitted) -> None:
        event.stop()
        self.pattern = event.value
        self.match_line = -1
        self.query_one(Input).remove_class("searching")
        self.log_widget.focus()
        self.action_match(1)

    def action_match(self, step: int) -> None:
        if not self.pattern:
            return
        lines = self.log_widget.lines
        needle = self.pattern.lower()
        n = len(lines)
        start = self.match_line if self.match_line >= 0 else (n - 1 if step < 0 else -1)
        for k in range(1, n + 1):
            i = (start + step * k) % n if n else 0
            if needle in lines[i].lower():
                self.match_line = i
                self.follow = False
                self.log_widget.auto_scroll = False
                self.log_widget.scroll_to(y=max(0, i - 2), animate=False)
                self._head(f"match at line {i + 1}")
                return
        self._head(f"no match for {self.pattern!r}")

    def action_run(self, step: int) -> None:
        if not self.files:
            return
        new = self.index + step
        if 0 <= new < len(self.files):
            self.index = new
            self._open_current()

    def action_wrap(self) -> None:
        self.wrap = not self.wrap
        if self.index >= 0:
            self._open_current()
        self._head("long lines wrapped" if self.wrap else "long lines cut: ← → scroll sideways")

    def action_sideways(self, columns: int) -> None:
        if isinstance(self.focused, Input):  # the search box: the cursor moves, not the log
            self.focused.action_cursor_left() if columns < 0 else self.focused.action_cursor_right()
            return
        log = self.log_widget
        log.scroll_to(x=max(0, log.scroll_x + columns), animate=False)

    def action_top(self) -> None:
        self.follow = False
        self.log_widget.auto_scroll = False
        self.log_widget.scroll_home(animate=False)
        self._head()

    def action_bottom(self) -> None:
        self.log_widget.scroll_end(animate=False)
