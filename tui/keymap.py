"""The shell's key bindings, as data with stable ids.

Users remap them by id in ``~/.config/maxworks/config.toml``::

    [keymap]
    "pane.ops" = "f3,ctrl+o"
    help = "f1"

and the app hands that table to :meth:`textual.app.App.set_keymap`.

Why these keys: every pane is one chord away from anywhere, the code editor included, over SSH
in any terminal, with no delay.

* ``ctrl+t`` (studio), ``ctrl+o`` (ops), ``ctrl+n`` (map), ``ctrl+l`` (approvals): no Textual
  widget binds them (``TextArea`` takes ``ctrl+a e w d x c v u k z y``, ``Input`` a subset, the
  studio pane ``ctrl+s j f g``; tmux takes ``ctrl+b``), and a control key arrives as one byte, so
  Textual sees it at once. They are *priority* bindings, checked from the app down before the
  focused widget sees the key, and a key with a modifier is never "printable", so the editor
  cannot swallow it.
* ``alt+1``-``alt+4`` as well, for terminals that speak the kitty keyboard protocol (kitty,
  WezTerm, foot, ghostty): there they arrive as ``alt+1``. In legacy encoding a terminal sends
  ESC 1, which Textual reads as macOS's Option+1 (``¡``), so alt+digits cannot be the only way.
  (Any alt chord also waits out Textual's 100 ms ESC delay in legacy encoding.)
* Not F2-F5: the DataStudio pane binds F2-F6 and F9 (commit, deploy, versions, run, run with
  parameters, cancel run) as its own priority keys, which app-level F-keys would silence.
  ``F1`` (help) and ``F8`` (scheduler) are free everywhere.
* ``:`` and ``?`` are printable: the editor and inputs type them (only there), so they are not
  priority bindings; F1 and Ctrl+P (whose palette also runs ``:`` command lines) work everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding, BindingType

from tui.panes import PANES


@dataclass(frozen=True)
class KeySpec:
    """One rebindable shell binding."""

    id: str
    keys: str
    action: str
    description: str
    show: bool = False
    """Shown in the footer: only the few keys that matter everywhere."""
    priority: bool = True
    """Checked before the focused widget: the chords that must work inside the editor."""


_PANE_KEYS = {
    "studio": "ctrl+t,alt+1",
    "ops": "ctrl+o,alt+2",
    "map": "ctrl+n,alt+3",
    "approvals": "ctrl+l,alt+4",
}

SHELL_KEYS: tuple[KeySpec, ...] = (
    *(
        KeySpec(
            f"pane.{pane_id}", _PANE_KEYS.get(pane_id, ""), f"app.show_pane('{pane_id}')", title
        )
        for pane_id, _target, title in PANES
    ),
    # Printable keys are not priority bindings: a focused filter or editor keeps them.
    KeySpec("command-mode", "colon", "app.command_mode", "Command", show=True, priority=False),
    KeySpec("help", "question_mark,f1", "app.help", "Keys", show=True, priority=False),
    KeySpec("palette", "ctrl+p", "app.command_palette", "Palette"),
    KeySpec("scheduler.toggle", "f8", "app.toggle_scheduler", "Scheduler", priority=False),
    KeySpec("quit", "ctrl+q", "app.quit", "Quit"),
)
BINDING_IDS: frozenset[str] = frozenset(spec.id for spec in SHELL_KEYS)


def shell_bindings() -> list[BindingType]:
    """The app's BINDINGS, built from :data:`SHELL_KEYS`."""
    return [
        Binding(
            spec.keys,
            spec.action,
            spec.description,
            show=spec.show,
            priority=spec.priority,
            id=spec.id,
        )
        for spec in SHELL_KEYS
        if spec.keys
    ]


def effective_keys(keymap: dict[str, str]) -> dict[str, tuple[str, ...]]:
    """The keys of every shell binding after the user's remapping (for labels and help)."""
    return {
        spec.id: tuple(k.strip() for k in keymap.get(spec.id, spec.keys).split(",") if k.strip())
        for spec in SHELL_KEYS
    }


def key_label(key: str) -> str:
    """A short label for a key, as Textual's footer writes it: ``f8`` -> ``F8``, ``ctrl+p`` -> ``^p``."""
    names = {"colon": ":", "question_mark": "?", "space": "space", "escape": "esc"}
    *mods, base = key.split("+")
    base = names.get(base, base)
    if len(base) > 1 and base[0] == "f" and base[1:].isdigit():
        base = base.upper()
    if mods == ["ctrl"]:
        return f"^{base}"
    return "+".join([*mods, base])


def check_keys(value: str) -> str | None:
    """Why ``value`` is not a usable key list (``"f3,alt+2"``), or None when it is."""
    keys = [k.strip() for k in value.split(",")]
    if not value.strip() or any(not k for k in keys):
        return 'expected keys separated by commas, e.g. "f3,alt+2"'
    for key in keys:
        if " " in key:
            return f"{key!r} contains a space (write chords as ctrl+x, alt+1, shift+f5)"
    return None
