"""Commit and deploy, each with its diff and a message (reference §6.1).

Commit versions the working copy of the node (or of every changed node); deploy ships the
committed versions production does not run yet. The diff is loaded and the operation runs in
thread workers; a refused check (a cycle, a missing upstream in production, code that does not
parse) is shown in the dialog, which stays open.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Button, Input, Label, Static

from engine.errors import MaxworksError
from tui.panes.studio.dialogs import StudioDialog, diff_view

if TYPE_CHECKING:
    from engine.api import Api

Mode = Literal["commit", "deploy"]


class CommitScreen(StudioDialog[str | None]):
    """Dismissed with a one-line summary of what was committed or deployed (None: cancelled)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="studio.commit.cancel"),
    ]

    class _Loaded(Message):
        def __init__(self, diff: str, names: list[str], summary: str) -> None:
            super().__init__()
            self.diff = diff
            self.names = names
            self.summary = summary

    class _Done(Message):
        def __init__(self, summary: str | None, error: str | None) -> None:
            super().__init__()
            self.summary = summary
            self.error = error

    def __init__(self, api: Api, mode: Mode, node: str | None = None) -> None:
        super().__init__()
        self.api = api
        self.mode = mode
        self.node = node
        self.names: list[str] = []

    def compose(self) -> ComposeResult:
        verb = "Commit" if self.mode == "commit" else "Deploy"
        what = self.node if self.mode == "commit" and self.node else "pending changes"
        with Vertical(classes="studio-dialog studio-dialog--wide"):
            yield Label(f"{verb} {what}", classes="studio-dialog--title")
            yield Static("loading the diff…", id="commit-summary", markup=False)
            yield diff_view("", id="commit-diff")
            yield Input(placeholder=f"{verb} message (required)", id="commit-message")
            yield Label("", id="commit-error", classes="studio-error")
            yield Button(verb, id="commit-go", variant="primary", compact=True, disabled=True)
            yield Static(
                f"Enter {verb.lower()} · Esc cancel", markup=False, classes="studio-dialog--hint"
            )

    def on_mount(self) -> None:
        self.query_one("#commit-message", Input).focus()
        self._load()

    @work(thread=True, group="commit-load")
    def _load(self) -> None:
        studio = self.api.studio
        try:
            if self.mode == "commit":
                names = (
                    [self.node]
                    if self.node
                    else [s.name for s in studio.list_nodes() if s.uncommitted]
                )
                diff = "".join(studio.diff(n) for n in names)
                summary = (
                    f"{len(names)} node(s): {', '.join(names)}" if names else "nothing to commit"
                )
            else:
                pending = studio.pending_deploy()
                names = [p.node for p in pending]
                parts = []
                for p in pending:
                    if p.change == "delete":
                        parts.append(f"# {p.node}: undeploy (deleted in v{p.version})\n")
                    else:
                        parts.append(
                            studio.diff(p.node, p.deployed_version, p.version)
                            if p.deployed_version
                            else studio.diff(p.node, None, p.version)
                        )
                diff = "".join(parts)
                summary = (
                    ", ".join(f"{p.node} v{p.version} ({p.change})" for p in pending)
                    if pending else "nothing to deploy: production runs the latest versions"
                )  # fmt: skip
        except MaxworksError as err:
            self.post_message(self._Loaded("", [], f"cannot show the changes: {err}"))
            return
        self.post_message(self._Loaded(diff, names, summary))

    @on(_Loaded)
    def _loaded(self, event: _Loaded) -> None:
        event.stop()
        self.names = event.names
        self.query_one("#commit-summary", Static).update(event.summary)
        diff = self.query_one("#commit-diff")
        diff.load_text(event.diff or "(no differences)\n")  # type: ignore[attr-defined]
        self.query_one("#commit-go", Button).disabled = not event.names

    @on(Input.Submitted, "#commit-message")
    @on(Button.Pressed, "#commit-go")
    def _go(self) -> None:
        message = self.query_one("#commit-message", Input).value.strip()
        error = self.query_one("#commit-error", Label)
        if not self.names:
            error.update(f"nothing to {self.mode}")
            return
        if not message:
            error.update(f"a {self.mode} needs a message: describe the change")
            return
        error.update(f"{self.mode}ing…")
        self._run(message, list(self.names))

    @work(thread=True, group="commit-run", exclusive=True)
    def _run(self, message: str, names: list[str]) -> None:
        studio = self.api.studio
        try:
            if self.mode == "commit":
                result = studio.commit(names, message)
                made = (
                    ", ".join(f"{v.node} v{v.version}" for v in result.versions)
                    or "nothing changed"
                )
                summary = f"committed {made}"
                if result.deployments:
                    summary += " (basic mode: deployed)"
                if result.warnings:
                    summary += " · " + "; ".join(result.warnings)
            else:
                done = studio.deploy(names, message)
                summary = "deployed " + (
                    ", ".join(f"{d.node} v{d.version}" for d in done) or "nothing"
                )
        except MaxworksError as err:
            self.post_message(self._Done(None, str(err)))
            return
        self.post_message(self._Done(summary, None))

    @on(_Done)
    def _done(self, event: _Done) -> None:
        event.stop()
        if event.error is not None:
            self.query_one("#commit-error", Label).update(event.error)
            return
        self.dismiss(event.summary)

    def action_cancel(self) -> None:
        self.dismiss(None)
