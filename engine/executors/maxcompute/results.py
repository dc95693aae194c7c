"""Reading a finished query's rows: the instance tunnel first, the result API as the fallback.

The instance tunnel knows the total row count and serves typed records; only ``limit`` rows are
downloaded. Where it is unavailable (old service, DDL-like instances such as SHOW, timeouts) the
result API returns at most 10,000 rows as CSV; a protected project caps tunnel reads the same way.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from engine.executors.contract import to_arrow
from engine.executors.records import ResultColumn

Rows = list[tuple[Any, ...]]
TASK = "AnonymousSQLTask"


def read(
    inst: Any, limit: int, *, text_result: bool = False
) -> tuple[tuple[ResultColumn, ...], Rows, int | None]:
    """(columns, the first ``limit`` rows, total rows or None) of a finished SQL instance.

    ``text_result``: the statement answers with text (SHOW, DESC), one row per line.
    """
    if text_result:
        lines = str(inst.get_task_result(TASK) or "").splitlines()
        return (ResultColumn("result", "STRING"),), [(ln,) for ln in lines[:limit]], len(lines)
    import requests
    from odps import errors as oe
    from odps.models import Instance

    fallback = (
        oe.InvalidProjectTable,
        oe.InvalidArgument,
        oe.NoSuchProject,
        oe.InstanceTypeNotSupported,
        Instance.DownloadSessionCreationError,
        requests.Timeout,
    )
    try:
        return _tunnel(inst, limit, limited=False)
    except oe.NoPermission:
        return _tunnel(inst, limit, limited=True)  # protected project: capped at 10,000 rows
    except fallback:
        return _result_api(inst, limit)


def _tunnel(inst: Any, limit: int, *, limited: bool) -> tuple[tuple[ResultColumn, ...], Rows, int]:
    with inst.open_reader(tunnel=True, limit=limited) as reader:
        total = int(reader.count or 0)
        columns = tuple(ResultColumn(c.name, type_name(c.type)) for c in reader.schema.columns)
        wanted = min(limit, total)
        rows = (
            [tuple(r.values) for r in itertools.islice(reader[0:wanted], wanted)] if wanted else []
        )
    return columns, rows, total


def _result_api(inst: Any, limit: int) -> tuple[tuple[ResultColumn, ...], Rows, int | None]:
    with inst.open_reader(tunnel=False) as reader:
        rows: Rows = []
        columns: tuple[ResultColumn, ...] = ()
        more = False
        for record in reader:
            if not columns:
                columns = tuple(ResultColumn(c.name, type_name(c.type)) for c in record._columns)
            if len(rows) == limit:
                more = True
                break
            rows.append(tuple(record.values))
    return columns, rows, None if more else len(rows)


def table(columns: tuple[ResultColumn, ...], rows: Rows) -> Any:
    return to_arrow(columns, rows)


def type_name(odps_type: Any) -> str:
    """MaxCompute's spelling of a pyodps type: BIGINT, DECIMAL(10,2), STRUCT<a:BIGINT>."""
    text = str(getattr(odps_type, "name", odps_type))
    parts = re.split(r"(`[^`]*`)", text)
    return "".join(p[1:-1] if p.startswith("`") else p.upper() for p in parts)
