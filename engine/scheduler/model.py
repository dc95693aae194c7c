"""The records of scheduling, in DataWorks' own terms (reference §2, §3).

Identity fields are frozen; states, scheduling types and policies are enums whose values are
DataWorks' codes, so events and the API speak the same numbers as DataWorks' OpenEvent.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum


class NodeType(StrEnum):
    ODPS_SQL = "odps_sql"
    ODPS_SCRIPT = "odps_script"
    SHELL = "shell"
    VIRTUAL = "virtual"
    ASSIGNMENT = "assignment"
    BRANCH = "branch"
    MERGE = "merge"
    PYODPS3 = "pyodps3"

    @property
    def code_suffix(self) -> str | None:
        """Extension of the node's code file (None: the node has no code)."""
        return {
            "odps_sql": ".sql",
            "odps_script": ".sql",
            "shell": ".sh",
            "assignment": ".sql",
            "pyodps3": ".py",
        }.get(self.value)

    @property
    def zero_load(self) -> bool:
        """Control nodes that succeed at once without running code (never billed)."""
        return self in (NodeType.VIRTUAL, NodeType.MERGE)


class Cycle(StrEnum):
    MINUTE = "minute"
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


class InstanceMode(StrEnum):
    T_PLUS_1 = "T+1"
    IMMEDIATELY = "immediately"


class Recurrence(StrEnum):
    """Scheduling type of a node: Normal, Skip Execution (= frozen, API Pause), Dry Run (API Skip)."""

    NORMAL = "normal"
    PAUSE = "pause"
    SKIP = "skip"


class RerunMode(StrEnum):
    ALL_ALLOWED = "always"
    FAILURE_ALLOWED = "failure_only"
    DENIED = "never"


class State(IntEnum):
    """Instance status, with DataWorks' event codes."""

    NOT_RUN = 1
    WAIT_TIME = 2
    WAIT_RESOURCE = 3
    RUNNING = 4
    FAILURE = 5
    SUCCESS = 6
    CHECKING_CONDITION = 8

    @property
    def label(self) -> str:
        return _STATE_LABELS[self]

    @property
    def finished(self) -> bool:
        return self in (State.FAILURE, State.SUCCESS)


_STATE_LABELS = {
    State.NOT_RUN: "not run",
    State.WAIT_TIME: "waiting for time",
    State.WAIT_RESOURCE: "waiting for resources",
    State.RUNNING: "running",
    State.FAILURE: "failed",
    State.SUCCESS: "succeeded",
    State.CHECKING_CONDITION: "checking conditions",
}


class SchedType(IntEnum):
    """An instance's scheduling type (orthogonal to its state), with DataWorks' codes."""

    NORMAL = 0
    MANUAL = 1
    PAUSE = 2  # frozen: fails when it would start, blocking descendants
    SKIP = 3  # dry run: succeeds at once
    SKIP_UNCHOOSE = 4  # excluded from a backfill: succeeds at once
    SKIP_CYCLE = 5  # week/month/year node on a day it does not run
    CONDITION_UNCHOOSE = 6  # below a branch that was not selected
    REALTIME_DEPRECATED = 7  # "immediately" instance generated too late: expired

    @property
    def dry(self) -> bool:
        return self in (
            SchedType.SKIP,
            SchedType.SKIP_UNCHOOSE,
            SchedType.SKIP_CYCLE,
            SchedType.CONDITION_UNCHOOSE,
            SchedType.REALTIME_DEPRECATED,
        )


class DagType(IntEnum):
    NORMAL = 0  # recurring (auto-triggered)
    MANUAL = 1
    SMOKE_TEST = 2  # test run (DataStudio Run, Operation Center test)
    BACKFILL = 3
