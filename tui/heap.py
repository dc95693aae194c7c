"""Full garbage collections when the user is not pressing keys.

CPython collects its oldest generation once enough objects have survived the younger ones. With
Textual, DuckDB, Arrow and sqlglot loaded, that full collection walks the whole heap: 100-130 ms on
this machine. A pane switch makes enough short-lived cyclic garbage (strips, events, style
updates) that one full collection fell inside every second or third switch, and the key pressed
then waited for it (tests/benchmarks/bench_tui.py: maxima of 140-215 ms against medians of 20-50).

``IdleCollector`` takes the oldest generation off the automatic schedule and runs it itself:

* at start, ``gc.freeze()``: what is alive then (the imported modules, the first pane) leaves the
  collector's sight for good, so full collections walk only what was made since (35-65 ms
  instead of 100-130). Freezing costs nothing; the price is that cyclic garbage already in the
  oldest generation then is never reclaimed (young garbage is collected just before; what is left
  is made once, at import time);
* afterwards, a full collection when as many young collections have passed as CPython's default
  schedule waits for (``due``) and the user has not pressed a key or moved the mouse for ``idle``
  seconds, or, if input never pauses, after ``force`` seconds anyway (memory stays bounded).

The young generations are collected automatically as before (under 3 ms each). ``stop`` puts
CPython's schedule back. Python 3.14's incremental collector makes the old generation cheap on its
own; there this is merely harmless.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

NEVER = 1_000_000_000  # a threshold the oldest generation's counter never reaches


class IdleCollector:
    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        idle: float = 0.4,
        force: float = 30.0,
        due: int = 10,
    ) -> None:
        self.clock = clock
        self.idle = idle
        self.force = force
        self.due = due
        self.ticks = 0
        """Times ``tick`` has looked."""
        self.collections = 0
        """Full collections this collector has run."""
        self.frozen = False
        self._saved: tuple[int, int, int] | None = None
        self._last_input = clock()
        self._last_full = clock()

    @property
    def running(self) -> bool:
        return self._saved is not None

    def start(self) -> None:
        if self._saved is not None:
            return
        young, middle, old = gc.get_threshold()
        self._saved = (young, middle, old)
        gc.set_threshold(young, middle, NEVER)
        gc.collect(1)
        gc.freeze()
        self.frozen = True
        self._last_input = self._last_full = self.clock()

    def stop(self) -> None:
        """CPython's own schedule again; what was frozen is collectable again."""
        if self._saved is None:
            return
        gc.set_threshold(*self._saved)
        self._saved = None
        if self.frozen:
            gc.unfreeze()
            self.frozen = False

    def touch(self) -> None:
        """The user pressed a key or used the mouse."""
        self._last_input = self.clock()

    def tick(self) -> bool:
        """Called a few times a second: run a full collection if one is due and the user is
        idle (or it is overdue). True if it ran."""
        if self._saved is None:
            return False
        self.ticks += 1
        if gc.get_count()[2] < self.due:
            return False
        now = self.clock()
        if now - self._last_input < self.idle and now - self._last_full < self.force:
            return False
        gc.collect()
        self.collections += 1
        self._last_full = now
        return True
