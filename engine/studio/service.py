"""DataStudio's development process, headless: create, commit, deploy, versions, diff (reference §6.1).

* The working copy is files (engine.studio.files); a commit stores an immutable *resolved*
  snapshot of each changed node (dependencies auto-parsed and applied), and only for nodes whose
  snapshot differs from their last version. A node file removed from the working copy commits as
  a ``delete``.
* Pre-commit checks: every SQL statement parses (the error names the file and line), parameters
  and config are valid (checked when the file loads), every name a node refers to exists, no two
  nodes produce one output, and the DAG after the commit has no cycle (the path is printed).
  Inputs that no node produces are reported, not refused.
* Standard mode: deploy copies the latest committed version of each node to production in one
  SQLite transaction (all listed nodes or none); a committed delete undeploys. Basic mode: the
  commit deploys at once, in the same transaction.
* Time comes from the injected clock, identity is ``user`` (the OS user, see engine.identity).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path

from sqlite_utils import Database

from engine.errors import MaxworksError, WorkspaceError
from engine.params import parse_assignments
from engine.scheduler.cron import cron_for, parse_cron, parse_cycle
from engine.scheduler.model import Cycle, NodeType
from engine.security.service import Security, guarded
from engine.store import write_transaction
from engine.studio import files, versions, working
from engine.studio.checks import check_commit, check_deploy, diff_text
from engine.studio.deps import Naming, ParsedIO, build_dag, snapshot
from engine.studio.draft import NodeDraft, check_node_name, check_workflow_name, parse_type
from engine.studio.resolve import resolve
from engine.studio.spec import NodeSpec, Schedule
from engine.studio.status import NodeDetail, NodeStatus, node_detail, node_statuses
from engine.studio.versions import Deployment, PendingDeploy, Version
from engine.workspace import Workspace

__all__ = [
    "CommitResult",
    "Deployment",
    "NodeDetail",
    "NodeStatus",
    "PendingDeploy",
    "Studio",
    "Version",
]


@dataclass(frozen=True)
class CommitResult:
    versions: tuple[Version, ...]
    deployments: tuple[Deployment, ...]  # basic mode: the commit deployed these
    warnings: tuple[str, ...]  # invalid dependencies and other things to look at


class Studio:
    def __init__(self, workspace: Workspace, *, user: str, clock: Callable[[], datetime]) -> None:
        self.workspace = workspace
        self.user = user
        self.clock = clock
        self.naming = Naming.of(workspace.config)
        self.security = Security(workspace, user=user, clock=clock)  # roles + audit

    # -- working copy -------------------------------------------------------------------------
    @guarded("studio.edit")
    def create_node(
        self,
        name: str,
        workflow: str,
        type: NodeType | str,
        *,
        code: str | Path | None = None,
        cron: str | None = None,
        cycle: Cycle | str | None = None,
        at: time | None = None,
        interval: int | None = None,
        start: time | None = None,
        end: time | None = None,
        weekdays: Sequence[int | str] = (),
        monthdays: Sequence[int | str] = (),
        months: Sequence[int | str] = (),
        depends: Sequence[str] = (),
        params: Sequence[str] = (),
        description: str = "",
    ) -> NodeDraft:
        """Write a new node's files and return it as loaded back. Refuses an existing name."""
        check_node_name(name)
        check_workflow_name(workflow)
        node_type = parse_type(type) if isinstance(type, str) else type
        existing = files.scan_nodes(self.workspace)
        clash = next((p for n, p in existing.items() if n.lower() == name.lower()), None)
        if clash is not None:
            raise WorkspaceError(
                f"node {name!r} already exists: {clash}", hint="choose another name"
            )
        text = _read_code(code) if isinstance(code, Path) else code
        if text and node_type.code_suffix is None:
            raise WorkspaceError(f"{node_type.value} nodes have no code; drop --file")
        if cron is not None and cycle is not None:
            raise WorkspaceError("give either a cron expression or a cycle, not both")
        if cycle is not None:
            c = parse_cycle(cycle) if isinstance(cycle, str) else cycle
            cron = cron_for(
                c, at=at, interval_minutes=interval if c is Cycle.MINUTE else None,
                interval_hours=interval if c is Cycle.HOUR else None, start=start, end=end,
                weekdays=weekdays, monthdays=monthdays, months=months,
            )  # fmt: skip
        elif cron is None:
            # DataWorks gives a new node a random time between 00:00 and 00:30; ours is stable.
            cron = f"00 {zlib.crc32(name.encode()) % 31:02d} 00 * * ?"
        parsed_cron = parse_cron(cron)
        groups = [g.name for g in self.workspace.config.resource_groups]
        draft = NodeDraft(
            name=name,
            workflow=workflow,
            type=node_type,
            code=text or "",
            owner=self.user,
            description=description,
            schedule=Schedule(
                cycle=parsed_cron.cycle,
                cron=parsed_cron.text,
                resource_group="default" if "default" in groups else groups[0],
            ),
            params=_params(params),
            inputs=tuple(self._depends(depends, existing)),
        )
        path = files.write_node(self.workspace, draft)
        db = self.workspace.open_state()
        try:
            with write_transaction(db):
                versions.ensure_node_id(db, name, self.clock())
        finally:
            db.close()
        return files.load_file(self.workspace, path)

    def _depends(self, depends: Sequence[str], existing: dict[str, Path]) -> list[str]:
        out: list[str] = []
        lower = {n.lower() for n in existing}
        for item in depends:
            item = item.strip()
            if not item:
                continue
            if "." in item or item.lower() == self.naming.root:
                out.append(item.lower())
            elif item.lower() in lower:
                out.append(self.naming.node_output(item))
            else:
                raise WorkspaceError(
                    f"--depends {item}: no node named {item!r}",
                    hint="name an existing node, or give an output name such as project.table",
                )
        return out

    def load_node(self, name: str) -> NodeSpec:
        """The working copy of a node, resolved as a commit would store it (for test runs).

        Code that does not parse keeps only its hand-written dependencies: running it is what
        shows the error.
        """
        draft = files.load_node(self.workspace, name)
        db = self.workspace.open_state()
        try:
            resolved = resolve(db, [draft], self.naming)
        finally:
            db.close()
        return resolved.snapshots.get(draft.name) or snapshot(draft, ParsedIO(), self.naming)

    def list_nodes(self) -> list[NodeStatus]:
        """Every node of the working copy (and uncommitted deletions), with its status."""
        db = self.workspace.open_state()
        try:
            return node_statuses(self.workspace, db, self.naming)
        finally:
            db.close()

    def show_node(self, name: str) -> NodeDetail:
        db = self.workspace.open_state()
        try:
            return node_detail(self.workspace, db, self.naming, name)
        finally:
            db.close()

    # -- editing the working copy (engine.studio.working) ---------------------------------------
    def read_code(self, name: str) -> tuple[Path | None, str]:
        """The node's code file and its text as on disk (``(None, "")`` for a type without code)."""
        return working.read_code(self.workspace, name)

    @guarded("studio.edit")
    def save_code(self, name: str, code: str) -> Path:
        """Write the node's code file atomically; its config is left as it is."""
        return working.save_code(self.workspace, name, code)

    @guarded("studio.edit")
    def save_node(self, draft: NodeDraft) -> NodeDraft:
        """Validate a node's config as loading it would, then write it; returns it loaded back."""
        return working.save_node(self.workspace, draft)

    @guarded("studio.edit")
    def rollback(self, name: str, version: int) -> NodeDraft:
        """Write a committed version back to the working files (commit it again to ship it)."""
        return working.rollback(self.workspace, self.versions(name), name, version)

    # -- commit & deploy ----------------------------------------------------------------------
    @guarded("studio.commit")
    def commit(self, names: Sequence[str] | None = None, message: str = "") -> CommitResult:
        """Version the changed nodes (``names``, default: every changed node)."""
        if not message.strip():
            raise MaxworksError("a commit needs a message", hint='describe the change: -m "..."')
        paths = files.scan_nodes(self.workspace)
        db = self.workspace.open_state()
        try:
            wanted = self._commit_set(names, paths, versions.latest_changes(db))
            drafts = {n: files.load_file(self.workspace, paths[n]) for n in wanted if n in paths}
            resolved = resolve(db, drafts.values(), self.naming)
            now = self.clock()
            with write_transaction(db):
                latest = versions.latest_versions(db)  # under the write lock
                changes, warnings = check_commit(
                    wanted, drafts, resolved, latest, paths, self.naming
                )
                made: list[Version] = []
                deployed: list[Deployment] = []
                basic = self.workspace.config.mode == "basic"
                for name, change, spec in changes:
                    node_id = versions.ensure_node_id(db, name, now)
                    prev = latest.get(name)
                    number = (prev.version if prev else 0) + 1
                    versions.insert_version(
                        db, node_id, number, change, spec, message, self.user, now
                    )
                    made.append(
                        Version(name, node_id, number, change, message, self.user, now, spec, basic)
                    )
                    if basic:
                        deployed.append(
                            versions.record_deployment(
                                db, name, node_id, number, change, message, self.user, now
                            )
                        )
                _deployment_events(db, deployed, self.user)
            self._generate_immediately(db, deployed)
            return CommitResult(tuple(made), tuple(deployed), tuple(warnings))
        finally:
            db.close()

    def _commit_set(
        self, names: Sequence[str] | None, paths: dict[str, Path], latest: dict[str, str]
    ) -> list[str]:
        live = {n for n, change in latest.items() if change != "delete"}
        if names is None:
            return sorted(set(paths) | live)
        out: list[str] = []
        for name in names:
            if name not in paths and name not in live:
                raise WorkspaceError(
                    f"no node named {name!r} (no file under {self.workspace.workflows_dir} and no committed version)",
                    hint="list nodes with `maxworks node list`",
                )
            out.append(name)
        return sorted(set(out))

    @guarded("deploy")
    def deploy(self, names: Sequence[str] | None = None, message: str = "") -> list[Deployment]:
        """Standard mode: ship the latest committed version of ``names`` (default: all pending)."""
        if self.workspace.config.mode == "basic":
            raise MaxworksError(
                f"workspace {self.workspace.config.name!r} is in basic mode: commit deploys at once",
                hint="there is nothing to deploy separately; use `maxworks commit`",
            )
        if not message.strip():
            raise MaxworksError("a deploy needs a message", hint='describe it: -m "..."')
        db = self.workspace.open_state()
        try:
            with write_transaction(db):
                latest = versions.latest_versions(db)
                prod = versions.deployed_specs(db)
                todo = check_deploy(names, latest, prod, self.naming)
                now = self.clock()
                done = [
                    versions.record_deployment(
                        db, p.node, p.node_id, p.version, p.change, message, self.user, now
                    )
                    for p in todo
                ]
                _deployment_events(db, done, self.user)
            self._generate_immediately(db, done)
            return done
        finally:
            db.close()

    def _generate_immediately(self, db: Database, done: Sequence[Deployment]) -> None:
        """Nodes whose instance generation mode is "immediately" get today's instances now."""
        from engine.scheduler.immediate import generate_on_deploy

        live = [d.node for d in done if d.change != "delete"]
        if live:
            generate_on_deploy(db, self.workspace.config.projects.prod, live, self.clock())

    def pending_deploy(self) -> list[PendingDeploy]:
        """Committed changes that production does not run yet (standard mode)."""
        db = self.workspace.open_state()
        try:
            latest = versions.latest_versions(db)
            prod = versions.deployed_specs(db)
            return check_deploy(None, latest, prod, self.naming, check=False)
        finally:
            db.close()

    def deployed(self) -> dict[str, NodeSpec]:
        """What production runs: node name -> deployed snapshot."""
        db = self.workspace.open_state()
        try:
            return {name: spec for name, (_, spec) in versions.deployed_specs(db).items()}
        finally:
            db.close()

    # -- versions -----------------------------------------------------------------------------
    def versions(self, name: str) -> list[Version]:
        """Every version of a node, newest first (empty if it was never committed)."""
        db = self.workspace.open_state()
        try:
            return versions.node_versions(db, name)
        finally:
            db.close()

    def diff(self, name: str, v1: int | None = None, v2: int | None = None) -> str:
        """Unified diff of config and code between two states of a node.

        ``(v1, v2)``: version v1 -> v2; ``(None, v2)``: nothing -> v2 (what a first deploy
        ships); ``(v1, None)``: v1 -> working copy; ``(None, None)``: latest -> working copy.
        """
        db = self.workspace.open_state()
        try:
            history = {v.version: v for v in versions.node_versions(db, name)}
            for number in (v1, v2):
                if number is not None and number not in history:
                    known = ", ".join(str(n) for n in sorted(history)) or "none"
                    raise WorkspaceError(
                        f"node {name!r} has no version {number} (versions: {known})"
                    )
            if v2 is not None:
                base = history[v1] if v1 is not None else None
                return diff_text(name, base, f"v{v2}", history[v2].spec)
            base = history.get(v1 if v1 is not None else max(history, default=0))
            paths = files.scan_nodes(self.workspace)
            if name not in paths:
                if not history:
                    raise WorkspaceError(f"no node named {name!r}")
                return diff_text(name, base, "working copy (deleted)", None)
            draft = files.load_file(self.workspace, paths[name])
            resolved = resolve(db, [draft], self.naming)
            note = None
            spec = resolved.snapshots.get(name)
            if spec is None:  # the code does not parse: show it with its hand-written dependencies
                note = f"dependencies not parsed: {resolved.errors[name]}"
                spec = snapshot(draft, ParsedIO(), self.naming)
            return diff_text(name, base, "working copy", spec, note=note)
        finally:
            db.close()

    def dag(self) -> list[tuple[str, tuple[str, ...]]]:
        """The committed DAG (node, upstream nodes), for tools that draw it."""
        db = self.workspace.open_state()
        try:
            live = [v.spec for v in versions.latest_versions(db).values() if v.spec is not None]
        finally:
            db.close()
        dag = build_dag(live, self.naming)
        return sorted(dag.upstream.items())


def _read_code(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise WorkspaceError(f"{path}: no such file") from None
    except (PermissionError, IsADirectoryError) as err:
        raise WorkspaceError(f"{path}: cannot read: {err.strerror}") from None
    except UnicodeDecodeError as err:
        raise WorkspaceError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start})") from None


def _params(items: Sequence[str]) -> tuple[tuple[str, str], ...]:
    out: dict[str, str] = {}
    for item in items:
        for name, expr in parse_assignments(item).items():
            if name in out:
                raise WorkspaceError(f"parameter {name!r} is given twice")
            out[name] = expr
    return tuple(out.items())


def _deployment_events(db: Database, done: Sequence[Deployment], operator: str) -> None:
    """node-change-created / -updated / -deleted, as DataWorks emits on deployment (§12.2)."""
    from engine.scheduler import events

    codes = {
        "new": events.NODE_CREATED,
        "modify": events.NODE_UPDATED,
        "delete": events.NODE_DELETED,
    }
    for d in done:
        events.record(
            db,
            d.deployed_at.strftime("%Y-%m-%d %H:%M:%S"),
            codes.get(d.change, events.NODE_UPDATED),
            operator,
            node_name=d.node,
            version=d.version,
            message=d.message,
        )
