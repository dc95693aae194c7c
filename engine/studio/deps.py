"""Same-cycle dependencies: output names, auto-parse from code, the workspace DAG (reference §2.5).

* A dependency is an upstream OUTPUT NAME listed as a downstream INPUT. Output names are
  ``<production project>.<table or node>``, lower case: DataWorks names outputs after the
  production project, so in standard mode a dev-qualified ``shop_dev.t`` is ``shop.t``.
* Every node outputs ``<prod project>.<node name>``. Auto-parse adds the tables an ODPS SQL node
  writes (INSERT targets, CREATE TABLE/VIEW, MERGE/UPDATE/DELETE targets) to its outputs and the
  tables it reads to its inputs; CTEs are not tables, SET statements are skipped and DDL such as
  DROP or ALTER touches no dependency.
* An input nobody produces is an *invalid dependency*: reported, not fatal (uploaded tables and
  dimension tables maintained by hand are common; exclude them with ``exclude_inputs``).
* Nodes with no upstream node hang on the root node ``<workspace>_root``, the DAG's only source.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlglot import exp

from engine.errors import MaxworksError, SqlError, UnsupportedSqlError
from engine.params import ParamContext, evaluate
from engine.scheduler.model import NodeType
from engine.sql.analysis import real_tables
from engine.sql.splitter import parse_set, split_statements
from engine.studio.draft import NodeDraft
from engine.studio.spec import NodeSpec
from engine.workspace import WorkspaceConfig

SQL_TYPES = frozenset({NodeType.ODPS_SQL, NodeType.ODPS_SCRIPT, NodeType.ASSIGNMENT})
_REFERENCE = re.compile(r"\$\{([^{}\n]*)\}")
_POSITION = re.compile(r"\(line \d+, column (\d+)\)")
# Parameters are replaced by their value on a fixed date before parsing, so ${bizdate} parses.
_PLACEHOLDER_CONTEXT = ParamContext.for_cyctime(datetime(2000, 1, 2))
_WRITES = (exp.Insert, exp.Merge, exp.Update, exp.Delete)
_DATA_STATEMENTS = (
    exp.Query,
    exp.Insert,
    exp.MultitableInserts,
    exp.Create,
    exp.Merge,
    exp.Update,
    exp.Delete,
)


class DependencyError(MaxworksError):
    """The dependencies cannot form a DAG: a cycle, or one output produced by two nodes."""


@dataclass(frozen=True)
class Naming:
    """How tables and nodes are named as outputs in one workspace."""

    workspace: str
    prod: str
    dev: str | None = None

    @classmethod
    def of(cls, config: WorkspaceConfig) -> Naming:
        return cls(config.name, config.projects.prod, config.projects.dev)

    @property
    def root(self) -> str:
        """The root node's name, which is also its only output name (DataWorks' convention)."""
        return f"{self.workspace}_root"

    def node_output(self, node: str) -> str:
        return f"{self.prod}.{node.lower()}"

    def output(self, name: str) -> str:
        """An output name as written -> canonical (lower case, dev project mapped to prod)."""
        name = name.strip().lower()
        project, dot, rest = name.partition(".")
        if dot and self.dev is not None and project == self.dev.lower():
            return f"{self.prod}.{rest}"
        return name

    def table(self, project: str | None, table: str) -> str:
        return self.output(f"{project or self.prod}.{table}")


@dataclass(frozen=True)
class ParsedIO:
    """What auto-parse found in a node's code (output names, sorted)."""

    inputs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()


@dataclass(frozen=True)
class InvalidDependency:
    node: str
    input: str

    def __str__(self) -> str:
        return (
            f"{self.node}: input {self.input} has no producing node (an uploaded or hand-made "
            f"table?); the node runs without waiting for it"
        )


@dataclass
class Dag:
    root: str
    producers: dict[str, str]  # output name -> node
    upstream: dict[str, tuple[str, ...]]  # node -> its parents (the root for a source node)
    downstream: dict[str, tuple[str, ...]]
    invalid: list[InvalidDependency] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)  # outputs produced twice (strict=False)


def parse_io(
    code: str, node_type: NodeType, params: Sequence[tuple[str, str]], naming: Naming
) -> ParsedIO:
    """Tables an SQL node reads and writes. Raises SqlError (with the code's line) if it does not parse.

    Statements the parser knows only as commands (GRANT, ADD JAR, ...) touch no table and are
    skipped; everything else must parse.
    """
    if node_type not in SQL_TYPES or not code.strip():
        return ParsedIO()
    reads: dict[str, None] = {}
    writes: dict[str, None] = {}
    from engine.sql.dialect import parse_statement  # sqlglot dialect: imported when needed

    for statement in split_statements(_with_placeholders(code, params)):
        if parse_set(statement.text) is not None:
            continue
        try:
            tree = parse_statement(statement.text)
        except UnsupportedSqlError:
            continue
        except SqlError as err:
            line = statement.line + (err.line - 1 if err.line else 0)
            # the parser's "(line l, column c)" counts from the statement: keep only the column
            reason = _POSITION.sub(r"(column \1)", err.reason)
            raise SqlError(reason, line=line, code=err.code, hint=err.hint) from None
        _collect(tree, naming, reads, writes)
    return ParsedIO(tuple(sorted(reads)), tuple(sorted(writes)))


def _with_placeholders(code: str, params: Sequence[tuple[str, str]]) -> str:
    values: dict[str, str] = {}
    for name, expr in params:
        try:
            values[name] = evaluate(expr, _PLACEHOLDER_CONTEXT)
        except MaxworksError:
            values[name] = "0"

    def replace(match: re.Match[str]) -> str:
        value = values.get(match.group(1), "0")
        return value if "\n" not in value else "0"

    return _REFERENCE.sub(replace, code)


def table_refs(tree: exp.Expr) -> tuple[list[exp.Table], list[exp.Table]]:
    """(tables read, tables written) by one parsed statement, as its table nodes; DDL, SHOW,
    DESC ... touch none."""
    if not isinstance(tree, _DATA_STATEMENTS):
        return [], []  # DDL (DROP, ALTER, TRUNCATE), SHOW, DESC ... make no dependency
    written = [t for node in tree.find_all(*_WRITES) if (t := _target(node.this)) is not None]
    ignored: set[int] = set()
    if isinstance(tree, exp.Create):
        target = _target(tree.this)
        if target is not None and str(tree.args.get("kind") or "").upper() in ("TABLE", "VIEW"):
            written.append(target)
        # CREATE TABLE t LIKE s copies a schema, not data: s is no input.
        ignored = {
            id(t) for like in tree.find_all(exp.LikeProperty) for t in like.find_all(exp.Table)
        }
    ignored |= {id(t) for t in written}
    return [t for t in real_tables(tree) if id(t) not in ignored], written


def _collect(
    tree: exp.Expr, naming: Naming, reads: dict[str, None], writes: dict[str, None]
) -> None:
    read, written = table_refs(tree)
    for table in written:
        writes.setdefault(_name(table, naming))
    for table in read:
        reads.setdefault(_name(table, naming))


def _target(node: exp.Expression | None) -> exp.Table | None:
    if isinstance(node, exp.Schema):
        node = node.this
    return node if isinstance(node, exp.Table) else None


def _name(table: exp.Table, naming: Naming) -> str:
    catalog, db = table.args.get("catalog"), table.args.get("db")
    # project.schema.table (odps.namespace.schema=true): the project is the first part
    project = catalog.name if catalog is not None else (db.name if db is not None else None)
    return naming.table(project, table.name)


def effective_inputs(spec: NodeSpec, parsed: ParsedIO, naming: Naming) -> tuple[str, ...]:
    """(parsed inputs if auto_parse) + explicit inputs - exclude_inputs - the node's own outputs."""
    auto = isinstance(spec, NodeDraft) and spec.auto_parse
    excluded = (
        {naming.output(x) for x in spec.exclude_inputs} if isinstance(spec, NodeDraft) else set()
    )
    excluded |= set(effective_outputs(spec, parsed, naming))
    found: dict[str, None] = {}
    for name in (*(parsed.inputs if auto else ()), *(naming.output(i) for i in spec.inputs)):
        if name not in excluded:
            found.setdefault(name)
    return tuple(found)


def effective_outputs(spec: NodeSpec, parsed: ParsedIO, naming: Naming) -> tuple[str, ...]:
    """``<prod>.<node>`` + explicit outputs + branch outputs + (parsed outputs if auto_parse)."""
    auto = isinstance(spec, NodeDraft) and spec.auto_parse
    names = (
        naming.node_output(spec.name),
        *(naming.output(o) for o in spec.outputs),
        *(
            naming.output(b.output) for b in spec.branches
        ),  # descendants pick a branch by its output
    )
    return tuple(dict.fromkeys((*names, *(parsed.outputs if auto else ()))))


def snapshot(spec: NodeSpec, parsed: ParsedIO, naming: Naming) -> NodeSpec:
    """The resolved ``NodeSpec`` a commit stores: effective inputs and outputs, no draft fields."""
    inputs = effective_inputs(spec, parsed, naming)
    outputs = effective_outputs(spec, parsed, naming)
    if isinstance(spec, NodeDraft):
        return spec.as_spec(inputs=inputs, outputs=outputs)
    return replace(spec, inputs=inputs, outputs=outputs)


def build_dag(specs: Iterable[NodeSpec], naming: Naming, *, strict: bool = True) -> Dag:
    """The DAG of resolved specs (inputs/outputs already effective, as in a snapshot).

    An output produced by two nodes raises DependencyError (``strict=False``: it is listed in
    ``Dag.conflicts`` and the first producer wins). Inputs nobody produces are listed in
    ``Dag.invalid``. Cycles are not checked here: see :func:`check_acyclic`.
    """
    root = naming.root
    specs = list(specs)
    producers: dict[str, str] = {root: root}
    conflicts: list[str] = []
    for spec in specs:
        for output in spec.outputs:
            other = producers.setdefault(output, spec.name)
            if other != spec.name:
                first, second = sorted((other, spec.name))
                problem = f"output {output} is produced by two nodes: {first} and {second}"
                if not strict:
                    conflicts.append(problem)
                    continue
                raise DependencyError(
                    problem,
                    hint="a table is produced by exactly one node; remove the output from one of "
                    "them (or turn auto_parse off / fix the code of the one that only reads it)",
                )
    upstream: dict[str, tuple[str, ...]] = {root: ()}
    invalid: list[InvalidDependency] = []
    for spec in specs:
        parents: dict[str, None] = {}
        for name in spec.inputs:
            producer = producers.get(name)
            if producer is None:
                invalid.append(InvalidDependency(spec.name, name))
            elif producer != spec.name:
                parents.setdefault(producer)
        upstream[spec.name] = tuple(parents) or (root,)
    children: dict[str, list[str]] = {name: [] for name in upstream}
    for node, parents_of in upstream.items():
        for parent in parents_of:
            children.setdefault(parent, []).append(node)
    downstream = {name: tuple(sorted(kids)) for name, kids in children.items()}
    return Dag(root, producers, upstream, downstream, invalid, conflicts)


def find_cycle(edges: Mapping[str, Sequence[str]]) -> list[str] | None:
    """A cycle ``[a, b, c, a]`` of the directed graph ``edges`` (node -> successors), or None.

    Iterative depth-first search (no recursion limit), linear in nodes + edges.
    """
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in sorted(edges):
        if start in state:
            continue
        path = [start]
        position = {start: 0}
        iterators = [iter(edges.get(start, ()))]
        state[start] = 1
        while iterators:
            nxt = next(iterators[-1], None)
            if nxt is None:
                iterators.pop()
                done = path.pop()
                del position[done]
                state[done] = 2
                continue
            seen = state.get(nxt)
            if seen == 1:
                return [*path[position[nxt] :], nxt]
            if seen is None:
                state[nxt] = 1
                position[nxt] = len(path)
                path.append(nxt)
                iterators.append(iter(edges.get(nxt, ())))
    return None


def check_acyclic(dag: Dag) -> None:
    """Raise DependencyError printing the cycle in data-flow order (``a -> b``: b reads a)."""
    cycle = find_cycle(dag.downstream)
    if cycle is not None:
        raise DependencyError(
            "dependency cycle: " + " -> ".join(cycle),
            hint="each node feeds the next; remove one of these inputs (exclude_inputs for a "
            "parsed one), or make it a cross-cycle dependency on the previous cycle",
        )
