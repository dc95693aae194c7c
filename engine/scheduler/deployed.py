"""The production DAG: deployed node snapshots and their same-cycle upstream nodes."""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from engine.studio.spec import NodeSpec


@dataclass(frozen=True)
class DeployedNode:
    node_id: int
    version: int
    spec: NodeSpec
    upstream: tuple[tuple[str, str], ...]  # (upstream node name, the output name it comes through)
    children: tuple[str, ...]  # first-level descendants

    @property
    def name(self) -> str:
        return self.spec.name


def default_output(project: str, node: str) -> str:
    return f"{project}.{node}"


def build_dag(specs: dict[str, tuple[int, int, NodeSpec]], project: str) -> dict[str, DeployedNode]:
    """Link nodes by output name: an input names the output of its upstream node."""
    producers: dict[str, str] = {}
    for name, (_, _, spec) in specs.items():
        branch_outputs = [b.output for b in spec.branches]
        for output in (*spec.outputs, *branch_outputs, default_output(project, name)):
            producers.setdefault(output.lower(), name)
    upstream: dict[str, list[tuple[str, str]]] = {name: [] for name in specs}
    children: dict[str, list[str]] = {name: [] for name in specs}
    for name, (_, _, spec) in specs.items():
        seen: set[str] = set()
        for item in spec.inputs:
            parent = producers.get(item.lower())
            if parent is None or parent == name or parent in seen:
                continue
            seen.add(parent)
            upstream[name].append((parent, item))
            children[parent].append(name)
    return {
        name: DeployedNode(node_id, version, spec, tuple(upstream[name]), tuple(children[name]))
        for name, (node_id, version, spec) in specs.items()
    }


def load_deployed(db: sqlite_utils.Database, project: str) -> dict[str, DeployedNode]:
    specs: dict[str, tuple[int, int, NodeSpec]] = {}
    for node_id, version, text in db.execute(
        "SELECT node_id, version, spec FROM deployed"
    ).fetchall():
        spec = NodeSpec.from_json(text)
        specs[spec.name] = (int(node_id), int(version), spec)
    return build_dag(specs, project)
