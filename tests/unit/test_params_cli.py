"""``maxworks params eval`` through the real root group."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner, Result

from engine.cli import main


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["params", "eval", *args])


def test_system_parameter_for_a_business_date() -> None:
    result = run("$bizdate", "--bizdate", "20251031")
    assert result.exit_code == 0, result.output
    assert result.stdout == "20251031\n"


def test_one_value_per_line_in_order() -> None:
    result = run(
        "$bizdate", "$cyctime", "$gmtdate", "$bizmonth", "${yyyymm}01", "--bizdate", "20251031"
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "20251031",
        "20251101000000",
        "20251101",
        "202510",
        "20251001",
    ]


def test_cyctime_with_hour_offset_across_midnight() -> None:
    result = run("$[hh24-1/24]", "$[yyyymmdd-1/24]", "${yyyymmdd}", "--cyctime", "20251101003000")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["23", "20251031", "20251031"]


def test_assignments_print_name_equals_value() -> None:
    result = run(
        "yesterday=${yyyymmdd}", "today=$[yyyymmddhh24miss]", "--cyctime", "20250315000000"
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["yesterday=20250314", "today=20250315000000"]


def test_a_whole_parameter_list_in_one_argument() -> None:
    result = run("yesterday=${yyyymmdd} today=$[yyyymmddhh24miss]", "--bizdate", "20250314")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["yesterday=20250314", "today=20250315000000"]


def test_backfill_of_the_selected_business_date() -> None:
    result = run(
        "yesterday=${yyyymmdd}", "today=$[yyyymmddhh24miss]", "$gmtdate",
        "--bizdate", "20250315", "--backfill",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "yesterday=20250315",
        "today=20250316000000",
        "20250316",
    ]


def test_time_of_day_and_ids() -> None:
    result = run(
        "$[yyyymmddhh24miss]", "$jobid", "$nodeid", "$taskid",
        "--bizdate", "2025-10-31", "--time", "02:30:45",
        "--jobid", "wf1", "--nodeid", "n2", "--taskid", "t3",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["20251101023045", "wf1", "n2", "t3"]


def test_an_invalid_expression_is_an_engine_error_and_prints_nothing_else() -> None:
    result = run("$bizdate", "${yyyy-mm-dd-1/24}", "--bizdate", "20251031")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert (
        "error: invalid parameter expression '${yyyy-mm-dd-1/24}': "
        "hour offsets are not allowed in ${...}; use $[...]"
    ) in result.stderr


def test_an_invalid_assignment_is_an_engine_error() -> None:
    result = run("a=1 a=2", "--bizdate", "20251031")
    assert result.exit_code == 1
    assert "parameter 'a' is assigned twice" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["$bizdate"], "give exactly one of --cyctime and --bizdate"),
        (
            ["$bizdate", "--bizdate", "20251031", "--cyctime", "20251101000000"],
            "give exactly one of --cyctime and --bizdate",
        ),
        (["$bizdate", "--bizdate", "20250230"], "day is out of range for month"),
        (["$bizdate", "--bizdate", "2025103"], "expected YYYYMMDD"),
        (["$bizdate", "--cyctime", "20251101"], "expected YYYYMMDDHHMISS"),
        (["$bizdate", "--cyctime", "20251101250000"], "hour must be in 0..23"),
        (["$bizdate", "--cyctime", "20251101000000", "--backfill"], "use it with --bizdate"),
        (["$bizdate", "--cyctime", "20251101000000", "--time", "01:00:00"], "--time goes with"),
        (["$bizdate", "--bizdate", "20251031", "--time", "24:00:00"], "invalid time of day"),
        (["--bizdate", "20251031"], "Missing argument"),
    ],
)
def test_usage_errors(args: list[str], message: str) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_help_lists_the_options() -> None:
    result = run("--help")
    assert result.exit_code == 0
    for option in ("--cyctime", "--bizdate", "--backfill", "--time"):
        assert option in result.stdout


def test_the_command_does_not_load_heavy_engines() -> None:
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from engine.cli import main\n"
        "r = CliRunner().invoke(main, ['params', 'eval', '$bizdate', '--bizdate', '20251031'])\n"
        "assert r.stdout == '20251031\\n', r.output\n"
        "heavy = ('duckdb', 'sqlglot', 'odps', 'textual', 'sqlite_utils')\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in heavy)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
