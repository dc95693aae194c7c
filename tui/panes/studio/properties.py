"""A node's properties as a form: scheduling, parameters, dependencies (reference §2).

Invalid values are refused inline, each with the engine's reason; Apply (Ctrl+S while the form
has focus) re-checks the whole node exactly as loading its file does, then writes its ``.toml``.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date, time
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Label, Static

from engine.errors import MaxworksError
from tui.panes.studio.dependencies import DependenciesForm
from tui.panes.studio.formfield import apply_cursor_blink
from tui.panes.studio.params_preview import ParamsPreview
from tui.panes.studio.schedule_form import ScheduleForm

if TYPE_CHECKING:
    from engine.api import Api
    from engine.studio.draft import NodeDraft
    from engine.studio.status import NodeDetail

EMPTY = "Open a node to see its properties."


class PropertiesForm(VerticalScroll):
    class ConfigSaved(Message):
        """The node's ``.toml`` was written."""

        def __init__(self, node: str) -> None:
            super().__init__()
            self.node = node

    class _Refused(Message):
        def __init__(self, reason: str) -> None:
            super().__init__()
            self.reason = reason

    def __init__(self, api: Api, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.api = api
        self.detail: NodeDetail | None = None
        self.dirty = False
        self._settled = False
        self.code = ""
        self.cursor_blink = True
        self._show_lock = asyncio.Lock()

    @property
    def node(self) -> str | None:
        return self.detail.status.name if self.detail is not None else None

    def compose(self) -> ComposeResult:
        yield Static(EMPTY, id="props-empty", markup=False)

    async def show(self, detail: NodeDetail, code: str, *, force: bool = False) -> None:
        """Fill the form with ``detail``; unapplied edits of the same node are kept unless ``force``."""
        async with self._show_lock:  # one rebuild at a time: the last request wins
            await self._show(detail, code, force)

    async def _show(self, detail: NodeDetail, code: str, force: bool) -> None:
        same = self.detail is not None and detail.status.name == self.node
        if same and self.dirty and not force:
            self.detail = detail
            self.notify(
                f"{self.node}: the config changed on disk; Revert loads it", severity="warning"
            )
            return
        scroll = self.scroll_y if same else 0.0
        self.detail = detail
        self.code = code
        self.dirty = False
        self._settled = False
        await self.remove_children()
        draft = detail.draft
        status = detail.status
        if draft is None:
            await self.mount(
                Static(f"{status.name} was deleted from the working copy.", markup=False)
            )
            return
        groups = [g.name for g in self.api.workspace.config.resource_groups]
        bizdate = self.default_bizdate(self.api.clock().date())
        where = f"{status.type} · workflow {status.workflow} · {status.status}"
        await self.mount_all(
            [
                Label(f"{status.name} · {where}", id="props-title", classes="section-title"),
                ScheduleForm(draft.schedule, groups, id="props-schedule"),
                ParamsPreview(draft.params, bizdate, id="props-params"),
                DependenciesForm(detail, id="props-deps"),
                Label("", id="props-error", classes="studio-error"),
                Horizontal(
                    Button("Apply", id="props-apply", variant="primary", compact=True),
                    Button("Revert", id="props-revert", compact=True),
                    classes="props-buttons",
                ),
            ]
        )
        if self._pruning or self._closing:
            return  # the pane is going away (the app is closing)
        apply_cursor_blink(self, self.cursor_blink)
        params = self.query_one(ParamsPreview)
        params.set_code(code)
        params.set_time(self.query_one(ScheduleForm).first_time())
        self.call_after_refresh(self._settle)
        if scroll:
            self.call_after_refresh(self.scroll_to, y=scroll, animate=False)

    def _settle(self) -> None:
        self._settled = True

    def first_time(self) -> time:
        """The node's first scheduled time of day as the form shows it (00:00 without a node)."""
        forms = self.query(ScheduleForm)
        return forms.first().first_time() if forms else time(0, 0)

    def set_code(self, code: str) -> None:
        self.code = code
        for params in self.query(ParamsPreview):
            params.set_code(code)

    async def clear(self) -> None:
        async with self._show_lock:
            self.detail = None
            self.dirty = False
            await self.remove_children()
            await self.mount(Static(EMPTY, id="props-empty", markup=False))

    # -- edits ---------------------------------------------------------------------------------
    @on(ScheduleForm.Edited)
    @on(ParamsPreview.Edited)
    @on(DependenciesForm.Edited)
    def _edited(self, event: Message) -> None:
        event.stop()
        if isinstance(event, ScheduleForm.Edited):
            self.query_one(ParamsPreview).set_time(self.query_one(ScheduleForm).first_time())
        if self._settled:
            self.dirty = True
            self.query_one("#props-title", Label).add_class("props-title--dirty")

    def errors(self) -> list[str]:
        out: list[str] = []
        out += self.query_one(ScheduleForm).errors()
        out += self.query_one(ParamsPreview).errors()
        out += self.query_one(DependenciesForm).errors()
        return out

    def build(self) -> NodeDraft:
        assert self.detail is not None and self.detail.draft is not None
        draft = self.detail.draft
        params = tuple(self.query_one(ParamsPreview).params().items())
        deps = self.query_one(DependenciesForm).apply_to(draft)
        return replace(draft, schedule=self.query_one(ScheduleForm).build(), params=params, **deps)  # type: ignore[arg-type]

    # -- apply / revert ---------------------------------------------------------------------------
    def apply(self) -> bool:
        """Check and write the config; False (with the reasons shown) when a value is refused."""
        if self.detail is None or self.detail.draft is None:
            return False
        problems = self.errors()
        error = self.query_one("#props-error", Label)
        if problems:
            error.update("not applied: " + "; ".join(problems))
            return False
        try:
            draft = self.build()
        except (MaxworksError, ValueError) as err:
            error.update(f"not applied: {getattr(err, 'message', err)}")
            return False
        error.update("applying…")
        self._save(draft)
        return True

    @work(thread=True, group="props-save", exclusive=True)
    def _save(self, draft: NodeDraft) -> None:
        try:
            self.api.studio.save_node(draft)
        except MaxworksError as err:
            reason = err.message + (f" ({err.hint})" if err.hint else "")
            self.post_message(self._Refused(reason))
            return
        self.post_message(self.ConfigSaved(draft.name))

    @on(_Refused)
    def _refused(self, event: _Refused) -> None:
        event.stop()
        self.query_one("#props-error", Label).update(f"not applied: {event.reason}")

    @on(ConfigSaved)
    def _saved(self, event: ConfigSaved) -> None:
        self.dirty = False
        for label in self.query("#props-error"):
            label.update("applied")  # type: ignore[attr-defined]
        for title in self.query("#props-title"):
            title.remove_class("props-title--dirty")

    @on(Button.Pressed, "#props-apply")
    def _apply_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.apply()

    @on(Button.Pressed, "#props-revert")
    async def _revert_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if self.detail is not None:
            await self.show(self.detail, self.code, force=True)

    @staticmethod
    def default_bizdate(today: date) -> date:
        return date.fromordinal(today.toordinal() - 1)
