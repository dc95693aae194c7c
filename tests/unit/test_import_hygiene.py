"""engine/ is headless: importing any of it never loads textual, the tui package or pyodps."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import engine


def _engine_modules() -> list[str]:
    return sorted(m.name for m in pkgutil.walk_packages(engine.__path__, prefix="engine."))


def test_engine_modules_exist() -> None:
    mods = _engine_modules()
    assert "engine.api" in mods and "engine.executors.local.executor" in mods


def test_no_engine_module_imports_the_ui() -> None:
    code = (
        "import importlib, sys\n"
        f"for name in {_engine_modules()!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'tui'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"engine imports UI modules: {out.stdout.strip()}"


def test_local_commands_never_import_pyodps(tmp_path: object) -> None:
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from engine.cli import main\n"
        f"ws = {str(tmp_path)!r} + '/ws'\n"
        "r = CliRunner().invoke(main, ['init', ws, '--project', 'p'])\n"
        "assert r.exit_code == 0, r.output\n"
        "r = CliRunner().invoke(main, ['-w', ws, 'sql', '-e', 'SELECT 1'])\n"
        "assert r.exit_code == 0, r.output\n"
        "r = CliRunner().invoke(main, ['params', 'eval', '$bizdate', '--bizdate', '20250101'])\n"
        "assert r.exit_code == 0, r.output\n"
        "print('odps' in sys.modules, 'textual' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"


def test_params_command_loads_no_sql_engine() -> None:
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from engine.cli import main\n"
        "r = CliRunner().invoke(main, ['params', 'eval', '$bizdate', '--bizdate', '20250101'])\n"
        "assert r.exit_code == 0, r.output\n"
        "print(sorted(m for m in ('duckdb', 'sqlglot', 'odps') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
