"""The working copy: nodes as plain, diff-friendly files under ``workflows/``.

```
workflows/<workflow>/<node>.toml   scheduling config (hand-rendered TOML, stable key order)
workflows/<workflow>/<node>.sql    code (.sh, .py; virtual, branch and merge nodes have none)
```

The node's name is its file name and its workflow the folder, so renaming a file renames the
node (to DataStudio that is a delete and a new node). Node names are unique across the
workspace, ignoring case (MaxCompute names ignore case, and every node outputs
``<project>.<name>``). Loading validates every key and names the file and the key in errors.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from engine.errors import ConfigError, ParamError, WorkspaceError
from engine.params import PARAMETER_NAME, check_expression
from engine.scheduler.cron import CYCLE_ALIASES, cron_for, parse_cron
from engine.scheduler.model import Cycle, InstanceMode, NodeType, Recurrence, RerunMode
from engine.studio.draft import (
    NODE_NAME,
    OUTPUT_NAME,
    PRIORITIES,
    TYPE_ALIASES,
    WORKFLOW_NAME,
    NodeDraft,
    check_node_name,
    check_workflow_name,
)
from engine.studio.render import render_node
from engine.studio.spec import BranchCondition, CrossCycle, NodeSpec, Schedule
from engine.studio.toml_fields import Fields
from engine.workspace import Workspace

MAX_TIMEOUT_MINUTES = 168 * 60
MAX_BRANCHES = 50

_TOP = {
    "type",
    "owner",
    "description",
    "schedule",
    "params",
    "dependencies",
    "cross_cycle",
    "branch",
}
_FORM = {"cycle", "at", "interval", "start", "end", "weekdays", "monthdays", "months"}
_SCHEDULE = {
    "cron",
    *_FORM,
    "start_date",
    "end_date",
    "instance_mode",
    "recurrence",
    "rerun_mode",
    "rerun_times",
    "rerun_interval_minutes",
    "timeout_minutes",
    "resource_group",
    "priority",
}


def config_path(workspace: Workspace, workflow: str, name: str) -> Path:
    return workspace.workflows_dir / workflow / f"{name}.toml"


def code_path(config: Path, node_type: NodeType) -> Path | None:
    suffix = node_type.code_suffix
    return config.with_suffix(suffix) if suffix else None


def scan_nodes(workspace: Workspace) -> dict[str, Path]:
    """Node name -> config file, without reading them; refuses the same name twice."""
    found: dict[str, Path] = {}
    seen: dict[str, Path] = {}
    root = workspace.workflows_dir
    if not root.is_dir():
        return found
    with os.scandir(root) as flows:
        for flow in sorted(flows, key=lambda e: e.name):
            if not flow.is_dir() or flow.name.startswith("."):
                continue
            with os.scandir(flow.path) as entries:
                for entry in entries:
                    if not entry.name.endswith(".toml") or entry.name.startswith("."):
                        continue
                    name = entry.name[:-5]
                    path = Path(entry.path)
                    other = seen.get(name.lower())
                    if other is not None:
                        first, second = sorted((other, path))
                        raise ConfigError(
                            f"node {name!r} is defined twice: {first} and {second}",
                            hint="node names are unique across the workspace (ignoring case); "
                            "rename or delete one of the files",
                        )
                    seen[name.lower()] = path
                    found[name] = path
    return found


def load_node(workspace: Workspace, name: str) -> NodeDraft:
    nodes = scan_nodes(workspace)
    path = nodes.get(name) or next((p for n, p in nodes.items() if n.lower() == name.lower()), None)
    if path is None:
        raise WorkspaceError(
            f"no node named {name!r} in {workspace.workflows_dir}",
            hint="list nodes with `maxworks node list`, or create one with `maxworks node create`",
        )
    return load_file(workspace, path)


def list_nodes(workspace: Workspace) -> list[NodeDraft]:
    """Every node of the working copy, sorted by name (the first invalid file raises)."""
    return [load_file(workspace, path) for _, path in sorted(scan_nodes(workspace).items())]


def write_node(workspace: Workspace, draft: NodeSpec) -> Path:
    """Write the config (and the code, if the type has code); returns the config path."""
    check_node_name(draft.name)
    check_workflow_name(draft.workflow)
    path = config_path(workspace, draft.workflow, draft.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    code = code_path(path, draft.type)
    if code is not None:
        write_atomic(code, draft.code)
    write_atomic(path, render_node(draft))
    return path


def load_file(workspace: Workspace, path: Path) -> NodeDraft:
    raw = _read_toml(path)
    name, workflow = path.stem, path.parent.name
    if not NODE_NAME.match(name):
        raise ConfigError(f"{path}: {name!r} is not a valid node name (letters, digits and _)")
    if not WORKFLOW_NAME.match(workflow):
        raise ConfigError(f"{path}: {workflow!r} is not a valid workflow folder name")
    f = Fields(path)
    f.no_unknown(raw, _TOP, "")
    node_type = f.choice(raw, "type", TYPE_ALIASES, required=True)
    code_file = code_path(path, node_type)
    code = _read_code(code_file, name) if code_file is not None else ""
    deps = f.table(raw, "dependencies")
    f.no_unknown(deps, {"inputs", "outputs", "auto_parse", "exclude_inputs"}, "dependencies.")
    cross = f.table(raw, "cross_cycle")
    f.no_unknown(cross, {"self", "children", "nodes"}, "cross_cycle.")
    cross_nodes = f.names(cross, "nodes", "cross_cycle.", NODE_NAME)
    return NodeDraft(
        name=name,
        workflow=workflow,
        type=node_type,
        code=code,
        owner=f.string(raw, "owner", "") or "",
        description=f.string(raw, "description", "") or "",
        schedule=_schedule(f, f.table(raw, "schedule"), workspace),
        params=_params(f, f.table(raw, "params")),
        inputs=f.names(deps, "inputs", "dependencies.", OUTPUT_NAME),
        outputs=f.names(deps, "outputs", "dependencies.", OUTPUT_NAME),
        cross_cycle=CrossCycle(
            self_dependency=f.boolean(cross, "self", False, "cross_cycle."),
            children=f.boolean(cross, "children", False, "cross_cycle."),
            nodes=cross_nodes,
        ),
        branches=_branches(f, raw, node_type),
        auto_parse=f.boolean(deps, "auto_parse", True, "dependencies."),
        exclude_inputs=f.names(deps, "exclude_inputs", "dependencies.", OUTPUT_NAME),
    )


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except PermissionError:
        raise ConfigError(
            f"{path}: permission denied", hint="check the file's owner and mode"
        ) from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, not a node file") from None
    except UnicodeDecodeError as err:
        raise ConfigError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start})") from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: invalid TOML: {err}") from None


def _read_code(path: Path, name: str) -> str:
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            return fh.read()
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: the code file of node {name!r} is missing",
            hint="create it (it may be empty), or change the node's type",
        ) from None
    except PermissionError:
        raise ConfigError(
            f"{path}: permission denied", hint="check the file's owner and mode"
        ) from None
    except UnicodeDecodeError as err:
        raise ConfigError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start})") from None


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` atomically (a temporary file renamed over it)."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise WorkspaceError(f"{path}: cannot write: {err.strerror or err}") from None


def _schedule(f: Fields, raw: dict[str, Any], workspace: Workspace) -> Schedule:
    p = "schedule."
    f.no_unknown(raw, _SCHEDULE, p)
    default = Schedule()
    form = sorted(set(raw) & _FORM)
    if "cron" in raw and set(form) - {"cycle"}:
        raise ConfigError(
            f"{f.path}: schedule.{form[-1]}: give either cron or cycle + at, not both"
        )
    cron_text = f.string(raw, "cron", None, p)
    cycle = f.choice(raw, "cycle", CYCLE_ALIASES, prefix=p) if "cycle" in raw else None
    unit_max = {Cycle.MINUTE: 59, Cycle.HOUR: 23}.get(cycle) if cycle else None
    interval = f.optional_integer(raw, "interval", 1, unit_max, p) if unit_max else None
    at, first, last = f.clock(raw, "at", p), f.clock(raw, "start", p), f.clock(raw, "end", p)
    weekdays, monthdays = f.items(raw, "weekdays", p), f.items(raw, "monthdays", p)
    months = f.items(raw, "months", p)
    try:
        if cron_text is None and cycle is not None:
            cron_text = cron_for(
                cycle,
                at=at,
                interval_minutes=interval if cycle is Cycle.MINUTE else None,
                interval_hours=interval if cycle is Cycle.HOUR else None,
                start=first,
                end=last,
                weekdays=weekdays,
                monthdays=monthdays,
                months=months,
            )
        cron = parse_cron(cron_text or default.cron)
    except ConfigError as err:
        key = "cron" if "cron" in raw else "cycle"
        raise ConfigError(f"{f.path}: schedule.{key}: {err.message}", hint=err.hint) from None
    if cycle is not None and cron.cycle is not cycle:
        raise ConfigError(
            f"{f.path}: schedule.cycle: is {cycle.value!r} but the cron {cron.text!r} is a {cron.cycle.value} schedule",
            hint="remove cycle (the cron decides it) or fix the cron",
        )
    groups = [g.name for g in workspace.config.resource_groups]
    group = f.string(raw, "resource_group", default.resource_group, p) or default.resource_group
    if group not in groups:
        raise ConfigError(
            f"{f.path}: schedule.resource_group: {group!r} is not a resource group of this workspace",
            hint=f"use one of {', '.join(groups)} or add it to maxworks.toml",
        )
    start, end = (
        f.day(raw, "start_date", default.start_date, p),
        f.day(raw, "end_date", default.end_date, p),
    )
    if end < start:
        raise ConfigError(f"{f.path}: schedule.end_date: {end} is before start_date {start}")
    priority = f.integer(raw, "priority", default.priority, 1, 8, p)
    if priority not in PRIORITIES:
        raise ConfigError(f"{f.path}: schedule.priority: {priority} is not one of 1, 3, 5, 7, 8")
    return Schedule(
        cycle=cron.cycle,
        cron=cron.text,
        start_date=start,
        end_date=end,
        instance_mode=f.choice(
            raw,
            "instance_mode",
            {m.value.lower(): m for m in InstanceMode},
            p,
            InstanceMode.T_PLUS_1,
        ),
        recurrence=f.choice(
            raw, "recurrence", {r.value: r for r in Recurrence}, p, Recurrence.NORMAL
        ),
        rerun_mode=f.choice(
            raw, "rerun_mode", {r.value: r for r in RerunMode}, p, RerunMode.ALL_ALLOWED
        ),
        rerun_times=f.integer(raw, "rerun_times", default.rerun_times, 0, 10, p),
        rerun_interval_minutes=f.integer(
            raw, "rerun_interval_minutes", default.rerun_interval_minutes, 1, 30, p
        )
        or 1,
        timeout_minutes=f.integer(raw, "timeout_minutes", 0, 0, MAX_TIMEOUT_MINUTES, p),
        resource_group=group,
        priority=priority,
    )


def _params(f: Fields, raw: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    for name, expr in raw.items():
        if not PARAMETER_NAME.match(name):
            raise ConfigError(
                f"{f.path}: params.{name}: not a valid parameter name (letters, digits, _)"
            )
        if not isinstance(expr, str):
            raise ConfigError(
                f'{f.path}: params.{name}: must be a string, e.g. {name} = "$bizdate"'
            )
        try:
            check_expression(expr)
        except ParamError as err:
            raise ConfigError(f"{f.path}: params.{name}: {err.message}", hint=err.hint) from None
        out.append((name, expr))
    return tuple(out)


def _branches(f: Fields, raw: dict[str, Any], node_type: NodeType) -> tuple[BranchCondition, ...]:
    items = raw.get("branch", [])
    if items and node_type is not NodeType.BRANCH:
        raise ConfigError(f"{f.path}: branch: only branch nodes have [[branch]] conditions")
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ConfigError(f"{f.path}: branch: must be an array of tables ([[branch]])")
    if len(items) > MAX_BRANCHES:
        raise ConfigError(f"{f.path}: branch: at most {MAX_BRANCHES} branches")
    out: list[BranchCondition] = []
    for i, item in enumerate(items):
        prefix = f"branch[{i}]."
        f.no_unknown(item, {"condition", "output"}, prefix)
        condition = f.string(item, "condition", None, prefix, required=True) or ""
        output = f.string(item, "output", None, prefix, required=True) or ""
        if not OUTPUT_NAME.match(output):
            raise ConfigError(f"{f.path}: {prefix}output: {output!r} is not a valid output name")
        out.append(BranchCondition(condition, output))
    return tuple(out)
