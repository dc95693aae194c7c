"""Where each node stands: working copy vs its last version vs production (list and show)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from engine.errors import MaxworksError, WorkspaceError
from engine.studio import files, versions
from engine.studio.deps import Naming, ParsedIO, build_dag
from engine.studio.draft import NodeDraft
from engine.studio.resolve import Resolved, resolve
from engine.studio.spec import NodeSpec
from engine.studio.versions import Version
from engine.workspace import Workspace

# new: never committed | modified: differs from its last version | deleted: file removed, not
# committed | committed: = last version, not in production | deployed: = what production runs |
# undeploy pending: deletion committed, still in production | invalid: file or code has errors
UNCOMMITTED = frozenset({"new", "modified", "deleted", "invalid"})


@dataclass(frozen=True)
class NodeStatus:
    name: str
    workflow: str
    type: str
    cron: str
    cycle: str
    owner: str
    node_id: int | None
    version: int | None  # latest committed version (None: never committed, or deleted)
    deployed_version: int | None
    status: str
    error: str | None = None

    @property
    def uncommitted(self) -> bool:
        return self.status in UNCOMMITTED

    @property
    def undeployed(self) -> bool:
        """Is there a committed change production does not run yet."""
        return self.status in ("committed", "undeploy pending") or (
            self.version is not None and self.version != self.deployed_version
        )


@dataclass(frozen=True)
class NodeDetail:
    status: NodeStatus
    draft: NodeDraft | None  # None: deleted from the working copy
    config_path: Path | None
    code_path: Path | None
    parsed: ParsedIO | None  # what auto-parse found in the code
    inputs: tuple[str, ...]  # effective (resolved) inputs
    outputs: tuple[str, ...]
    upstream: tuple[str, ...]  # in the working-copy DAG
    downstream: tuple[str, ...]
    invalid_inputs: tuple[str, ...]  # inputs no node produces
    versions: tuple[Version, ...]  # newest first
    warnings: tuple[str, ...]


@dataclass
class _Working:
    paths: dict[str, Path]
    drafts: dict[str, NodeDraft]
    file_errors: dict[str, str]
    resolved: Resolved


def _working(workspace: Workspace, db: sqlite_utils.Database, naming: Naming) -> _Working:
    paths = files.scan_nodes(workspace)
    drafts: dict[str, NodeDraft] = {}
    errors: dict[str, str] = {}
    for name, path in paths.items():
        try:
            drafts[name] = files.load_file(workspace, path)
        except MaxworksError as err:
            errors[name] = str(err)
    return _Working(paths, drafts, errors, resolve(db, drafts.values(), naming))


def node_statuses(
    workspace: Workspace, db: sqlite_utils.Database, naming: Naming
) -> list[NodeStatus]:
    work = _working(workspace, db, naming)
    latest = versions.latest_versions(db)
    live = versions.deployed_versions(db)
    ids = versions.node_ids(db)
    basic = workspace.config.mode == "basic"
    out: list[NodeStatus] = []
    for name in sorted(set(work.paths) | set(latest)):
        node_id = ids.get(name)
        deployed = live.get(node_id) if node_id is not None else None
        last = latest.get(name)
        before = None
        if name not in work.paths and last is not None and last.spec is None:
            if deployed is None:
                continue  # a deletion committed and deployed is gone for good
            before = next(v for v in versions.node_versions(db, name) if v.spec is not None)
        out.append(_status(name, work, last, node_id, deployed, basic, before))
    return out


def _status(
    name: str,
    work: _Working,
    latest: Version | None,
    node_id: int | None,
    live: int | None,
    basic: bool,
    before: Version | None = None,
) -> NodeStatus:
    """``before``: the last live version, shown for a deletion that production still runs."""
    draft = work.drafts.get(name)
    committed = latest.spec if latest is not None else None
    shown: NodeSpec | None = draft or committed or (before.spec if before else None)
    error = work.file_errors.get(name)
    if name in work.resolved.errors:
        error = str(work.resolved.errors[name])
    if error is not None:
        status = "invalid"
    elif name not in work.paths:
        status = "deleted" if committed is not None else "undeploy pending"
    elif latest is None or committed is None:
        status = "new"
    elif committed != work.resolved.snapshots[name]:
        status = "modified"
    else:
        status = "deployed" if basic or live == latest.version else "committed"
    return NodeStatus(
        name=name,
        workflow=shown.workflow if shown else work.paths[name].parent.name,
        type=shown.type.value if shown else "?",
        cron=shown.schedule.cron if shown else "",
        cycle=shown.schedule.cycle.value if shown else "",
        owner=shown.owner if shown else "",
        node_id=node_id,
        version=latest.version if committed is not None and latest is not None else None,
        deployed_version=live,
        status=status,
        error=error,
    )


def node_detail(
    workspace: Workspace, db: sqlite_utils.Database, naming: Naming, name: str
) -> NodeDetail:
    work = _working(workspace, db, naming)
    history = versions.node_versions(db, name)
    if name not in work.paths and not history:
        raise WorkspaceError(
            f"no node named {name!r}",
            hint="list nodes with `maxworks node list`",
        )
    if name in work.file_errors:
        raise MaxworksError(work.file_errors[name])
    ids = versions.node_ids(db)
    node_id = ids.get(name)
    live = versions.deployed_versions(db).get(node_id) if node_id is not None else None
    basic = workspace.config.mode == "basic"
    before = next((v for v in history if v.spec is not None), None)
    status = _status(name, work, history[0] if history else None, node_id, live, basic, before)
    dag = build_dag(work.resolved.snapshots.values(), naming, strict=False)
    mine = work.resolved.snapshots.get(name) or (history[0].spec if history else None)
    draft = work.drafts.get(name)
    config = work.paths.get(name)
    warnings = [
        f"{other}: {'file' if other in work.file_errors else 'code'} has errors, left out of the DAG"
        for other in sorted({*work.file_errors, *work.resolved.errors} - {name})
    ]
    warnings += dag.conflicts
    if name in work.resolved.errors:
        warnings.insert(0, f"the code does not parse: {work.resolved.errors[name]}")
    return NodeDetail(
        status=status,
        draft=draft,
        config_path=config,
        code_path=files.code_path(config, draft.type) if config and draft else None,
        parsed=work.resolved.parsed.get(name),
        inputs=mine.inputs if mine else (),
        outputs=mine.outputs if mine else (),
        upstream=dag.upstream.get(name, ()),
        downstream=dag.downstream.get(name, ()),
        invalid_inputs=tuple(i.input for i in dag.invalid if i.node == name),
        versions=tuple(history),
        warnings=tuple(warnings),
    )
