"""The Dependencies section: what auto-parse found in the code, and what the user adds or drops.

Same-cycle dependencies are output names (reference §2.5): the inputs the code reads and the
outputs it writes are parsed automatically (``auto_parse``); hand-written inputs and outputs are
added, ``exclude inputs`` removes parsed ones (uploaded or hand-made tables). Cross-cycle
dependencies wait for previous-cycle instances (§2.6).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Checkbox, Input, Label, Static

from engine.studio.draft import NODE_NAME, OUTPUT_NAME
from engine.studio.spec import CrossCycle
from tui.panes.studio.formfield import Field, text_input
from tui.panes.studio.validators import Names, split_items

if TYPE_CHECKING:
    from engine.studio.draft import NodeDraft
    from engine.studio.status import NodeDetail


def _names(items: tuple[str, ...] | list[str]) -> str:
    return ", ".join(items) if items else "none"


class DependenciesForm(Vertical):
    class Edited(Message):
        """A dependency setting changed."""

    def __init__(self, detail: NodeDetail, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.detail = detail

    def compose(self) -> ComposeResult:
        detail = self.detail
        draft = detail.draft
        assert draft is not None
        parsed = detail.parsed
        yield Label("Dependencies", classes="section-title")
        if parsed is None:
            found = "the code does not parse: only hand-written dependencies apply"
        else:
            found = f"reads {_names(parsed.inputs)}; writes {_names(parsed.outputs)}"
        yield Static(
            f"parsed from the code: {found}", id="deps-parsed", markup=False, classes="preview"
        )
        yield Checkbox(
            "add what the code reads and writes (auto-parse)",
            draft.auto_parse,
            id="deps-auto",
            compact=True,
        )
        outputs = Names(OUTPUT_NAME, "output name (project.table)")
        yield Field(
            "inputs",
            text_input(
                ", ".join(draft.inputs),
                id="deps-inputs",
                validators=[outputs],
                placeholder="project.table, ...",
            ),
        )
        yield Field(
            "outputs", text_input(", ".join(draft.outputs), id="deps-outputs", validators=[outputs])
        )
        yield Field(
            "exclude inputs",
            text_input(", ".join(draft.exclude_inputs), id="deps-exclude", validators=[outputs]),
        )
        yield Static(self._effective(), id="deps-effective", markup=False, classes="preview")
        cc = draft.cross_cycle
        yield Label("Previous cycle", classes="section-title")
        yield Checkbox(
            "wait for this node's previous instance",
            cc.self_dependency,
            id="deps-self",
            compact=True,
        )
        yield Checkbox(
            "wait for first-level children's previous instances",
            cc.children,
            id="deps-children",
            compact=True,
        )
        yield Field(
            "other nodes",
            text_input(
                ", ".join(cc.nodes),
                id="deps-cross-nodes",
                validators=[Names(NODE_NAME, "node name")],
            ),
        )

    def _effective(self) -> str:
        d = self.detail
        lines = [
            f"effective inputs: {_names(d.inputs)}",
            f"effective outputs: {_names(d.outputs)}",
            f"upstream: {_names(d.upstream)} · downstream: {_names(d.downstream)}",
        ]
        if d.invalid_inputs:
            lines.append(
                f"no node produces: {_names(d.invalid_inputs)} (the node will not wait for them)"
            )
        return "\n".join(lines)

    def errors(self) -> list[str]:
        return [f"{f.label}: {f.error}" for f in self.query(Field) if f.error]

    def apply_to(self, draft: NodeDraft) -> dict[str, object]:
        """The draft fields this section sets (call ``errors()`` first)."""

        def items(id: str) -> tuple[str, ...]:
            return tuple(split_items(self.query_one(f"#{id}", Input).value))

        return {
            "auto_parse": self.query_one("#deps-auto", Checkbox).value,
            "inputs": items("deps-inputs"),
            "outputs": items("deps-outputs"),
            "exclude_inputs": items("deps-exclude"),
            "cross_cycle": CrossCycle(
                self_dependency=self.query_one("#deps-self", Checkbox).value,
                children=self.query_one("#deps-children", Checkbox).value,
                nodes=items("deps-cross-nodes"),
            ),
        }

    @on(Input.Changed)
    @on(Checkbox.Changed)
    def _edited(self) -> None:
        self.post_message(self.Edited())
