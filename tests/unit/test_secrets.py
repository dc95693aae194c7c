"""Secrets never leak: a planted AccessKey secret is searched for in every artefact afterwards.

The MaxCompute paths that fail (an unreachable endpoint, error payloads that even echo the secret
back) and the local paths all run with the secret planted in the environment and in the
credentials file; then state.db, logs, results, error messages, tracebacks, captured log records,
CLI output and every file of the workspace are searched for it.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import pickle
import re
import subprocess
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli import main
from engine.cli.doctor_cmd import run_checks
from engine.errors import MaxworksError
from engine.executors.credentials import (
    Credential,
    CredentialsError,
    Secret,
    credentials_path,
    load_credential,
    redact,
)
from engine.executors.factory import executor_for
from engine.executors.maxcompute.connection import make_account
from engine.executors.maxcompute.errors import RetryPolicy
from engine.workspace import Workspace
from tests.fixtures.maxcompute.replay import (
    ENDPOINT,
    INSTANCES,
    ReplayAdapter,
    created,
    default_routes,
    error_reply,
    install,
    route_instance,
)

SECRET = "PLANTED-secret-7f3a9c1e5b2d8046aa"
FILE_SECRET = "PLANTED-file-secret-0c4e9b7d2f61"
KEY_ID = "LTAI5tPlantedKeyId0042"


@pytest.fixture
def planted(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The personal key in the environment, the scheduling key in a 0600 credentials file."""
    config_home = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config_home))
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", KEY_ID)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET)
    path = credentials_path()
    path.parent.mkdir(parents=True)
    path.write_text(
        f'[scheduling]\naccess_key_id = "LTAI5tSchedKeyId0099"\naccess_key_secret = "{FILE_SECRET}"\n'
    )
    path.chmod(0o600)
    return path


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.DEBUG)  # pyodps logs requests and headers at DEBUG
    yield caplog


def assert_clean(texts: list[str], root: Path | None = None) -> None:
    for text in texts:
        assert SECRET not in text and FILE_SECRET not in text
    if root is not None:
        for path in root.rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                assert SECRET.encode() not in data and FILE_SECRET.encode() not in data, path


def failure_texts(err: BaseException) -> list[str]:
    return [str(err), repr(err), "".join(traceback.format_exception(err))]


def maxcompute_workspace(workspace: Workspace, endpoint: str) -> Workspace:
    config_file = workspace.root / "maxworks.toml"
    config_file.write_text(config_file.read_text() + f'\n[maxcompute]\nendpoint = "{endpoint}"\n')
    return Workspace(workspace.root, dataclasses.replace(workspace.config, engine="maxcompute"))


# -- the credentials file --------------------------------------------------------------------------
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_credentials_file_is_refused_unless_0600(planted: Path, mode: int) -> None:
    planted.chmod(mode)

    with pytest.raises(CredentialsError) as caught:
        load_credential("scheduling")

    message = str(caught.value)
    assert str(planted) in message and f"mode {mode:04o}" in message
    assert f"chmod 600 {planted}" in message
    assert FILE_SECRET not in message


def test_credentials_file_at_0600_is_read(planted: Path) -> None:
    cred = load_credential("scheduling")
    assert cred.secret.reveal() == FILE_SECRET and cred.source == str(planted)


def test_a_credential_never_shows_its_secret(planted: Path) -> None:
    cred = load_credential("personal")
    account = make_account(cred)

    shown = [repr(cred), str(cred), f"{cred}", repr(cred.secret), f"{cred.secret}", repr(account)]
    shown += [repr(vars(account)), repr(dataclasses.fields(cred))]
    assert_clean(shown)
    assert cred.masked_id == "****0042"
    with pytest.raises(TypeError):
        pickle.dumps(cred)
    assert redact(f"signed with {SECRET}!") == "signed with ***!"


def test_malformed_credentials_file_does_not_echo_its_content(planted: Path) -> None:
    planted.write_text(f"[scheduling]\naccess_key_secret = {FILE_SECRET}\n")  # unquoted: invalid

    with pytest.raises(CredentialsError) as caught:
        load_credential("scheduling")

    assert "not valid TOML at line 2" in str(caught.value)
    assert_clean(failure_texts(caught.value))


# -- failing MaxCompute paths ----------------------------------------------------------------------
def test_unreachable_endpoint_leaks_nothing(
    planted: Path, workspace: Workspace, logs: pytest.LogCaptureFixture
) -> None:
    ws = maxcompute_workspace(workspace, "http://127.0.0.1:9/api")
    texts: list[str] = []
    ex = executor_for(ws, "dev", retry=RetryPolicy(attempts=2), sleep=lambda _s: None)
    for action in (
        lambda: ex.submit("SELECT 1;"),
        lambda: ex.list_tables(),
        lambda: executor_for(ws, "prod", identity="scheduling", sleep=lambda _s: None).submit(
            "SELECT 1;"
        ),
    ):
        with pytest.raises(MaxworksError) as caught:
            action()
        texts += failure_texts(caught.value)
    texts += [c.line() for c in run_checks(workspace=ws, retry_attempts=1, sleep=lambda _s: None)]

    assert any("cannot reach MaxCompute" in t for t in texts)
    assert_clean([*texts, logs.text, *(repr(r.args) for r in logs.records)], ws.root)


def test_error_payloads_that_echo_the_secret_are_redacted(
    planted: Path,
    workspace: Workspace,
    monkeypatch: pytest.MonkeyPatch,
    logs: pytest.LogCaptureFixture,
) -> None:
    server = default_routes(ReplayAdapter())
    install(monkeypatch, server)
    ws = maxcompute_workspace(workspace, ENDPOINT)
    ex = executor_for(ws, "dev", sleep=lambda _s: None)
    texts: list[str] = []

    server.on("POST", INSTANCES, error_reply(403, "SignatureNotMatch", f"bad key {SECRET}"))
    with pytest.raises(MaxworksError) as caught:
        ex.submit("SELECT 1;")
    texts += failure_texts(caught.value)

    server.on("POST", INSTANCES, created("20250315020000001gab1"))
    failure = f"FAILED: ODPS-0130161:[1,1] Parse exception - near '{SECRET}'"
    route_instance(server, "20250315020000001gab1", task="Failed", result=failure)
    status = ex.poll(ex.submit("SELECT 1;"))
    assert status.error is not None
    texts += [str(status.error), repr(status), status.handle.to_json()]

    assert "***" in str(status.error)
    sent = [s.body.decode("utf-8", "replace") + repr(s.headers) for s in server.sent]
    assert_clean([*texts, *sent, logs.text], ws.root)


# -- local paths and imports -------------------------------------------------------------------------
def test_local_commands_leak_nothing(planted: Path, workspace: Workspace) -> None:
    runner = CliRunner()
    outputs = []
    for args in (
        ["sql", "-e", "CREATE TABLE t (a BIGINT); INSERT INTO t VALUES (1); SELECT * FROM t;"],
        ["sql", "-e", "SELECT * FROM missing_table;"],
        ["instances"],
    ):
        result = runner.invoke(main, ["-w", str(workspace.root), *args])
        outputs += [result.output, repr(result.exception)]

    assert_clean(outputs, workspace.root)
    assert not any(
        planted.parent == p or planted.parent in p.parents for p in workspace.root.rglob("*")
    )


def test_engine_imports_and_local_commands_never_load_pyodps(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "import engine.api, engine.executors.factory, engine.executors.contract\n"
        "import engine.executors.maxcompute.executor, engine.cli.doctor_cmd\n"
        "from click.testing import CliRunner\n"
        "from engine.cli import main\n"
        "from engine.cli.doctor_cmd import doctor\n"
        f"ws = {str(tmp_path / 'ws')!r}\n"
        "assert CliRunner().invoke(main, ['init', ws, '--project', 'p']).exit_code == 0\n"
        "assert CliRunner().invoke(main, ['-w', ws, 'sql', '-e', 'SELECT 1']).exit_code == 0\n"
        "from pathlib import Path\n"
        "r = CliRunner().invoke(doctor, [], obj={'workspace': Path(ws)})\n"
        "assert r.exit_code == 0, r.output\n"
        "print(sorted(m for m in sys.modules if m == 'odps' or m.startswith('odps.')))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALIBABA_CLOUD")}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_redaction_is_whole_secret_only() -> None:
    Secret("short")  # too short to be an AccessKey secret: never scrubbed from ordinary words
    assert redact("a short text") == "a short text"
    assert re.fullmatch(r"\*+", redact(SECRET)) is not None or SECRET not in redact(SECRET)


def _unused(cred: Credential) -> None:  # keeps the import list honest for type checkers
    del cred
