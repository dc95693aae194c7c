"""Pre-commit and pre-deploy checks, and the diff of two node snapshots.

Both checks look at the DAG as it will be *after* the operation: a commit checks the committed
versions of every other node plus the new snapshots; a deploy checks production plus the
versions being deployed. So a cycle or a dangling production dependency is refused before it
exists, and edits nobody committed yet never block someone else's commit.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path

from engine.errors import MaxworksError
from engine.studio.deps import Naming, build_dag, check_acyclic
from engine.studio.draft import NodeDraft
from engine.studio.render import render_node
from engine.studio.resolve import Resolved
from engine.studio.spec import NodeSpec
from engine.studio.versions import PendingDeploy, Version

Change = tuple[str, str, NodeSpec | None]  # node, new | modify | delete, snapshot


class CommitError(MaxworksError):
    """A pre-commit check failed; nothing was committed."""


class DeployError(MaxworksError):
    """A pre-deploy check failed; nothing was deployed."""


def check_commit(
    wanted: Sequence[str],
    drafts: dict[str, NodeDraft],
    resolved: Resolved,
    latest: dict[str, Version],
    paths: dict[str, Path],
    naming: Naming,
) -> tuple[list[Change], list[str]]:
    """The changes to commit and the warnings, or CommitError/DependencyError."""
    if resolved.errors:
        problems = [
            f"{_code_file(paths[name], drafts[name])}:{err.line or 1}: {err.reason}"
            for name, err in sorted(resolved.errors.items())
        ]
        raise CommitError(
            "commit refused, the code does not parse:\n  " + "\n  ".join(problems),
            hint="fix the statement; `maxworks sql -f FILE` shows it in context",
        )
    changes: list[Change] = []
    for name in wanted:
        prev = latest.get(name)
        live = prev is not None and prev.spec is not None
        if name in drafts:
            spec = resolved.snapshots[name]
            if prev is not None and prev.spec == spec:  # dataclass equality: the same snapshot
                continue
            changes.append((name, "modify" if live else "new", spec))
        elif live:
            changes.append((name, "delete", None))
    if not changes:
        return [], []
    after: dict[str, NodeSpec] = {n: v.spec for n, v in latest.items() if v.spec is not None}
    for name, _, new in changes:
        if new is None:
            after.pop(name, None)
        else:
            after[name] = new
    dag = build_dag(after.values(), naming)
    check_acyclic(dag)
    changed = {name for name, _, _ in changes}
    for name, _, new in changes:
        for other in new.cross_cycle.nodes if new is not None else ():
            if other not in after:
                raise CommitError(
                    f"{paths[name]}: cross_cycle.nodes: no committed node named {other!r}",
                    hint=f"commit {other} first (or together), or fix the name",
                )
    warnings: list[str] = []
    uncommitted = {naming.node_output(n): n for n in paths if n not in after}
    for invalid in dag.invalid:
        if invalid.node not in changed:
            continue
        producer = uncommitted.get(invalid.input)
        if producer is not None:
            warnings.append(
                f"{invalid.node}: input {invalid.input} comes from node {producer}, which is not "
                f"committed yet; commit it too"
            )
        else:
            warnings.append(str(invalid))
    warnings += _orphans(
        [latest[n].spec for n, c, _ in changes if c == "delete"], after, "deleting"
    )
    return changes, warnings


def _orphans(gone: Sequence[NodeSpec | None], after: dict[str, NodeSpec], verb: str) -> list[str]:
    out: list[str] = []
    for spec in gone:
        if spec is None:
            continue
        outputs = set(spec.outputs)
        readers = sorted(n for n, s in after.items() if outputs.intersection(s.inputs))
        if readers:
            out.append(f"{verb} {spec.name}: {', '.join(readers)} still read its outputs")
    return out


def _code_file(config: Path, draft: NodeDraft) -> Path:
    suffix = draft.type.code_suffix
    return config.with_suffix(suffix) if suffix else config


def check_deploy(
    names: Sequence[str] | None,
    latest: dict[str, Version],
    prod: dict[str, tuple[int, NodeSpec]],
    naming: Naming,
    *,
    check: bool = True,
) -> list[PendingDeploy]:
    """What to deploy (``names`` or every pending change), checked against production."""
    pending: dict[str, PendingDeploy] = {}
    for name, v in latest.items():
        deployed = prod.get(name)
        if v.change == "delete" and deployed is None:
            continue
        if v.change != "delete" and deployed is not None and deployed[0] == v.version:
            continue
        change = "delete" if v.change == "delete" else ("modify" if deployed else "new")
        pending[name] = PendingDeploy(
            name, v.node_id, v.version, change, v.message, v.committed_by, v.committed_at,
            deployed[0] if deployed else None,
        )  # fmt: skip
    if names is None:
        todo = [pending[n] for n in sorted(pending)]
    else:
        unknown = sorted(n for n in names if n not in latest)
        if unknown:
            raise DeployError(
                f"nothing committed for {', '.join(unknown)}",
                hint="commit first (`maxworks commit NODE -m ...`); deploy ships committed versions",
            )
        todo = [pending[n] for n in sorted(set(names)) if n in pending]
    if not check or not todo:
        return todo
    after: dict[str, NodeSpec] = {n: spec for n, (_, spec) in prod.items()}
    for p in todo:
        shipped = latest[p.node].spec
        if shipped is None:
            after.pop(p.node, None)
        else:
            after[p.node] = shipped
    dag = build_dag(after.values(), naming)
    check_acyclic(dag)
    committed = {o: n for n, v in latest.items() if v.spec is not None for o in v.spec.outputs}
    for p in todo:
        spec = latest[p.node].spec
        if spec is None:
            continue
        for name in spec.inputs:
            producer = committed.get(name)
            if name not in dag.producers and producer is not None:
                raise DeployError(
                    f"{p.node} reads {name}, produced by {producer}, which is not in production",
                    hint=f"deploy {producer} too: `maxworks deploy {producer} {p.node} -m ...`",
                )
        missing = [n for n in spec.cross_cycle.nodes if n not in after]
        if missing:
            raise DeployError(
                f"{p.node} depends on the previous cycle of {', '.join(missing)}, not in production",
                hint=f"deploy {', '.join(missing)} too",
            )
    gone = [prod[p.node][1] for p in todo if p.change == "delete"]
    for problem in _orphans(gone, after, "undeploying"):
        raise DeployError(
            problem + " in production",
            hint="deploy their new versions in the same deploy, or keep the node",
        )
    return todo


def diff_text(
    name: str, base: Version | None, label: str, spec: NodeSpec | None, *, note: str | None = None
) -> str:
    """Unified diff of the config (as TOML) and of the code between a version and ``spec``."""
    left = f"{name} v{base.version}" if base is not None else f"{name} (no version)"
    right = f"{name} {label}"
    old = base.spec if base is not None else None
    out = [f"# {note}\n"] if note else []
    out += difflib.unified_diff(
        _lines(render_node(old) if old else ""),
        _lines(render_node(spec) if spec else ""),
        fromfile=f"{left}: {name}.toml",
        tofile=f"{right}: {name}.toml",
    )
    suffix = next(
        (s.type.code_suffix for s in (spec, old) if s is not None and s.type.code_suffix), None
    )
    if suffix:
        out += difflib.unified_diff(
            _lines(old.code if old else ""),
            _lines(spec.code if spec else ""),
            fromfile=f"{left}: {name}{suffix}",
            tofile=f"{right}: {name}{suffix}",
        )
    return "".join(out)


def _lines(text: str) -> list[str]:
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    return lines
