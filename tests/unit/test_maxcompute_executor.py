"""The MaxCompute executor against recorded REST payloads, with pyodps' real classes in between.

Nothing is faked above the HTTP session: our executor calls pyodps, pyodps builds and signs real
requests, and a replay transport (tests/fixtures/maxcompute/replay.py) answers them with recorded
XML/JSON/tunnel payloads, so both our code and pyodps' parsing run.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest
import requests
import urllib3

from engine.errors import SqlError
from engine.executors.contract import AccessDenied, BackendUnavailable, JobHandle
from engine.executors.credentials import Credential, Secret
from engine.executors.maxcompute.errors import RetryPolicy
from engine.executors.maxcompute.executor import MaxComputeExecutor
from engine.executors.maxcompute.plan import guid
from engine.executors.maxcompute_config import MaxComputeConfig
from tests.fixtures.maxcompute.replay import (
    ENDPOINT,
    INSTANCES,
    PROJECT,
    TUNNEL,
    ReplayAdapter,
    Reply,
    created,
    default_routes,
    error_reply,
    fixture,
    install,
    instance_path,
    raising,
    route_instance,
    status_reply,
    task_result,
    task_status,
)

I1, I2 = "20250315020000001gab1", "20250315020000002gab2"
JSON = {"Content-Type": "application/json"}
SECRET = "unit-test-secret-Zq8"


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[ReplayAdapter]:
    adapter = default_routes(ReplayAdapter())
    install(monkeypatch, adapter)
    yield adapter
    assert not adapter.unmatched, [
        f"{s.method} {s.path} {sorted(s.params)}" for s in adapter.unmatched
    ]


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def mc(server: ReplayAdapter, sleeps: list[float]) -> MaxComputeExecutor:
    config = MaxComputeConfig(ENDPOINT, tunnel_endpoint=TUNNEL, region="cn-shanghai")
    cred = Credential("personal", "LTAI5tExampleKeyId01", Secret(SECRET), "test")
    return MaxComputeExecutor(
        config,
        project=PROJECT,
        projects=[PROJECT, "demo"],
        credentials=lambda _identity: cred,
        retry=RetryPolicy(attempts=3, first_delay=0.5),
        sleep=sleeps.append,
    )


def submitted_jobs(server: ReplayAdapter) -> list[ET.Element]:
    return [ET.fromstring(s.body) for s in server.requests_to("POST", INSTANCES)]


def query_of(job: ET.Element) -> str:
    return (job.findtext(".//Query") or "").strip()


def settings_of(job: ET.Element) -> dict[str, str]:
    for prop in job.iter("Property"):
        if prop.findtext("Name") == "settings":
            return dict(json.loads(prop.findtext("Value") or "{}"))
    return {}


def poll_until_finished(mc: MaxComputeExecutor, handle: JobHandle) -> Iterator[object]:
    for _ in range(10):
        status = mc.poll(handle)
        handle = status.handle
        yield status
        if status.finished:
            return
    raise AssertionError("the job never finished")


# -- submission --------------------------------------------------------------------------------
SCRIPT = (
    "SET odps.sql.allow.fullscan=true;\n"
    "INSERT OVERWRITE TABLE dwd_orders PARTITION (dt='20250314')\n"
    "SELECT order_id, amount FROM ods_orders WHERE dt='20250314';\n"
    "SELECT id, name, amount FROM dwd_orders WHERE dt='20250314';\n"
)


def test_odps_sql_node_runs_statement_by_statement_with_set_as_hints(
    mc: MaxComputeExecutor, server: ReplayAdapter
) -> None:
    server.on("POST", INSTANCES, created(I1), created(I2))
    route_instance(server, I1, states=("Running", "Terminated"), result="OK")
    route_instance(server, I2)

    handle = mc.submit(SCRIPT, flags={"odps.sql.type.system.odps2": "true"}, key="inst-7-run-1")
    assert handle.job_id == "maxcompute:inst-7-run-1" and handle.instance_ids == (I1,)
    statuses = list(poll_until_finished(mc, handle))

    running, advanced, done = statuses
    assert running.state == "running" and running.percent == 35.0  # stages at 100% and 40%
    assert [(s.name, s.percent) for s in running.stages] == [("M1_job_0", 100), ("R2_1_job_0", 40)]
    assert advanced.handle.instance_ids == (I1, I2)  # the poll that saw statement 1 succeed
    assert done.state == "succeeded" and done.error is None
    assert [(s.kind, s.line, s.message) for s in done.statements] == [
        ("set", 1, "set odps.sql.allow.fullscan=true"),
        ("dml", 2, "OK"),
        ("query", 4, "finished; fetch reads its rows"),
    ]
    first, second = submitted_jobs(server)
    assert query_of(first).startswith("INSERT OVERWRITE TABLE dwd_orders PARTITION (dt='20250314')")
    assert query_of(second).startswith("SELECT id, name, amount FROM dwd_orders")
    for number, job in enumerate((first, second)):
        assert job.findtext(".//Guid") == guid("inst-7-run-1", number)
        settings = settings_of(job)
        assert settings["odps.sql.allow.fullscan"] == "true"
        assert settings["odps.sql.type.system.odps2"] == "true"


def test_odps_script_node_is_one_job_with_positions_kept(
    mc: MaxComputeExecutor, server: ReplayAdapter
) -> None:
    server.on("POST", INSTANCES, created(I1))
    failure = "FAILED: ODPS-0130161:[3,1] Parse exception - invalid token 'SELEC'"
    route_instance(server, I1, task="Failed", result=failure)
    script = "SET odps.sql.allow.fullscan=true;\n@a := SELECT 1 AS x;\nSELEC * FROM @a;\n"

    handle = mc.submit(script, mode="script")
    status = mc.poll(handle)

    (job,) = submitted_jobs(server)
    assert settings_of(job)["odps.sql.submit.mode"] == "script"
    assert settings_of(job)["odps.sql.allow.fullscan"] == "true"
    sent = query_of(job)
    assert "SET" not in sent and "@a := SELECT 1 AS x;\nSELEC * FROM @a;" in sent
    assert status.state == "failed" and status.error is not None
    assert (status.error.line, status.error.code) == (3, "ODPS-0130161")


# -- results -------------------------------------------------------------------------------------
def route_finished_query(server: ReplayAdapter) -> None:
    server.on("POST", INSTANCES, created(I1))
    route_instance(server, I1)
    tunnel_path = re.escape(f"/projects/{PROJECT}/instances/{I1}")
    session = Reply.file("instance_download_session.json", 201, **JSON)
    server.on("POST", tunnel_path, session, query=("downloads",))
    server.on("GET", tunnel_path, Reply.file("instance_result_rows.pb"), query=("data",))


def test_fetch_reads_the_instance_tunnel_as_arrow(
    mc: MaxComputeExecutor, server: ReplayAdapter
) -> None:
    route_finished_query(server)
    handle = mc.poll(mc.submit("SELECT id, name, amount FROM t WHERE dt='1';")).handle

    result = mc.fetch(handle, limit=2)

    assert result.table.to_pydict()["name"] == ["alice", "bob"]
    assert result.table.schema.field("amount").type == pa.decimal128(10, 2)
    assert [c.odps_type for c in result.columns] == ["BIGINT", "STRING", "DECIMAL(10,2)"]
    assert (result.shown_rows, result.total_rows, result.truncated) == (2, 3, True)
    (read,) = server.requests_to("GET", rf"/projects/{PROJECT}/instances/{I1}", key="data")
    assert read.params["rowrange"] == ["(0,2)"]  # only the rows shown are downloaded


def test_fetch_falls_back_to_the_result_api(mc: MaxComputeExecutor, server: ReplayAdapter) -> None:
    server.on("POST", INSTANCES, created(I1))
    route_instance(server, I1, result="id,name\n1,alice\n2,bob\n", task="Success")
    refused = Reply(
        400,
        json.dumps({"Code": "InstanceTypeNotSupported", "Message": "instance tunnel off"}),
        JSON,
    )
    tunnel_path = re.escape(f"/projects/{PROJECT}/instances/{I1}")
    server.on("POST", tunnel_path, refused, query=("downloads",))
    handle = mc.poll(mc.submit("SELECT id, name FROM t;")).handle

    result = mc.fetch(handle, limit=10)

    assert result.table.to_pydict() == {"id": ["1", "2"], "name": ["alice", "bob"]}
    assert result.total_rows == 2 and not result.truncated


# -- errors are values ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("failure", "code", "line", "words"),
    [
        (
            "FAILED: ODPS-0130131:[1,15] Table not found - table demo_dev.nope cannot be resolved",
            "ODPS-0130131",
            3,
            "SHOW TABLES",
        ),
        (
            "FAILED: ODPS-0130161:[2,8] Parse exception - invalid token 'FORM'",
            "ODPS-0130161",
            4,
            "syntax",
        ),
        (
            "FAILED: ODPS-0130013:Authorization exception - Authorization Failed [4019], You have "
            "NO privilege 'odps:Select' on {acs:odps:*:projects/demo/tables/ods_orders}.",
            "ODPS-0130013",
            3,
            "grant",
        ),
        (
            "FAILED: ODPS-0130071:[1,1] Semantic analysis exception - physical plan generation "
            "failed: Table(demo_dev,ods_orders) is full scan with all partitions, please specify "
            "partition predicates.",
            "ODPS-0130071",
            3,
            "odps.sql.allow.fullscan",
        ),
        (
            "FAILED: ODPS-0130071:[1,41] Semantic analysis exception - ORDER BY must be used with "
            "a LIMIT clause, please set odps.sql.validate.orderby.limit=false to use it.",
            "ODPS-0130071",
            3,
            "LIMIT",
        ),
    ],
)
def test_a_failed_statement_is_a_value_with_code_line_and_next_step(
    mc: MaxComputeExecutor, server: ReplayAdapter, failure: str, code: str, line: int, words: str
) -> None:
    server.on("POST", INSTANCES, created(I1))
    route_instance(server, I1, task="Failed", result=failure)
    script = "-- daily orders\nSET odps.sql.allow.fullscan=false;\nSELECT *\nFORM t;\nSELECT 2;"

    status = mc.poll(mc.submit(script))

    assert status.state == "failed"
    err = status.error
    assert isinstance(err, SqlError) and (err.code, err.line) == (code, line)
    assert words in (err.hint or "") + err.reason
    assert status.statements[-1].error is err
    assert len(submitted_jobs(server)) == 1  # the statements after it never run


def test_sql_refused_at_submission_is_a_value(
    mc: MaxComputeExecutor, server: ReplayAdapter
) -> None:
    refusal = error_reply(400, "ODPS-0130161", "[1,8] Parse exception - invalid token 'FORM'")
    server.on("POST", INSTANCES, refusal)

    status = mc.poll(mc.submit("SELECT 1\nFORM t;"))

    assert status.state == "failed" and status.error is not None
    assert status.error.code == "ODPS-0130161" and status.error.line == 1


def test_rejected_access_key_raises_access_denied_without_the_secret(
    mc: MaxComputeExecutor, server: ReplayAdapter
) -> None:
    server.on("POST", INSTANCES, error_reply(403, "SignatureNotMatch", "Signature not match"))

    with pytest.raises(AccessDenied) as caught:
        mc.submit("SELECT 1;")

    assert "AccessKey" in str(caught.value) and SECRET not in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


# -- never twice ---------------------------------------------------------------------------------
def _lookup_routes(server: ReplayAdapter, guid_value: str) -> None:
    server.on("GET", INSTANCES, Reply.file("instances_list.xml"), absent=("downloads",))
    for iid, found in (("20250315015900017gxz9", "0000"), (I1, guid_value)):
        source = fixture("instance_source.xml").decode().replace("{GUID}", found)
        server.on("GET", re.escape(instance_path(iid)), Reply(200, source), query=("source",))


def test_an_ambiguous_submission_is_looked_up_not_resent(
    mc: MaxComputeExecutor, server: ReplayAdapter
) -> None:
    timeout = requests.ReadTimeout("read timed out")
    server.on("POST", INSTANCES, raising(timeout))
    route_instance(server, I1, states=("Running",))
    _lookup_routes(server, guid("nightly-42", 0))

    handle = mc.submit("INSERT INTO t SELECT 1;", key="nightly-42")
    assert handle.pending and handle.instance_ids == ()
    status = mc.poll(handle)

    assert status.handle.instance_ids == (I1,) and status.state == "running"
    assert len(server.requests_to("POST", INSTANCES)) == 1  # looked up, never sent again


def test_resume_attaches_to_the_job_of_the_same_key(
    mc: MaxComputeExecutor, server: ReplayAdapter
) -> None:
    _lookup_routes(server, guid("nightly-42", 0))

    handle = mc.submit("INSERT INTO t SELECT 1;", key="nightly-42", resume=True)

    assert handle.instance_ids == (I1,)
    assert server.requests_to("POST", INSTANCES) == []


def test_resume_submits_with_the_same_identifier_when_the_job_is_absent(
    mc: MaxComputeExecutor, server: ReplayAdapter
) -> None:
    _lookup_routes(server, "some-other-guid")
    server.on("POST", INSTANCES, created(I2))

    handle = mc.submit("INSERT INTO t SELECT 1;", key="nightly-42", resume=True)

    assert handle.instance_ids == (I2,) and not handle.pending
    (job,) = submitted_jobs(server)
    assert job.findtext(".//Guid") == guid("nightly-42", 0)


def test_refused_connection_at_submit_raises_and_nothing_was_sent(
    mc: MaxComputeExecutor, server: ReplayAdapter
) -> None:
    refused = urllib3.exceptions.NewConnectionError(None, "Connection refused")  # type: ignore[arg-type]
    error = requests.ConnectionError(urllib3.exceptions.MaxRetryError(None, "/", refused))  # type: ignore[arg-type]
    server.on("POST", INSTANCES, raising(error))

    with pytest.raises(BackendUnavailable, match="cannot reach MaxCompute"):
        mc.submit("SELECT 1;")
    assert len(server.requests_to("POST", INSTANCES)) == 1


def test_polls_retry_network_errors_with_backoff(
    mc: MaxComputeExecutor, server: ReplayAdapter, sleeps: list[float]
) -> None:
    server.on("POST", INSTANCES, created(I1))
    route_instance(server, I1)
    reset = requests.ConnectionError("connection reset by peer")
    server.on(
        "GET",
        re.escape(instance_path(I1)),
        raising(reset),
        raising(reset),
        status_reply("Terminated"),
        absent=("taskstatus", "result", "instanceprogress", "source"),
    )

    status = mc.poll(mc.submit("SELECT 1;"))

    assert status.state == "succeeded"
    assert sleeps == [0.5, 1.0]


# -- cancel, logview, cost -------------------------------------------------------------------------
def test_cancel_stops_the_instance(mc: MaxComputeExecutor, server: ReplayAdapter) -> None:
    server.on("POST", INSTANCES, created(I1))
    route_instance(server, I1, states=("Running", "Terminated"), task="Cancelled")
    server.on("PUT", re.escape(instance_path(I1)), Reply(200))
    handle = mc.submit("SELECT 1;")
    assert mc.poll(handle).state == "running"

    assert mc.cancel(handle) is True
    status = mc.poll(handle)

    (stop,) = server.requests_to("PUT", re.escape(instance_path(I1)))
    assert ET.fromstring(stop.body).findtext("Status") == "Terminated"
    assert status.state == "cancelled"


def test_cancel_of_a_finished_job_is_false(mc: MaxComputeExecutor, server: ReplayAdapter) -> None:
    server.on("POST", INSTANCES, created(I1))
    server.on(
        "PUT",
        re.escape(instance_path(I1)),
        error_reply(409, "InvalidStateSetting", "instance already terminated"),
    )
    assert mc.cancel(mc.submit("SELECT 1;")) is False


def test_logview_is_the_job_insight_address(mc: MaxComputeExecutor, server: ReplayAdapter) -> None:
    server.on("POST", INSTANCES, created(I1))
    link = mc.logview(mc.submit("SELECT 1;"))
    assert link is not None
    assert link.startswith("https://jobinsight.mc.test/cn-shanghai/job-insights?")
    assert f"i={I1}" in link and f"p={PROJECT}" in link


def route_cost(server: ReplayAdapter) -> None:
    """A SQLCost dry run answering 1 GiB of input, complexity 1.5, one UDF (recorded)."""
    server.on("POST", INSTANCES, created(I1))
    server.on(
        "GET",
        re.escape(instance_path(I1)),
        status_reply("Terminated"),
        absent=("taskstatus", "result"),
    )
    server.on(
        "GET",
        re.escape(instance_path(I1)),
        task_status("Success", "SQLCost"),
        query=("taskstatus",),
    )
    cost_text = fixture("sql_cost_result.json").decode()
    server.on(
        "GET", re.escape(instance_path(I1)), task_result(cost_text, "Success"), query=("result",)
    )


def test_cost_estimate_is_a_dry_run(mc: MaxComputeExecutor, server: ReplayAdapter) -> None:
    route_cost(server)

    cost = mc.estimate_cost("SET odps.sql.allow.fullscan=true;\nSELECT * FROM ods_orders;")

    assert cost is not None
    assert (cost.input_bytes, cost.complexity, cost.udf_count, cost.statements) == (
        1073741824,
        1.5,
        1,
        1,
    )
    (job,) = submitted_jobs(server)
    assert job.find(".//SQLCost") is not None and job.find(".//SQL") is None
    assert settings_of(job).get("odps.sql.allow.fullscan") == "true"


# -- catalog and bulk data -------------------------------------------------------------------------
TABLES = rf"/api/projects/{PROJECT}/tables"
ODS = rf"{TABLES}/ods_orders"


def route_table(server: ReplayAdapter) -> None:
    server.on("GET", ODS, Reply.file("table_ods_orders.xml"), absent=("partitions",))
    server.on("GET", ODS, Reply.file("partitions_ods_orders.xml"), query=("partitions",))


def test_list_tables_is_one_extended_call(mc: MaxComputeExecutor, server: ReplayAdapter) -> None:
    server.on("GET", TABLES, Reply.file("tables_extended.xml"), query=("extended",))

    tables = mc.list_tables()

    assert [(t.name, t.is_view, t.lifecycle, t.size_bytes) for t in tables] == [
        ("ods_orders", False, 30, 5120),
        ("v_daily_gmv", True, None, 0),
    ]
    orders = tables[0]
    assert [(c.name, c.odps_type, c.comment) for c in orders.columns] == [
        ("order_id", "BIGINT", "order id"),
        ("amount", "DECIMAL(18,2)", None),
        ("buyer", "STRING", "buyer nick"),
    ]
    assert [c.name for c in orders.partition_columns] == ["dt"]
    assert orders.owner == "ALIYUN$dev@example.com" and orders.row_count is None
    assert len(server.requests_to("GET", rf"{TABLES}.*")) == 1  # no call per table


def test_describe_and_partitions(mc: MaxComputeExecutor, server: ReplayAdapter) -> None:
    route_table(server)

    info = mc.describe_table("ods_orders")
    parts = mc.list_partitions("ods_orders")

    assert (info.comment, info.row_count, info.lifecycle) == ("raw orders", 5, 30)
    assert info.modified_at is not None and info.created_at is not None
    assert [(p.spec, p.row_count, p.size_bytes) for p in parts] == [
        ("dt=20250313", 2, 2048),
        ("dt=20250314", 3, 3072),
    ]
    assert all(p.modified_at is not None for p in parts)


def test_read_table_through_the_table_tunnel(mc: MaxComputeExecutor, server: ReplayAdapter) -> None:
    route_table(server)
    tunnel_table = rf"/projects/{PROJECT}/tables/ods_orders"
    session = Reply.file("table_download_session.json", 201, **JSON)
    server.on("POST", tunnel_table, session, query=("downloads",))
    server.on("GET", tunnel_table, Reply.file("table_rows.pb"), query=("data",))

    batches = list(mc.read_table("ods_orders", "dt=20250314"))

    table = pa.Table.from_batches(batches)
    assert table.column_names == ["order_id", "amount", "buyer"]
    assert table.to_pydict()["buyer"] == ["tom", "jerry", None]
    (opened,) = server.requests_to("POST", tunnel_table, key="downloads")
    assert opened.params["partition"] == ["dt=20250314"]


def test_write_table_uploads_one_block_and_commits_once(
    mc: MaxComputeExecutor, server: ReplayAdapter
) -> None:
    route_table(server)
    tunnel_table = rf"/projects/{PROJECT}/tables/ods_orders"
    server.on(
        "POST",
        tunnel_table,
        Reply.file("table_upload_session.json", 201, **JSON),
        query=("uploads",),
    )
    server.on("PUT", tunnel_table, Reply(200), query=("blockid",))
    server.on(
        "GET", tunnel_table, Reply.file("table_upload_blocks.json", **JSON), query=("uploadid",)
    )
    commit = Reply.file("table_upload_committed.json", **JSON)
    server.on("POST", tunnel_table, commit, query=("uploadid",), absent=("uploads",))
    batch = pa.record_batch({"order_id": [7, 8], "buyer": ["ann", "bo"]})

    written = mc.write_table("ods_orders", [batch], "dt=20250315", overwrite=True)

    assert written == 2
    (opened,) = server.requests_to("POST", tunnel_table, key="uploads")
    assert opened.params["overwrite"] == ["true"] and opened.params["create_partition"] == ["true"]
    (block,) = server.requests_to("PUT", tunnel_table)
    assert b"ann" in block.body and b"bo" in block.body
    assert len(server.requests_to("POST", tunnel_table, key="uploadid")) == 1


def test_cancel_between_statements_starts_nothing_more(
    mc: MaxComputeExecutor, server: ReplayAdapter
) -> None:
    server.on("POST", INSTANCES, created(I1), created(I2))
    route_instance(server, I1, result="OK")
    finished = error_reply(409, "InvalidStateSetting", "instance already terminated")
    server.on("PUT", re.escape(instance_path(I1)), finished)
    handle = mc.submit("INSERT INTO t SELECT 1;\nINSERT INTO t SELECT 2;")

    assert mc.cancel(handle) is False  # statement 1 had finished: nothing to stop
    status = mc.poll(handle)

    assert status.state == "cancelled"
    assert len(submitted_jobs(server)) == 1  # statement 2 never started


def test_fetch_of_a_text_statement_returns_its_lines(
    mc: MaxComputeExecutor, server: ReplayAdapter
) -> None:
    server.on("POST", INSTANCES, created(I1))
    route_instance(server, I1, result="+------+\n| Owner: ALIYUN$dev |\n+------+", task="Success")
    handle = mc.poll(mc.submit("DESC ods_orders;")).handle

    result = mc.fetch(handle)

    assert [c.name for c in result.columns] == ["result"]
    assert result.table.column("result").to_pylist()[1] == "| Owner: ALIYUN$dev |"
    assert result.total_rows == 3


# -- once wired into the CLI (config.py [maxcompute], Api.run_sql(engine=...), sql --engine) -------
def test_sql_engine_override_runs_on_maxcompute(
    tmp_path: Path, server: ReplayAdapter, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dataclasses
    import inspect

    from click.testing import CliRunner

    from engine.api import Api
    from engine.cli import main
    from engine.workspace.config import WorkspaceConfig

    if "engine" not in inspect.signature(Api.run_sql).parameters:
        pytest.skip("Api.run_sql has no engine= override yet")
    if "maxcompute" not in {f.name for f in dataclasses.fields(WorkspaceConfig)}:
        pytest.skip("engine/workspace/config.py does not parse [maxcompute] yet")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI5tExampleKeyId01")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET)
    route_finished_query(server)
    ws = str(tmp_path / "ws")
    runner = CliRunner()
    init = ["init", ws, "--project", "demo", "--engine", "local"]
    assert runner.invoke(main, init).exit_code == 0
    toml = tmp_path / "ws" / "maxworks.toml"
    toml.write_text(toml.read_text() + f'\n[maxcompute]\nendpoint = "{ENDPOINT}"\n')

    result = runner.invoke(
        main,
        ["-w", ws, "sql", "--engine", "maxcompute", "--bizdate", "20250314", "--format", "csv",
         "--yes", "-e", "SELECT id, name, amount FROM t WHERE dt='${bizdate}';"],
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:2] == ["id,name,amount", "1,alice,10.50"]
    (job,) = submitted_jobs(server)
    assert query_of(job) == "SELECT id, name, amount FROM t WHERE dt='20250314';"


def test_sql_on_maxcompute_estimates_first_and_a_large_read_needs_a_yes(
    tmp_path: Path, server: ReplayAdapter, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from engine.cli import main

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI5tExampleKeyId01")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET)
    route_cost(server)
    ws = str(tmp_path / "ws")
    runner = CliRunner()
    assert (
        runner.invoke(main, ["init", ws, "--project", "demo", "--engine", "local"]).exit_code == 0
    )
    toml = tmp_path / "ws" / "maxworks.toml"
    toml.write_text(toml.read_text() + f'\n[maxcompute]\nendpoint = "{ENDPOINT}"\n')
    query = ["-e", "SELECT * FROM ods_orders WHERE dt='20250314';"]

    shown = runner.invoke(main, ["-w", ws, "sql", "--engine", "maxcompute", "--estimate", *query])
    assert shown.exit_code == 0, shown.output
    assert shown.output.splitlines()[0] == (
        "cost estimate (maxcompute): ~1.0 GB · complexity 1.5 · 1 UDF"
    )
    refused = runner.invoke(main, ["-w", ws, "sql", "--engine", "maxcompute", *query])
    assert refused.exit_code == 1
    assert (
        "would read ~1.0 GB · complexity 1.5 · 1 UDF, more than 1.0 GB; not run" in refused.output
    )
    # only dry runs reached the service: nothing was submitted to run
    jobs = submitted_jobs(server)
    assert len(jobs) == 2 and all(job.find(".//SQLCost") is not None for job in jobs)
    assert all(job.find(".//SQL") is None for job in jobs)


# -- the scheduler's side: many jobs, one thread -----------------------------------------------------
def test_tracker_persists_before_waiting_polls_only_due_jobs_and_reattaches(
    mc: MaxComputeExecutor, server: ReplayAdapter
) -> None:
    from engine.executors.maxcompute.tracker import JobTracker

    now = [0.0]
    stored: dict[int, str] = {}
    order: list[str] = []

    def persist(iid: int, handle: JobHandle) -> None:
        stored[iid] = handle.to_json()
        order.append(f"persist {iid} {handle.instance_ids}")

    tracker: JobTracker[int] = JobTracker(persist, clock=lambda: now[0])
    server.on("POST", INSTANCES, created(I1), created(I2))
    route_instance(server, I1, states=("Running", "Running", "Terminated"), result="OK")
    route_instance(server, I2, result="OK")

    tracker.submit(7, mc, "INSERT INTO t SELECT 1;", job_key="ws.7.1")
    tracker.submit(8, mc, "INSERT INTO t SELECT 2;", job_key="ws.8.1")
    assert order == [f"persist 7 {(I1,)}", f"persist 8 {(I2,)}"]  # stored before any wait

    first = tracker.poll_due()
    polls = len(server.sent)
    now[0] = 0.5
    assert tracker.poll_due() == [] and len(server.sent) == polls  # job 7 is not due yet

    assert [(k, s.state) for k, s in first] == [(8, "succeeded")]
    assert len(tracker) == 1 and tracker.status(7) is not None

    # a new leader re-attaches job 7 from what was stored: it polls, it never submits again
    restarted: JobTracker[int] = JobTracker(persist, clock=lambda: now[0])
    restarted.track(7, mc, JobHandle.from_json(stored[7]))
    assert restarted.poll_due() == []  # still running
    now[0] = 2.0
    (done,) = restarted.poll_due()
    assert done[0] == 7 and done[1].state == "succeeded"
    assert len(server.requests_to("POST", INSTANCES)) == 2
