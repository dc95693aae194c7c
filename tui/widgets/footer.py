"""The footer: the keys Textual's ``Footer`` would show, drawn as one line by one widget.

Textual's footer is a container of one widget per key and recomposes on every change of the
active bindings (every pane switch, most focus changes). Even reusing its key widgets and only
showing or hiding them, each change was a layout pass of the whole screen (~25 ms with
DataStudio loaded) right after the pane's own. This footer draws the same keys in the same order
and colours as a single line: a change of keys is a repaint of one row. A click on a key presses
it, as on Textual's footer. Binding groups are drawn ungrouped (the app does not use them).
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, ClassVar, NamedTuple

from rich.text import Text
from textual import events
from textual.widget import Widget

if TYPE_CHECKING:
    from textual.binding import Binding
    from textual.screen import Screen


class FooterKey(NamedTuple):
    """One key as the footer shows it."""

    key: str
    display: str
    description: str
    action: str
    disabled: bool
    palette: bool = False  # the command palette's key, drawn at the right end


class KeyFooter(Widget, can_focus=False):
    ALLOW_SELECT = False
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "key-footer--key",
        "key-footer--description",
        "key-footer--hover",
        "key-footer--edge",
    }
    DEFAULT_CSS = """
    KeyFooter {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        .key-footer--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        .key-footer--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        .key-footer--hover {
            background: $block-hover-background;
        }
        .key-footer--edge {
            color: $foreground 20%;
        }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.keys: list[FooterKey] = []
        self._spans: list[tuple[int, int, FooterKey]] = []  # [start, end) columns of each key
        self._hover: FooterKey | None = None
        self._ready = False

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)

    def bindings_changed(self, screen: Screen) -> None:
        self._ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen:
            self.call_after_refresh(self.sync)

    def sync(self) -> None:
        """Read the active bindings; repaint if the keys changed."""
        if not self.is_attached or not self._ready:
            return
        wanted = self.wanted()
        if wanted != self.keys:
            self.keys = wanted
            self.refresh()

    def wanted(self) -> list[FooterKey]:
        """The keys to show now, in order: one per action, as ``Footer.compose`` lists them."""
        active = self.screen.active_bindings
        by_action: defaultdict[str, list[tuple[Binding, bool]]] = defaultdict(list)
        for _, binding, enabled, _tooltip in active.values():
            if binding.show:
                by_action[binding.action].append((binding, enabled))
        display = self.app.get_key_display
        out = [
            FooterKey(b.key, display(b), b.description, b.action, not enabled)
            for b, enabled in (multi[0] for multi in by_action.values())
        ]
        if self.app.ENABLE_COMMAND_PALETTE:
            found = active.get(self.app.COMMAND_PALETTE_BINDING)
            if found is not None:
                _, b, enabled, _ = found
                out.append(FooterKey(b.key, display(b), b.description, b.action, not enabled, True))
        return out

    def render(self) -> Text:
        key_style = self.get_component_rich_style("key-footer--key")
        text_style = self.get_component_rich_style("key-footer--description")
        hover = self.get_component_rich_style("key-footer--hover")
        edge = self.get_component_rich_style("key-footer--edge")
        width = self.size.width
        line = Text(no_wrap=True, overflow="crop", end="")
        spans: list[tuple[int, int, FooterKey]] = []
        keys = [k for k in self.keys if not k.palette]
        palette = next((k for k in self.keys if k.palette), None)
        for key in keys:
            start = len(line)
            extra = hover if key == self._hover else None
            line.append(f" {key.display} ", key_style + extra if extra else key_style)
            if key.description:
                line.append(f"{key.description} ", text_style + extra if extra else text_style)
            if key.disabled:
                line.stylize("dim", start)
            spans.append((start, len(line), key))
        if palette is not None:
            tail = Text(no_wrap=True, end="")
            tail.append("\u258f", edge)  # the vkey border of Footer's palette key
            extra = hover if palette == self._hover else None
            tail.append(palette.display, key_style + extra if extra else key_style)
            tail.append(f" {palette.description} ", text_style + extra if extra else text_style)
            room = width - len(tail)
            if len(line) > room:
                line.truncate(max(0, room))
                spans = [(s, min(e, room), k) for s, e, k in spans if s < room]
            line.append(" " * (room - len(line)))
            spans.append((room + 1, width, palette))
            line.append_text(tail)
        self._spans = spans
        return line

    def key_at(self, x: int) -> FooterKey | None:
        return next((key for start, end, key in self._spans if start <= x < end), None)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        key = self.key_at(event.x)
        if key != self._hover:
            self._hover = key
            self.refresh()

    def on_leave(self) -> None:
        if self._hover is not None:
            self._hover = None
            self.refresh()

    def on_mouse_down(self, event: events.MouseDown) -> None:
        key = self.key_at(event.x)
        if key is None:
            return
        if key.disabled:
            self.app.bell()
        else:
            self.app.simulate_key(key.key)
