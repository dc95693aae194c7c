"""Stopping a run from another thread: the app's F9 on an ad-hoc script.

A :class:`Cancel` is handed to ``Api.run_sql``; whoever runs the script registers how to stop
it (interrupt the DuckDB statement, kill the leader's ad-hoc instance, cancel the MaxCompute
job) and checks it between statements. ``cancel()`` may be called any number of times, from any
thread: each call fires the stop hooks again, so a statement that was just starting when the
first call came is still stopped.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from engine.errors import MaxworksError


class Cancelled(MaxworksError):
    """The run was stopped on request; statements before the one running stay done."""


class Cancel:
    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._hooks: list[Callable[[], object]] = []

    @property
    def requested(self) -> bool:
        return self._event.is_set()

    @property
    def armed(self) -> bool:
        """A run has said how to stop it (until then a cancel only stops it from starting)."""
        with self._lock:
            return bool(self._hooks)

    def cancel(self) -> None:
        self._event.set()
        with self._lock:
            hooks = list(self._hooks)
        for hook in hooks:
            try:
                hook()
            except Exception:  # a hook for a run that already ended: nothing to stop
                continue

    def on_cancel(self, hook: Callable[[], object]) -> None:
        """Call ``hook`` on every cancel (at once if one was already requested)."""
        with self._lock:
            self._hooks.append(hook)
        if self.requested:
            hook()

    def check(self) -> None:
        if self.requested:
            raise Cancelled("cancelled", hint="the statements before it stay done")
