"""Engine calls the DataStudio pane needs that ``engine.api.Api`` does not offer yet.

Every function blocks (call it from a thread worker) and stands in for one Api method; when the
method exists, the function becomes a one-line call to it:

* ``read_code(api, name)``            -> ``Api.studio.read_code(name) -> tuple[Path | None, str]``
* ``save_code(api, name, code)``      -> ``Api.studio.save_code(name: str, code: str) -> Path``
* ``save_config(api, draft)``         -> ``Api.studio.save_node(draft: NodeDraft) -> NodeDraft``
* ``rollback(api, name, version)``    -> ``Api.studio.rollback(name: str, version: int) -> NodeDraft``
* ``catalog(api)``                    -> ``Api.catalog(env: Environment | None = None) -> list[TableInfo]``
* ``instance_result(api, info, code)``-> ``Api.ops.result(iid: int, *, limit: int) -> ResultSet | None``

The pane never opens SQLite or DuckDB: these go through engine modules (files, versions, the
local executor adapter) exactly as the Api methods would.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import fields, replace
from pathlib import Path
from typing import TYPE_CHECKING

from engine.errors import MaxworksError, SqlError, WorkspaceError

if TYPE_CHECKING:
    from datetime import date

    from engine.api import Api, SqlRun
    from engine.executors.contract import ResultSet, TableInfo
    from engine.ops.queries import InstanceInfo
    from engine.studio.draft import NodeDraft
    from engine.workspace import Environment
    from tui.panes.studio.completion import Vocabulary

FETCH_LIMIT = 1_000_000  # rows a run brings back to the result grid
_QUERY_START = re.compile(
    r"\A(?:\s|--[^\n]*\n|/\*.*?\*/)*(SELECT|WITH)\b", re.IGNORECASE | re.DOTALL
)


def read_code(api: Api, name: str) -> tuple[Path | None, str]:
    """The node's code file and its text as on disk (None, '' for a type without code)."""
    from engine.studio import files

    path = files.scan_nodes(api.workspace).get(name)
    if path is None:
        raise WorkspaceError(f"no node named {name!r} in {api.workspace.workflows_dir}")
    draft = files.load_file(api.workspace, path)
    code = files.code_path(path, draft.type)
    if code is None:
        return None, ""
    with open(code, encoding="utf-8", newline="") as fh:
        return code, fh.read()


def save_code(api: Api, name: str, code: str) -> Path:
    """Write the node's code file (atomically); its config file is left as it is."""
    path, _ = read_code(api, name)
    if path is None:
        raise WorkspaceError(f"node {name!r} has no code file (its type has no code)")
    _write_atomic(path, code)
    return path


def save_config(api: Api, draft: NodeDraft) -> NodeDraft:
    """Validate ``draft`` exactly as loading its file would, then write its ``.toml``."""
    from engine.studio import files
    from engine.studio.render import render_node

    text = render_node(draft)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / draft.workflow
        folder.mkdir()
        trial = folder / f"{draft.name}.toml"
        trial.write_text(text, encoding="utf-8")
        code = files.code_path(trial, draft.type)
        if code is not None:
            code.write_text(draft.code, encoding="utf-8")
        checked = files.load_file(api.workspace, trial)
    path = files.scan_nodes(api.workspace).get(draft.name)
    if path is None:
        raise WorkspaceError(f"node {draft.name!r} was deleted from the working copy")
    _write_atomic(path, text)
    return replace(checked, code=read_code(api, draft.name)[1])


def rollback(api: Api, name: str, version: int) -> NodeDraft:
    """Write a committed version back to the working files (config and code).

    The version's resolved inputs and outputs are reproduced exactly: what the code still
    parses to stays automatic, the rest is written by hand, and parsed inputs the version did
    not have are excluded.
    """
    from engine.studio import files
    from engine.studio.deps import Naming, parse_io
    from engine.studio.draft import NodeDraft
    from engine.studio.spec import NodeSpec

    chosen = next((v for v in api.studio.versions(name) if v.version == version), None)
    if chosen is None:
        raise WorkspaceError(f"node {name!r} has no version {version}")
    if chosen.spec is None:
        raise WorkspaceError(
            f"version {version} of {name} deleted the node", hint="roll back to an earlier version"
        )
    spec = chosen.spec
    naming = Naming.of(api.workspace.config)
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
    old = files.scan_nodes(api.workspace).get(name)
    path = files.write_node(api.workspace, draft)
    if old is not None and old != path:  # the version lived in another workflow folder
        for stale in (old, files.code_path(old, draft.type)):
            if stale is not None and stale.exists():
                stale.unlink()
    return files.load_file(api.workspace, path)


def catalog(api: Api) -> list[TableInfo]:
    """Tables and columns of every project of the workspace (local engine; [] otherwise)."""
    if api.workspace.config.engine != "local":
        return []  # MaxCompute catalogs are listed through pyodps: left to Api.catalog
    from engine.executors.local.adapter import LocalAdapter

    out: list[TableInfo] = []
    with LocalAdapter(api.workspace, user=api.user) as adapter:
        for project in api.workspace.config.all_projects:
            out += adapter.list_tables(project)
    return out


def vocabulary(api: Api) -> Vocabulary:
    from tui.panes.studio.completion import Vocabulary
    from tui.panes.studio.sqlwords import function_names

    config = api.workspace.config
    default = config.project_for(config.default_env)
    tables: dict[str, list[str]] = {}
    for table in catalog(api):
        columns = [c.name for c in (*table.columns, *table.partition_columns)]
        tables[f"{table.project}.{table.name}"] = columns
        if table.project == default:
            tables[table.name] = columns
    return Vocabulary.build(function_names(), tables)


def instance_result(
    api: Api, info: InstanceInfo, code: str, limit: int = FETCH_LIMIT
) -> ResultSet | None:
    """The last query's rows of a finished SQL test instance.

    Stand-in until the runner keeps results: the final SELECT of the code the instance ran is
    run again (read-only) with the instance's resolved parameters.
    """
    from engine.params import substitute
    from engine.sql.splitter import split_statements

    if info.node_type not in ("odps_sql", "odps_script", "assignment"):
        return None
    text = substitute(code, info.params)
    queries = [s for s in split_statements(text) if _QUERY_START.match(s.text)]
    if not queries:
        return None
    env: Environment = "dev" if info.env == "dev" else "prod"
    run = api.run_sql(queries[-1].text, env=env, params=info.params, limit=limit)
    return result_of(run)


def run_script(
    api: Api, script: str, bizdate: date, params: dict[str, str], limit: int = FETCH_LIMIT
) -> tuple[SqlRun, ResultSet | None]:
    """Run selected code ad hoc (DataStudio's "run selected SQL") against the default env."""
    run = api.run_sql(script, bizdate=bizdate, params=params, limit=limit)
    return run, result_of(run)


def result_of(run: SqlRun) -> ResultSet | None:
    from engine.executors.contract import ResultSet, to_arrow

    last = run.result.last_query
    if last is None or last.rows is None:
        return None
    rows = list(last.rows)
    total = None if last.truncated else len(rows)
    return ResultSet(to_arrow(last.columns, rows), last.columns, total, last.index)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise MaxworksError(f"{path}: cannot write: {err.strerror or err}") from None
