"""The code editor of one node: highlighting, ``${param}`` references, completion, unsaved state."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.widgets import TextArea
from textual.widgets.text_area import Selection

from tui.panes.studio.completion import Vocabulary, suggestion
from tui.panes.studio.highlight import build_highlights, syntax_theme

THEME_NAME = "maxworks"


@dataclass(frozen=True)
class EditorPrefs:
    """The shell's ``[editor]`` options (``app.settings.editor``), read without importing it."""

    tab_size: int = 4
    soft_wrap: bool = False
    line_numbers: bool = True
    cursor_blink: bool = True

    @classmethod
    def of(cls, app: Any, *, cursor_blink: bool | None = None) -> EditorPrefs:
        options = getattr(getattr(app, "settings", None), "editor", None)
        values = {k: getattr(options, k) for k in cls.__dataclass_fields__ if hasattr(options, k)}
        if cursor_blink is not None:
            values["cursor_blink"] = cursor_blink
        return cls(**values)


_CONTEXT_LIMIT = 200_000  # characters of code scanned for table aliases while completing


class CodeEditor(TextArea):
    """A node's code. ``saved_text`` is what its file holds; the buffer is dirty when it differs.

    Tab or → accepts the completion shown after the cursor; Ctrl+Z / Ctrl+Y undo and redo;
    Ctrl+Home / Ctrl+End go to the start / end of the code.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+home", "document_start", "Start of code", show=False, id="studio.code_start"),
        Binding("ctrl+end", "document_end", "End of code", show=False, id="studio.code_end"),
    ]

    def __init__(
        self,
        text: str,
        *,
        node: str,
        language: str | None,
        vocabulary: Vocabulary | None = None,
        read_only: bool = False,
        prefs: EditorPrefs = EditorPrefs(),
        id: str | None = None,
    ) -> None:
        self.code_language = language
        self.node = node
        self.vocabulary = vocabulary
        self.saved_text = text
        super().__init__(
            text,
            read_only=read_only,
            show_line_numbers=prefs.line_numbers,
            tab_behavior="indent",
            soft_wrap=prefs.soft_wrap,
            id=id,
        )
        self.indent_width = prefs.tab_size
        self.cursor_blink = prefs.cursor_blink

    @property
    def dirty(self) -> bool:
        """Does the buffer differ from the file?"""
        return not self.read_only and self.text != self.saved_text

    def on_mount(self) -> None:
        self._apply_theme()
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._apply_theme())

    def _apply_theme(self) -> None:
        self.register_theme(syntax_theme(self.app, THEME_NAME))
        self.theme = "css"  # re-select so the re-registered theme's styles are picked up
        self.theme = THEME_NAME
        self._line_cache.clear()
        self.refresh()

    # -- highlighting and completion ---------------------------------------------------------
    def _build_highlight_map(self) -> None:
        self._line_cache.clear()
        self._highlights.clear()
        self._highlights.update(build_highlights(self.text, getattr(self, "code_language", None)))

    def update_suggestion(self) -> None:
        vocabulary = getattr(self, "vocabulary", None)
        if (
            vocabulary is None
            or self.read_only
            or self.code_language != "sql"
            or not self.selection.is_empty
        ):
            self.suggestion = ""
            return
        row, column = self.cursor_location
        line = self.document.get_line(row)
        code = self.text if self.document.line_count < 5_000 else ""
        self.suggestion = suggestion(vocabulary, line, column, code[:_CONTEXT_LIMIT])

    def set_vocabulary(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary

    def on_text_area_selection_changed(self, event: TextArea.SelectionChanged) -> None:
        if event.text_area is self and self.suggestion:
            self.update_suggestion()

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "tab" and self.suggestion and not self.read_only:
            event.stop()
            event.prevent_default()
            self.insert(self.suggestion)
            return
        await super()._on_key(event)

    # -- buffer operations -------------------------------------------------------------------
    def mark_saved(self, text: str) -> None:
        self.saved_text = text

    def reload(self, text: str) -> None:
        """Take the file's new text (undoable), keeping the cursor where it can stay."""
        row, column = self.cursor_location
        self.replace(text, (0, 0), self.document.end, maintain_selection_offset=False)
        self.saved_text = text
        last = self.document.line_count - 1
        self.move_cursor((min(row, last), column))

    def find(self, needle: str, *, forward: bool = True, from_cursor: bool = True) -> bool:
        """Select the next (or previous) match of ``needle``, ignoring case; wraps around."""
        if not needle:
            return False
        lines = self.text.split("\n")
        row, column = self.selection.end if forward else self.selection.start
        if not from_cursor:
            row, column = (0, 0)
        pattern = re.compile(re.escape(needle), re.IGNORECASE)
        spans = [
            (r, m.start(), m.end()) for r, line in enumerate(lines) for m in pattern.finditer(line)
        ]
        if not spans:
            return False
        if forward:
            found = next(((r, s, e) for r, s, e in spans if (r, s) >= (row, column)), spans[0])
        else:
            before = [(r, s, e) for r, s, e in spans if (r, s) < (row, column)]
            found = before[-1] if before else spans[-1]
        r, s, e = found
        self.selection = Selection((r, s), (r, e))
        self.scroll_cursor_visible(center=True)
        return True

    def action_document_start(self) -> None:
        self.move_cursor((0, 0))

    def action_document_end(self) -> None:
        self.move_cursor(self.document.end)

    def go_to_line(self, line: int, column: int = 1) -> None:
        last = self.document.line_count
        row = max(1, min(line, last)) - 1
        self.move_cursor((row, max(0, column - 1)), center=True)

    def runnable_text(self) -> str:
        """The selection, or the whole buffer when nothing is selected."""
        return self.selected_text or self.text

    def selection_line(self) -> int:
        """1-based line where the runnable text starts (for error messages)."""
        return min(self.selection.start, self.selection.end)[0] + 1 if self.selected_text else 1
