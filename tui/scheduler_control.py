"""The scheduler as the app sees it: who leads the workspace, and the embedded leader's thread.

One process per workspace holds the scheduler lease and runs the loop (ARCHITECTURE.md,
"One leader executes"). When nobody does, the app can lead: :func:`run_embedded` is the body of
a thread worker that runs ``Scheduler.run_forever`` until the worker is cancelled (the toggle key,
or the app exiting: Textual cancels every worker on exit and waits for its threads). Like every
worker here it never touches a widget; it posts the messages below to the app.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from textual.message import Message

if TYPE_CHECKING:
    from engine.api import Api
    from engine.scheduler.lease import LeaseHolder

StateKind = Literal["none", "starting", "embedded", "stopping", "other", "run"]


@dataclass(frozen=True)
class SchedulerState:
    """What the status bar shows about the workspace's scheduler."""

    kind: StateKind = "none"
    detail: str = ""
    """For ``other``: which process leads (``pid 4242 on ops-1``)."""

    @property
    def label(self) -> str:
        return {
            "none": "none",
            "starting": "starting…",
            "embedded": "embedded leader",
            "stopping": "stopping…",
            "other": f"other leader ({self.detail})" if self.detail else "other leader",
            "run": "leading for a run",
        }[self.kind]

    @classmethod
    def of(cls, holder: LeaseHolder | None, embedded_holder: str | None) -> SchedulerState:
        if holder is None:
            return cls("none")
        if embedded_holder is not None and holder.holder == embedded_holder:
            return cls("embedded")
        if _this_process(holder):
            return cls("run")  # a DataStudio Run leads briefly while nobody else does
        return cls("other", f"pid {holder.pid} on {holder.host}")


def _this_process(holder: LeaseHolder) -> bool:
    import os
    import socket

    return holder.pid == os.getpid() and holder.host == socket.gethostname()


class LeaderObserved(Message):
    """The lease was read: ``holder`` leads the workspace (None: nobody does)."""

    def __init__(self, holder: LeaseHolder | None) -> None:
        super().__init__()
        self.holder = holder


class EmbeddedSchedulerStarted(Message):
    """This app now leads the workspace's scheduler."""

    def __init__(self, holder_id: str) -> None:
        super().__init__()
        self.holder_id = holder_id


class EmbeddedSchedulerStopped(Message):
    """The embedded leader stopped and released the lease (``error``: why, if it had to)."""

    def __init__(self, error: str | None = None) -> None:
        super().__init__()
        self.error = error


Post = Callable[[Message], object]


def observe_leader(api: Api, post: Post) -> None:
    """Worker body: read the lease (a short SQLite query) and post what it says."""
    try:
        holder = api.ops.leader()
    except Exception:  # a workspace being migrated or removed: show "none", try again later
        holder = None
    _post(post, LeaderObserved(holder))


def run_embedded(api: Api, post: Post, cancelled: Callable[[], bool]) -> None:
    """Worker body: lead the workspace until ``cancelled()``; always release the lease."""
    from engine.scheduler.loop import NotLeader

    try:
        # Built here: the scheduler's SQLite connection belongs to this thread.
        sched = api.ops.scheduler(clock=api.clock)
    except Exception as err:
        _post(post, EmbeddedSchedulerStopped(f"the scheduler could not start: {err}"))
        return
    error: str | None = None
    try:
        sched.start()
        _post(post, EmbeddedSchedulerStarted(sched.holder))
        sched.run_forever(stop=cancelled)
    except NotLeader as err:
        error = str(err)
    except Exception as err:  # a bug must not kill the app: report it and release the lease
        error = f"the embedded scheduler stopped: {type(err).__name__}: {err}"
    finally:
        try:
            sched.stop()
        finally:
            _post(post, EmbeddedSchedulerStopped(error))


def _post(post: Post, message: Message) -> None:
    with suppress(RuntimeError):  # the app's loop closed while we were stopping: nobody to tell
        post(message)
