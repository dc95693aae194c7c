"""Following many submitted jobs from one thread: the scheduler's side of a job-based executor.

The scheduler loop owns one :class:`JobTracker`. ``submit`` sends a job and hands its handle to
``persist`` before anything waits on it; each ``poll_due`` call polls only the jobs whose turn has
come (each backs off from ``first_interval`` to ``max_interval`` while it runs), persists handles
that advanced, and returns the jobs that finished. Nothing blocks and no thread is started, so one
loop can follow thousands of MaxCompute jobs. After a restart, ``track`` re-attaches the handles
read back from state.db, and ``submit(..., resume=True)`` covers a run whose handle never got
stored: the executor looks the job up by its key before it would submit anything.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from engine.errors import MaxworksError
from engine.executors.contract import Executor, JobHandle, JobStatus, SubmitMode

K = TypeVar("K", bound=Hashable)


@dataclass
class _Tracked:
    executor: Executor
    handle: JobHandle
    due: float
    interval: float
    last: JobStatus | None = None
    problem: str | None = None  # the last poll failed (the backend did not answer): retrying


class JobTracker(Generic[K]):
    def __init__(
        self,
        persist: Callable[[K, JobHandle], None],
        *,
        first_interval: float = 1.0,
        max_interval: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.persist = persist
        self.first_interval = first_interval
        self.max_interval = max_interval
        self.clock = clock
        self._jobs: dict[K, _Tracked] = {}

    def __len__(self) -> int:
        return len(self._jobs)

    def __contains__(self, key: object) -> bool:
        return key in self._jobs

    def submit(
        self,
        key: K,
        executor: Executor,
        script: str,
        *,
        job_key: str,
        mode: SubmitMode = "statements",
        flags: Mapping[str, str] | None = None,
        resume: bool = False,
    ) -> JobHandle:
        """Submit under ``job_key`` (stable per run: the same key never runs twice) and track it."""
        handle = executor.submit(script, flags=flags, mode=mode, key=job_key, resume=resume)
        self.track(key, executor, handle)
        return handle

    def track(self, key: K, executor: Executor, handle: JobHandle) -> None:
        """Follow a handle (a new one, or one read back after a restart); persisted first."""
        self.persist(key, handle)
        self._jobs[key] = _Tracked(executor, handle, self.clock(), self.first_interval)

    def status(self, key: K) -> JobStatus | None:
        tracked = self._jobs.get(key)
        return tracked.last if tracked is not None else None

    def cancel(self, key: K) -> bool:
        tracked = self._jobs.get(key)
        if tracked is None:
            return False
        cancelled = tracked.executor.cancel(tracked.handle)
        tracked.due = self.clock()  # see the outcome on the next round
        return cancelled

    def next_due(self) -> float | None:
        """When the next poll is due (``clock`` time), for a loop that sleeps between ticks."""
        return min((t.due for t in self._jobs.values()), default=None)

    def poll_due(self) -> list[tuple[K, JobStatus]]:
        """Poll the jobs whose turn has come; return (and stop tracking) the finished ones."""
        now = self.clock()
        finished: list[tuple[K, JobStatus]] = []
        for key, tracked in list(self._jobs.items()):
            if tracked.due > now:
                continue
            try:
                status = tracked.executor.poll(tracked.handle)
            except MaxworksError as err:  # the backend did not answer: the job is not lost
                tracked.problem = err.message
                self._backoff(tracked, now)
                continue
            tracked.problem = None
            if status.handle != tracked.handle:
                self.persist(key, status.handle)
                tracked.handle = status.handle
                tracked.interval = self.first_interval  # a new statement started
            tracked.last = status
            if status.finished:
                del self._jobs[key]
                finished.append((key, status))
            else:
                self._backoff(tracked, now)
        return finished

    def _backoff(self, tracked: _Tracked, now: float) -> None:
        tracked.due = now + tracked.interval
        tracked.interval = min(tracked.interval * 2, self.max_interval)
