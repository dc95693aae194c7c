"""The search results: one option per table, matches highlighted, the matched columns below."""

from __future__ import annotations

from rich.text import Text
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from engine.datamap.records import SearchHit, Span

MATCH_STYLE = "bold reverse"


def marked(text: str, spans: tuple[Span, ...], style: str = "") -> Text:
    out = Text(text, style=style)
    for start, end in spans:
        out.stylize(MATCH_STYLE, start, end)
    return out


def render_hit(hit: SearchHit, favourite: bool) -> Text:
    line = Text()
    line.append("★ " if favourite else "  ", style="bold")
    line.append(f"{hit.project}.", style="dim")
    line.append_text(marked(hit.name, hit.name_spans, "bold"))
    line.append(f"  {hit.env}", style="italic dim")
    if hit.comment:
        line.append("\n    ")
        line.append_text(marked(hit.comment, hit.comment_spans, "dim"))
    for col in hit.columns[:2]:
        line.append("\n    ▸ ")
        line.append_text(marked(col.name, col.name_spans))
        line.append(f" {col.type}", style="dim")
        if col.comment:
            line.append("  ")
            line.append_text(marked(col.comment, col.comment_spans, "dim"))
    return line


class ResultList(OptionList):
    """Search hits; Enter (or a click) posts :class:`TableChosen`."""

    class TableChosen(Message):
        def __init__(self, table: str) -> None:
            super().__init__()
            self.table = table

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.hits: tuple[SearchHit, ...] = ()

    def show(self, hits: tuple[SearchHit, ...], favourites: set[str]) -> None:
        self.hits = hits
        self.clear_options()
        self.add_options(
            [Option(render_hit(h, h.qualified in favourites), id=h.qualified) for h in hits]
        )
        if hits:
            self.highlighted = 0

    @property
    def current(self) -> str | None:
        index = self.highlighted
        if index is None or not 0 <= index < len(self.hits):
            return None
        return self.hits[index].qualified

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.post_message(self.TableChosen(event.option.id))
