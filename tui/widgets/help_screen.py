"""``?`` / F1: the keys of the focused view, then the pane's, the shell's and the commands.

Built from what is really bound at the moment it opens (the focused widget chain's active
bindings, after the user's keymap), plus ``Pane.help_keys()``, so it never lists a key that does
nothing here. Esc, ``q``, ``?`` or F1 close it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Static, TextArea

from tui.commands import COMMANDS


@dataclass(frozen=True)
class HelpSection:
    title: str
    keys: Sequence[tuple[str, str]]
    """(key, what it does) pairs."""


def sections_for(
    app: App[Any], screen: Screen[Any], pane: Widget | None, pane_title: str
) -> list[HelpSection]:
    """What the focused view of ``screen`` answers to, grouped from the inside out."""
    here: dict[tuple[int, str], tuple[list[str], str]] = {}
    everywhere: dict[str, tuple[list[str], str]] = {}
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if not binding.description or binding.system:
            continue
        label = app.get_key_display(Binding(key, binding.action, key_display=binding.key_display))
        if active.node is app or active.node is screen:
            keys, _ = everywhere.setdefault(binding.action, ([], binding.description))
        else:
            keys, _ = here.setdefault((id(active.node), binding.action), ([], binding.description))
        keys.append(label)
    out: list[HelpSection] = []
    extra = list(pane.help_keys()) if pane is not None and hasattr(pane, "help_keys") else []
    if extra:
        out.append(HelpSection(pane_title, extra))
    focused = screen.focused
    if here:
        name = type(focused).__name__ if focused is not None else "this view"
        out.append(HelpSection(f"Here ({name})", [(" ".join(k), d) for k, d in here.values()]))
    rows = [(" ".join(k), d) for k, d in everywhere.values()]
    if isinstance(focused, TextArea) and not focused.read_only:
        # printable keys type into the editor, ":" too: the palette takes command lines
        rows.append(("^p, then :…", "a command line from the editor (: types into the code)"))
    out.append(HelpSection("Everywhere", rows))
    out.append(HelpSection("Commands (type : first)", [(c.usage, c.help) for c in COMMANDS]))
    return out


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
        background: $background 60%;
        #help-body {
            width: 90%;
            max-width: 100;
            height: 90%;
            border: round $primary;
            border-title-color: $text-primary;
            border-subtitle-color: $text-muted;
            background: $surface;
            padding: 0 1;
        }
        .help-title { color: $text-accent; text-style: bold; margin-top: 1; }
        .help-keys {
            layout: grid;
            grid-size: 2;
            grid-columns: auto 1fr;
            grid-gutter: 0 2;
            height: auto;
        }
        .help-key { color: $text-primary; text-style: bold; max-width: 30; }
        .help-what { width: 1fr; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "dismiss_help", "Close", show=True),
    ]

    def __init__(self, sections: Sequence[HelpSection], title: str = "Keys") -> None:
        super().__init__()
        self.sections = list(sections)
        self.help_title = title

    def compose(self) -> ComposeResult:
        body = VerticalScroll(id="help-body")
        body.border_title = self.help_title
        body.border_subtitle = "Esc closes"
        with body:
            for section in self.sections:
                yield Static(section.title, classes="help-title", markup=False)
                with Grid(classes="help-keys"):
                    for key, what in section.keys:
                        yield Static(key, classes="help-key", markup=False)
                        yield Static(what, classes="help-what", markup=False)

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
