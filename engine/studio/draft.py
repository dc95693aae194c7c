"""A node as written in the working copy (``NodeDraft``), and the naming rules of nodes."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

from engine.errors import ConfigError
from engine.scheduler.model import NodeType
from engine.studio.spec import NodeSpec

NODE_NAME = re.compile(r"[A-Za-z0-9_]{1,128}\Z")
WORKFLOW_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]{0,127}\Z")
OUTPUT_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*\Z")
PRIORITIES = (1, 3, 5, 7, 8)
TYPE_ALIASES: dict[str, NodeType] = {**{t.value: t for t in NodeType}, "sql": NodeType.ODPS_SQL}


@dataclass(frozen=True)
class NodeDraft(NodeSpec):
    """A node of the working copy: a ``NodeSpec`` plus how its dependencies are found.

    ``inputs``/``outputs`` are the ones written by hand. With ``auto_parse`` the tables the code
    reads and writes join them when the node is resolved (engine.studio.deps.snapshot), minus
    ``exclude_inputs``. A commit stores the resolved ``NodeSpec`` (what the scheduler runs), so
    these two fields never reach production.
    """

    auto_parse: bool = True
    exclude_inputs: tuple[str, ...] = ()

    def as_spec(self, **changes: object) -> NodeSpec:
        """The plain ``NodeSpec`` part (with ``changes`` applied)."""
        values = {f.name: getattr(self, f.name) for f in fields(NodeSpec)}
        values.update(changes)
        return NodeSpec(**values)


def parse_type(text: str) -> NodeType:
    try:
        return TYPE_ALIASES[text.strip().lower()]
    except KeyError:
        raise ConfigError(
            f"unknown node type {text!r}",
            hint="use one of: " + ", ".join(t.value for t in NodeType) + " (sql = odps_sql)",
        ) from None


def check_node_name(name: str) -> None:
    if not NODE_NAME.match(name):
        raise ConfigError(
            f"{name!r} is not a valid node name",
            hint="use letters, digits and _ (at most 128), e.g. dwd_orders_di",
        )


def check_workflow_name(name: str) -> None:
    if not WORKFLOW_NAME.match(name):
        raise ConfigError(
            f"{name!r} is not a valid workflow name",
            hint="use letters, digits, _ and -, e.g. sales_daily",
        )
