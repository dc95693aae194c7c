"""Panes whose issue has not landed yet. Each says so plainly and points at the CLI meanwhile.

They are real panes: reachable by their key and command, focusable (so ``?`` and ``:`` work in
them), styled by the theme. ``:inst ...`` on the Operation Center placeholder shows the equivalent
``maxworks instances`` command line instead of failing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.containers import Center, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from tui.panes.base import Pane

if TYPE_CHECKING:
    from engine.api import Api


class PlaceholderPane(Pane):
    """A pane that is not built yet: what it will do, and what to use until then."""

    DEFAULT_CSS = """
    PlaceholderPane {
        height: 1fr;
        background: $surface;
        VerticalScroll { height: 1fr; align-horizontal: center; }
        .placeholder-card {
            width: 100%;
            max-width: 84;
            height: auto;
            margin: 1 2;
            padding: 1 2;
            border: round $primary-muted;
            border-title-color: $text-primary;
            background: $panel;
        }
        .placeholder-card:focus { border: round $primary; }
        .placeholder-note { margin-top: 1; color: $text-accent; height: auto; }
    }
    """

    ARRIVES: ClassVar[str] = ""
    """Which issue brings the real pane."""
    MEANWHILE: ClassVar[tuple[str, ...]] = ()
    """CLI commands that do the job today."""

    def __init__(
        self,
        api: Api,
        *,
        id: str | None = None,
        title: str | None = None,
        arrives: str | None = None,
        meanwhile: tuple[str, ...] | None = None,
    ) -> None:
        super().__init__(api, id=id)
        self.pane_title = title or self.TITLE
        self.arrives = arrives or self.ARRIVES
        self.meanwhile = meanwhile if meanwhile is not None else self.MEANWHILE

    def compose(self) -> ComposeResult:
        scroll = VerticalScroll()
        scroll.can_focus = False  # the card takes focus, so the pane is reachable by keyboard
        with scroll, Center():
            card = Static(self._body(), classes="placeholder-card", id=f"{self.id}-card")
            card.can_focus = True
            card.border_title = self.pane_title
            yield card
            yield Static("", classes="placeholder-note", id=f"{self.id}-note")

    def _body(self) -> Content:
        lines = [
            Content.assemble((self.pane_title, "bold"), f" arrives with {self.arrives}."),
            Content(""),
            Content.styled("Meanwhile, in a shell:", "$text-muted"),
        ]
        lines += [Content.styled(f"  {command}", "$text-primary") for command in self.meanwhile]
        return Content("\n").join(lines)

    def show_note(self, text: str) -> None:
        self.query_one(f"#{self.id}-note", Static).update(Content(text))


class OpsPane(PlaceholderPane):
    PANE_ID = "ops"
    TITLE = "Operation Center"
    ARRIVES = "issue 6 (live monitoring and keyboard-driven O&M)"
    MEANWHILE = (
        "maxworks instances --bizdate YYYYMMDD --status failed",
        "maxworks instance rerun|kill ID",
        "maxworks why ID",
        "maxworks dag ID",
        "maxworks backfill NODE --from D --to D",
    )

    def open_target(self, target: str) -> bool:
        words = target.split()
        if not words or words[0] != "inst":
            return False
        options = " ".join(
            f"--{key} {value}" for key, _, value in (w.partition("=") for w in words[1:])
        )
        self.show_note(f"Meanwhile: maxworks instances {options}".rstrip())
        return True

    def help_keys(self) -> list[tuple[str, str]]:
        return [(":inst status=failed", "shows the equivalent `maxworks instances` command")]


class MapPane(PlaceholderPane):
    PANE_ID = "map"
    TITLE = "Data Map"
    ARRIVES = "issue 7 (find data, request access, approve, mask)"
    MEANWHILE = (
        'maxworks sql -e "SHOW TABLES"',
        'maxworks sql -e "SHOW PARTITIONS TABLE_NAME"',
        'maxworks sql -e "SHOW CREATE TABLE TABLE_NAME"',
    )


class ApprovalsPane(PlaceholderPane):
    PANE_ID = "approvals"
    TITLE = "Approvals"
    ARRIVES = "issue 7 (permission requests and approval flows)"
    MEANWHILE = ("nothing to approve yet: permissions are not enforced before issue 7",)


class PendingPane(PlaceholderPane):
    """Stands in for a pane whose module is not there yet, or failed to import."""

    MEANWHILE = ("maxworks --help   (every operation has a command)",)
