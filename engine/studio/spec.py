"""A node: its code and scheduling configuration (what a version snapshots and deploy ships).

The scheduler reads only deployed ``NodeSpec`` snapshots (JSON in state.db); DataStudio reads
and writes the working copy as files under ``workflows/`` (see engine.studio.files).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from engine.scheduler.model import Cycle, InstanceMode, NodeType, Recurrence, RerunMode

FOREVER = date(9999, 1, 1)
BEGINNING = date(1970, 1, 1)


@dataclass(frozen=True)
class Schedule:
    cycle: Cycle = Cycle.DAY
    cron: str = "00 00 00 * * ?"  # DataWorks' 6 fields: seconds minutes hours day month weekday
    start_date: date = BEGINNING  # effective date range (inclusive), in the workspace time zone
    end_date: date = FOREVER
    instance_mode: InstanceMode = InstanceMode.T_PLUS_1
    recurrence: Recurrence = Recurrence.NORMAL
    rerun_mode: RerunMode = RerunMode.ALL_ALLOWED
    rerun_times: int = 0  # auto-rerun on failure, 0 or 1-10
    rerun_interval_minutes: int = 2  # 1-30
    timeout_minutes: int = 0  # 0: no timeout
    resource_group: str = "default"
    priority: int = 1  # DataWorks priorities 1, 3, 5, 7, 8 (larger runs first)


@dataclass(frozen=True)
class CrossCycle:
    """Dependencies on previous-cycle instances (reference §2.6)."""

    self_dependency: bool = False
    children: bool = False  # first-level children's previous-cycle instances
    nodes: tuple[str, ...] = ()  # other nodes' previous-cycle instances


@dataclass(frozen=True)
class BranchCondition:
    """One branch of a Branch node: a Python comparison over parameters, and its output name."""

    condition: str
    output: str


@dataclass(frozen=True)
class NodeSpec:
    name: str
    workflow: str
    type: NodeType
    code: str = ""
    owner: str = ""
    description: str = ""
    schedule: Schedule = field(default_factory=Schedule)
    params: tuple[tuple[str, str], ...] = ()  # name=expression pairs, in order (shell: $1 $2 ...)
    inputs: tuple[
        str, ...
    ] = ()  # output names of same-cycle upstream nodes (project.table, project.node)
    outputs: tuple[str, ...] = ()  # this node's output names (project.node is always added)
    cross_cycle: CrossCycle = field(default_factory=CrossCycle)
    branches: tuple[BranchCondition, ...] = ()

    @property
    def param_map(self) -> dict[str, str]:
        return dict(self.params)

    def to_json(self) -> str:
        return json.dumps(_jsonable(asdict(self)), sort_keys=True, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> NodeSpec:
        raw = json.loads(text)
        s = raw.get("schedule", {})
        cc = raw.get("cross_cycle", {})
        return cls(
            name=raw["name"],
            workflow=raw["workflow"],
            type=NodeType(raw["type"]),
            code=raw.get("code", ""),
            owner=raw.get("owner", ""),
            description=raw.get("description", ""),
            schedule=Schedule(
                cycle=Cycle(s.get("cycle", "day")),
                cron=s.get("cron", "00 00 00 * * ?"),
                start_date=date.fromisoformat(s.get("start_date", BEGINNING.isoformat())),
                end_date=date.fromisoformat(s.get("end_date", FOREVER.isoformat())),
                instance_mode=InstanceMode(s.get("instance_mode", "T+1")),
                recurrence=Recurrence(s.get("recurrence", "normal")),
                rerun_mode=RerunMode(s.get("rerun_mode", "always")),
                rerun_times=int(s.get("rerun_times", 0)),
                rerun_interval_minutes=int(s.get("rerun_interval_minutes", 2)),
                timeout_minutes=int(s.get("timeout_minutes", 0)),
                resource_group=s.get("resource_group", "default"),
                priority=int(s.get("priority", 1)),
            ),
            params=tuple((str(k), str(v)) for k, v in raw.get("params", [])),
            inputs=tuple(raw.get("inputs", [])),
            outputs=tuple(raw.get("outputs", [])),
            cross_cycle=CrossCycle(
                self_dependency=bool(cc.get("self_dependency", False)),
                children=bool(cc.get("children", False)),
                nodes=tuple(cc.get("nodes", [])),
            ),
            branches=tuple(
                BranchCondition(b["condition"], b["output"]) for b in raw.get("branches", [])
            ),
        )


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value
