"""Editing the working copy a file at a time, as DataStudio's editor and forms do.

* ``read_code`` / ``save_code``: a node's code file, byte for byte (newlines kept as written).
* ``save_node``: a whole node from a form; validated exactly as loading its file would validate
  it (in a scratch folder), and only then written, so a refused form never half-writes a node.
* ``rollback``: a committed version written back to the working files, with its resolved inputs
  and outputs reproduced exactly.

Every write is atomic (temporary file + rename); refusals are ``WorkspaceError``s.
"""

from __future__ import annotations

import tempfile
from dataclasses import fields, replace
from pathlib import Path

from engine.errors import SqlError, WorkspaceError
from engine.studio import files
from engine.studio.deps import Naming, parse_io
from engine.studio.draft import NodeDraft
from engine.studio.render import render_node
from engine.studio.spec import NodeSpec
from engine.studio.versions import Version
from engine.workspace import Workspace


def _config_file(workspace: Workspace, name: str) -> Path:
    path = files.scan_nodes(workspace).get(name)
    if path is None:
        raise WorkspaceError(
            f"no node named {name!r} in {workspace.workflows_dir}",
            hint="list nodes with `maxworks node list`",
        )
    return path


def read_code(workspace: Workspace, name: str) -> tuple[Path | None, str]:
    """The node's code file and its text as on disk; ``(None, "")`` for a type without code."""
    path = _config_file(workspace, name)
    draft = files.load_file(workspace, path)
    code = files.code_path(path, draft.type)
    if code is None:
        return None, ""
    return code, draft.code


def save_code(workspace: Workspace, name: str, code: str) -> Path:
    """Write the node's code file; its config file is left as it is."""
    path, _ = read_code(workspace, name)
    if path is None:
        raise WorkspaceError(f"node {name!r} has no code file (its type has no code)")
    files.write_atomic(path, code)
    return path


def save_node(workspace: Workspace, draft: NodeDraft) -> NodeDraft:
    """Validate ``draft`` exactly as loading its file would, then write its config file (the
    code file is ``save_code``'s). Returns the node as loaded back, with the code on disk."""
    text = render_node(draft)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / draft.workflow
        folder.mkdir()
        trial = folder / f"{draft.name}.toml"
        trial.write_text(text, encoding="utf-8")
        code = files.code_path(trial, draft.type)
        if code is not None:
            code.write_text(draft.code, encoding="utf-8")
        checked = files.load_file(workspace, trial)
    path = files.scan_nodes(workspace).get(draft.name)
    if path is None:
        raise WorkspaceError(f"node {draft.name!r} was deleted from the working copy")
    files.write_atomic(path, text)
    return replace(checked, code=read_code(workspace, draft.name)[1])


def rollback(workspace: Workspace, history: list[Version], name: str, version: int) -> NodeDraft:
    """Write version ``version`` of ``name`` (from ``history``) back to the working files.

    What the version's code still parses to stays automatic; the rest of its inputs and outputs
    is written by hand, and parsed inputs the version did not have are excluded, so the node
    resolves to exactly the committed snapshot.
    """
    chosen = next((v for v in history if v.version == version), None)
    if chosen is None:
        known = ", ".join(str(v.version) for v in sorted(history, key=lambda v: v.version))
        raise WorkspaceError(
            f"node {name!r} has no version {version} (versions: {known or 'none'})"
        )
    if chosen.spec is None:
        raise WorkspaceError(
            f"version {version} of {name} deleted the node", hint="roll back to an earlier version"
        )
    spec = chosen.spec
    naming = Naming.of(workspace.config)
    base = {f.name: getattr(spec, f.name) for f in fields(NodeSpec)}
    try:
        parsed = parse_io(spec.code, spec.type, spec.params, naming)
    except SqlError:
        draft = NodeDraft(**base, auto_parse=False)
    else:
        own = naming.node_output(spec.name)
        draft = NodeDraft(
            **{
                **base,
                "inputs": tuple(i for i in spec.inputs if i not in parsed.inputs),
                "outputs": tuple(o for o in spec.outputs if o not in parsed.outputs and o != own),
            },
            exclude_inputs=tuple(i for i in parsed.inputs if i not in spec.inputs),
        )
    old = files.scan_nodes(workspace).get(name)
    path = files.write_node(workspace, draft)
    if old is not None and old != path:  # the version lived in another workflow folder
        for stale in (old, files.code_path(old, draft.type)):
            if stale is not None and stale.exists():
                stale.unlink()
    return files.load_file(workspace, path)
