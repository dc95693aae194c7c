"""Hand-rendered node config TOML: stable key order, a comment on every non-obvious key.

Used for the working copy (engine.studio.files) and to show and diff committed versions,
which are rendered the same way so that a diff shows only what changed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date

from engine.errors import ConfigError
from engine.scheduler.cron import parse_cron
from engine.studio.draft import NodeDraft
from engine.studio.spec import NodeSpec

_WIDTH = 24  # column of the trailing comments


def render_node(spec: NodeSpec) -> str:
    """The ``<node>.toml`` text of a draft, or of a committed snapshot (no auto_parse keys)."""
    s = spec.schedule
    code = spec.type.code_suffix
    where = f"its code is {spec.name}{code}" if code else "this type has no code"
    lines = [
        f"# {spec.name}: {spec.type.value} node of workflow {spec.workflow} ({where})",
        _kv("type", _q(spec.type.value)),
        _kv("owner", _q(spec.owner)),
        _kv("description", _q(spec.description)),
        "",
        "[schedule]",
        _kv("cron", _q(s.cron), _describe(s.cron)),
        _kv("start_date", _date(s.start_date), "effective dates, inclusive"),
        _kv("end_date", _date(s.end_date)),
        _kv("instance_mode", _q(s.instance_mode.value), "T+1 | immediately"),
        _kv("recurrence", _q(s.recurrence.value), "normal | pause (frozen) | skip (dry run)"),
        _kv("rerun_mode", _q(s.rerun_mode.value), "always | failure_only | never"),
        _kv("rerun_times", str(s.rerun_times), "auto-rerun on failure, 0-10"),
        _kv("rerun_interval_minutes", str(s.rerun_interval_minutes), "1-30"),
        _kv("timeout_minutes", str(s.timeout_minutes), "0: no timeout"),
        _kv("resource_group", _q(s.resource_group)),
        _kv("priority", str(s.priority), "1, 3, 5, 7 or 8 (larger runs first)"),
        "",
        "[params]" + ("" if spec.params else '  # name = "expression", e.g. bizdate = "$bizdate"'),
        *(_kv(name, _q(expr)) for name, expr in spec.params),
        "",
        "[dependencies]",
    ]
    if isinstance(spec, NodeDraft):
        lines += [
            _kv("auto_parse", _bool(spec.auto_parse), "add the tables the code reads/writes"),
            _kv("inputs", _array(spec.inputs), "output names of upstream nodes"),
            _kv("outputs", _array(spec.outputs), "<project>.<node> is always added"),
            _kv("exclude_inputs", _array(spec.exclude_inputs), "parsed inputs to ignore"),
        ]
    else:
        lines += [
            _kv("inputs", _array(spec.inputs), "resolved at commit"),
            _kv("outputs", _array(spec.outputs)),
        ]
    cc = spec.cross_cycle
    lines += [
        "",
        "[cross_cycle]  # wait for previous-cycle instances",
        _kv("self", _bool(cc.self_dependency)),
        _kv("children", _bool(cc.children), "first-level children"),
        _kv("nodes", _array(cc.nodes), "other nodes, by name"),
    ]
    for branch in spec.branches:
        lines += [
            "",
            "[[branch]]",
            _kv("condition", _q(branch.condition)),
            _kv("output", _q(branch.output)),
        ]
    return "\n".join(lines) + "\n"


def _kv(key: str, value: str, comment: str | None = None) -> str:
    text = f"{key} = {value}"
    if comment:
        text = (
            f"{text.ljust(_WIDTH + 12)}  # {comment}"
            if len(text) < _WIDTH + 12
            else f"{text}  # {comment}"
        )
    return text


def _describe(cron: str) -> str | None:
    try:
        return parse_cron(cron).describe()
    except ConfigError:
        return None


def _q(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's, except DEL, which TOML wants escaped)."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _date(value: date) -> str:
    return value.isoformat()


def _array(items: Sequence[str]) -> str:
    if len(items) <= 3:
        return "[" + ", ".join(_q(i) for i in items) + "]"
    return "[\n" + "".join(f"  {_q(i)},\n" for i in items) + "]"
