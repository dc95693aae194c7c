"""The footer: Textual's ``Footer``, drawn the same, but cheap to update.

Textual's footer rebuilds itself whenever the active bindings change (every pane switch, most
focus changes): it removes every key widget and mounts new ones, and each new widget is styled
from scratch. With DataStudio's bindings and stylesheet loaded that rebuild was most of a pane
switch (tests/benchmarks/bench_tui.py). This footer keeps the key widgets it has made, one per
distinct key, and on a change shows, hides and orders them; a key it has never shown is mounted
once. What it draws is what ``Footer`` draws (binding groups are drawn ungrouped: the app does
not use them).
"""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise
from typing import TYPE_CHECKING

from textual.widgets import Footer
from textual.widgets._footer import FooterKey

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.binding import Binding
    from textual.screen import Screen

KeySpec = tuple[str, str, str, str, bool, str, str]
"""key, key display, description, action, disabled, tooltip, classes"""


class KeyFooter(Footer):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._pool: dict[KeySpec, FooterKey] = {}
        self._shown: list[KeySpec] = []

    def compose(self) -> ComposeResult:
        return iter(())  # the keys are mounted and arranged by _sync

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen:
            self.call_after_refresh(self._sync)

    def wanted(self) -> list[KeySpec]:
        """The keys to show now, in order: as ``Footer.compose`` lists them."""
        active = self.screen.active_bindings
        by_action: defaultdict[str, list[tuple[Binding, bool, str]]] = defaultdict(list)
        for _, binding, enabled, tooltip in active.values():
            if binding.show:
                by_action[binding.action].append((binding, enabled, tooltip))
        out: list[KeySpec] = []
        for multi in by_action.values():
            binding, enabled, tooltip = multi[0]
            display = self.app.get_key_display(binding)
            out.append(
                (
                    binding.key,
                    display,
                    binding.description,
                    binding.action,
                    not enabled,
                    tooltip,
                    "",
                )
            )
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
            found = active.get(self.app.COMMAND_PALETTE_BINDING)
            if found is not None:
                _, binding, enabled, tooltip = found
                out.append(
                    (
                        binding.key,
                        self.app.get_key_display(binding),
                        binding.description,
                        binding.action,
                        not enabled,
                        binding.tooltip or binding.description,
                        "-command-palette",
                    )
                )
        return out

    async def _sync(self) -> None:
        if not self.is_attached or not self._bindings_ready:
            return
        wanted = self.wanted()
        if wanted == self._shown:
            return
        new = [spec for spec in dict.fromkeys(wanted) if spec not in self._pool]
        for spec in new:
            key, display, description, action, disabled, tooltip, classes = spec
            widget = FooterKey(
                key, display, description, action, disabled=disabled, tooltip=tooltip,
                classes=classes,
            )  # fmt: skip
            if not classes:  # as Footer: the command palette's key is not bound to compact
                widget.data_bind(compact=Footer.compact)
            widget.display = False
            self._pool[spec] = widget
        if new:
            await self.mount_all([self._pool[spec] for spec in new])
        keep = set(wanted)
        for spec, widget in self._pool.items():
            widget.display = spec in keep
        order = [self._pool[spec] for spec in dict.fromkeys(wanted)]
        current = [child for child in self.children if child.display]
        if current != order:
            for before, widget in pairwise(order):
                self.move_child(widget, after=before)
        self._shown = wanted
