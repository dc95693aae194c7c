"""A corpus of ODPS SQL scripts with MaxCompute's expected answers (tests/corpus/*.sql).

Inside a statement (before its ';'), a block comment states the expectation:

    /* expect
    col_a,col_b          <- header: MaxCompute's column names
    1,x                  <- rows as CSV; NULL for null
    */
    /* error ODPS-0130071 some words of the message */

Each file runs in a fresh standard-mode workspace (project `corpus`, dev environment), with
`-- bizdate: YYYYMMDD` and `-- param: name=value` lines at the top for scheduling parameters.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from pathlib import Path

import pytest

from engine.api import Api
from engine.executors.values import to_text
from engine.params.context import parse_bizdate
from engine.sql.splitter import split_statements
from engine.workspace import Workspace

CORPUS = Path(__file__).parent.parent / "corpus"
EXPECT = re.compile(r"/\*\s*expect\s*\n(.*?)\*/", re.S)
ERROR = re.compile(r"/\*\s*error\s+(\S+)(.*?)\*/", re.S)


def corpus_files() -> list[Path]:
    return sorted(CORPUS.glob("*.sql"))


def test_corpus_is_not_empty() -> None:
    assert len(corpus_files()) >= 5


@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.stem)
def test_corpus_script(path: Path, tmp_path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    bizdate_match = re.search(r"^-- bizdate: (\d{8})", text, re.M)
    params = dict(m.groups() for m in re.finditer(r"^-- param: (\w+)=(\S+)", text, re.M))
    ws = Workspace.init(tmp_path / "ws", project="corpus")
    api = Api(ws, user="tester", clock=lambda: datetime(2025, 3, 15, 10, 0, 0))
    run = api.run_sql(
        text,
        bizdate=parse_bizdate(bizdate_match.group(1)) if bizdate_match else None,
        params=params,
    )
    statements = split_statements(text)
    results = run.result.statements
    checked = 0
    for stmt, result in zip(statements, results, strict=False):
        where = f"{path.name}:{stmt.line}"
        err = ERROR.search(stmt.text)
        if err:
            assert result.error is not None, f"{where}: expected error {err.group(1)}"
            assert result.error.code == err.group(1), f"{where}: {result.error}"
            words = err.group(2).strip()
            assert words in str(result.error), f"{where}: {result.error}"
            checked += 1
            break  # a script stops at its first error
        assert result.error is None, f"{where}: {result.error}"
        exp = EXPECT.search(stmt.text)
        if exp:
            want = list(csv.reader(io.StringIO(exp.group(1).strip())))
            got = [[c.name for c in result.columns]] + [
                [to_text(v, c.odps_type) for c, v in zip(result.columns, row, strict=True)]
                for row in result.rows or []
            ]
            assert got == want, f"{where}: got {got}"
            checked += 1
    assert checked, f"{path.name} checks nothing"
    if not any(ERROR.search(s.text) for s in statements):
        assert len(results) == len(statements), f"{path.name}: stopped early: {run.result.error}"
