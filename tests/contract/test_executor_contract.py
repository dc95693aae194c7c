"""The executor contract: one test body per behaviour, run against every configured backend.

The local executor always runs. MaxCompute runs when ``MAXWORKS_TEST_MAXCOMPUTE=1`` and the
personal identity's credentials are present, against ``MAXWORKS_TEST_ENDPOINT`` and the dev
project ``MAXWORKS_TEST_PROJECT`` (optional: ``MAXWORKS_TEST_TUNNEL_ENDPOINT``,
``MAXWORKS_TEST_REGION``); each test's table has a one-day lifecycle and is dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pyarrow as pa
import pytest

from engine.executors.contract import Executor, JobHandle, JobStatus
from engine.workspace import Workspace

DAY = "20250101"


def _maxcompute_skip_reason() -> str | None:
    if os.environ.get("MAXWORKS_TEST_MAXCOMPUTE") != "1":
        return "MaxCompute backend off: set MAXWORKS_TEST_MAXCOMPUTE=1 (with credentials) to run it"
    missing = [
        v for v in ("MAXWORKS_TEST_ENDPOINT", "MAXWORKS_TEST_PROJECT") if not os.environ.get(v)
    ]
    if missing:
        return f"MaxCompute backend: {', '.join(missing)} not set"
    from engine.errors import MaxworksError
    from engine.executors.credentials import load_credential

    try:
        load_credential("personal")
    except MaxworksError as err:
        return f"MaxCompute backend: {err.message}"
    return None


_MC_SKIP = _maxcompute_skip_reason()
BACKENDS = [
    pytest.param("local", id="local"),
    pytest.param(
        "maxcompute",
        id="maxcompute",
        marks=[pytest.mark.skip(reason=_MC_SKIP)] if _MC_SKIP else [],
    ),
]


@dataclass
class Backend:
    ex: Executor
    table: str  # a fresh, not yet created table name

    def run(self, script: str) -> JobStatus:
        return self.ex.wait(self.ex.submit(script), timeout=600)

    def create(self) -> None:
        status = self.run(
            f"CREATE TABLE {self.table} (id BIGINT, name STRING) PARTITIONED BY (dt STRING) "
            f"LIFECYCLE 1;\nINSERT INTO TABLE {self.table} PARTITION (dt='{DAY}') "
            "VALUES (1, 'a'), (2, 'b'), (3, 'c');"
        )
        assert status.ok, status.error


def _executor(kind: str, workspace: Workspace) -> Executor:
    if kind == "local":
        from engine.executors.local.adapter import LocalAdapter

        return LocalAdapter(workspace, "dev")
    from engine.executors.credentials import load_credential
    from engine.executors.maxcompute.executor import MaxComputeExecutor
    from engine.executors.maxcompute_config import MaxComputeConfig

    project = os.environ["MAXWORKS_TEST_PROJECT"]
    config = MaxComputeConfig(
        os.environ["MAXWORKS_TEST_ENDPOINT"],
        tunnel_endpoint=os.environ.get("MAXWORKS_TEST_TUNNEL_ENDPOINT") or None,
        region=os.environ.get("MAXWORKS_TEST_REGION") or None,
    )
    return MaxComputeExecutor(
        config, project=project, projects=[project], credentials=load_credential
    )


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, workspace: Workspace) -> Iterator[Backend]:
    ex = _executor(request.param, workspace)
    b = Backend(ex, f"mw_contract_{uuid.uuid4().hex[:10]}")
    try:
        yield b
        b.run(f"DROP TABLE IF EXISTS {b.table};")
    finally:
        ex.close()


def test_submit_poll_fetch(backend: Backend) -> None:
    ex, t = backend.ex, backend.table
    backend.create()
    handle = ex.submit(f"SELECT id, name FROM {t} WHERE dt='{DAY}' ORDER BY id LIMIT 10;")
    assert JobHandle.from_json(handle.to_json()) == handle  # what the caller persists

    status = ex.wait(handle, timeout=600)

    assert status.ok and status.error is None and status.finished
    assert [s.kind for s in status.statements] == ["query"]
    result = ex.fetch(status.handle, limit=2)
    assert [(c.name, c.odps_type) for c in result.columns] == [("id", "BIGINT"), ("name", "STRING")]
    assert result.table.to_pydict() == {"id": [1, 2], "name": ["a", "b"]}
    assert (result.shown_rows, result.total_rows, result.truncated) == (2, 3, True)
    assert ex.logview(status.handle) is None or ex.IMPLEMENTS_LOGVIEW


def test_statement_failures_are_values(backend: Backend) -> None:
    ex, t = backend.ex, backend.table
    backend.create()

    missing = backend.run(f"SELECT * FROM {t}_missing;\nSELECT 1;")
    full_scan = backend.run(f"SET odps.sql.allow.fullscan=false;\nSELECT COUNT(*) FROM {t};")

    assert missing.state == "failed" and missing.error is not None
    assert missing.error.code == "ODPS-0130131" and missing.error.line == 1
    assert len([s for s in missing.statements if s.kind != "set"]) == 1  # SELECT 1 never ran
    assert full_scan.state == "failed" and full_scan.error is not None
    assert full_scan.error.code == "ODPS-0130071" and full_scan.error.line == 2
    assert full_scan.error.hint
    assert ex.poll(missing.handle).state == "failed"  # polling again changes nothing


def test_cancel(backend: Backend) -> None:
    ex, t = backend.ex, backend.table
    backend.create()
    handle = ex.submit(f"SELECT COUNT(*) FROM {t} WHERE dt='{DAY}';")

    cancelled = ex.cancel(handle)
    status = ex.wait(handle, timeout=600)

    if not ex.IMPLEMENTS_CANCEL:
        assert cancelled is False and status.state == "succeeded"
    else:  # the job may have finished before the stop arrived
        assert status.state in (("cancelled", "succeeded") if cancelled else ("succeeded",))


def test_cost_estimate(backend: Backend) -> None:
    ex, t = backend.ex, backend.table
    backend.create()

    cost = ex.estimate_cost(f"SELECT * FROM {t} WHERE dt='{DAY}';")

    if not ex.IMPLEMENTS_COST:
        assert cost is None
    else:
        assert cost is not None and cost.input_bytes >= 0 and cost.udf_count == 0
        assert cost.complexity >= 0 and cost.statements == 1


def test_catalog_listing(backend: Backend) -> None:
    ex, t = backend.ex, backend.table
    backend.create()

    assert ex.project in ex.list_projects()
    listed = {info.name: info for info in ex.list_tables()}
    info = ex.describe_table(t)
    parts = ex.list_partitions(t)

    assert t in listed and [c.name for c in listed[t].partition_columns] == ["dt"]
    assert [(c.name, c.odps_type) for c in info.columns] == [("id", "BIGINT"), ("name", "STRING")]
    assert info.lifecycle == 1 and info.owner and info.created_at is not None
    assert [(p.spec, p.values) for p in parts] == [(f"dt={DAY}", (DAY,))]
    assert parts[0].row_count in (3, None) and parts[0].modified_at is not None


def test_bulk_read_write_round_trip(backend: Backend) -> None:
    ex, t = backend.ex, backend.table
    backend.create()
    rows = pa.record_batch({"id": pa.array([10, 11], pa.int64()), "name": ["x", "y"]})

    assert ex.write_table(t, [rows], "dt=20250102") == 2
    assert ex.write_table(t, [rows.slice(0, 1)], "dt=20250102", overwrite=True) == 1
    one = pa.Table.from_batches(list(ex.read_table(t, "dt=20250102")))
    every = pa.Table.from_batches(list(ex.read_table(t)))

    assert one.to_pydict() == {"id": [10], "name": ["x"]}
    assert every.column_names == ["id", "name", "dt"]
    assert sorted(zip(*every.to_pydict().values(), strict=True)) == [
        (1, "a", DAY), (2, "b", DAY), (3, "c", DAY), (10, "x", "20250102"),
    ]  # fmt: skip
