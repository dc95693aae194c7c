"""The security part of maxworks.toml: whitelist exemptions from masking and custom approval flows.

```toml
[security]
unmasked = ["alice"]          # users who see sensitive columns in clear (masking whitelist)

[[approval_flows]]            # first matching flow wins; otherwise the default flow
name = "pii"
projects = ["shop"]           # optional: the production/dev projects it covers (default: all)
min_level = 3                 # optional: applies when a requested column is at least this sensitive
[[approval_flows.levels]]     # one table per approval level, in order
roles = ["admin"]
[[approval_flows.levels]]
users = ["carol"]
```

The default flow has one level: the table's owner or any Owner/Admin of the workspace.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.errors import ConfigError

FLOW_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
ROLE_CODES = ("owner", "admin", "developer", "ops", "deployer", "visitor", "security", "analyst")


@dataclass(frozen=True)
class ApprovalLevel:
    roles: tuple[str, ...] = ()
    users: tuple[str, ...] = ()
    table_owner: bool = False  # the owner of the requested table may approve at this level


@dataclass(frozen=True)
class ApprovalFlow:
    name: str
    levels: tuple[ApprovalLevel, ...]
    projects: tuple[str, ...] = ()  # empty: every project
    min_level: int = 0


@dataclass(frozen=True)
class SecurityConfig:
    unmasked: tuple[str, ...] = ()  # the masking whitelist
    approval_flows: tuple[ApprovalFlow, ...] = ()


DEFAULT_FLOW = ApprovalFlow(
    name="default", levels=(ApprovalLevel(roles=("owner", "admin"), table_owner=True),)
)


def _where(path: Path | None, key: str) -> str:
    return f"{path}: {key}: " if path is not None else f"{key}: "


def _names(value: Any, key: str, path: Path | None) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(_where(path, key) + "must be a list of non-empty strings")
    return tuple(value)


def parse_security(raw: dict[str, Any], path: Path | None) -> SecurityConfig:
    """``[security]`` and ``[[approval_flows]]`` of a maxworks.toml (both optional)."""
    section = raw.get("security", {})
    if not isinstance(section, dict):
        raise ConfigError(_where(path, "security") + "must be a table")
    for key in section:
        if key != "unmasked":
            raise ConfigError(_where(path, f"security.{key}") + "unknown key (expected: unmasked)")
    unmasked = _names(section.get("unmasked", []), "security.unmasked", path)
    flows_raw = raw.get("approval_flows", [])
    if not isinstance(flows_raw, list):
        raise ConfigError(_where(path, "approval_flows") + "must be an array of tables")
    flows: list[ApprovalFlow] = []
    for i, f in enumerate(flows_raw):
        key = f"approval_flows[{i}]"
        if not isinstance(f, dict):
            raise ConfigError(_where(path, key) + "must be a table")
        for k in f:
            if k not in ("name", "projects", "min_level", "levels"):
                raise ConfigError(
                    _where(path, f"{key}.{k}")
                    + "unknown key (expected one of: levels, min_level, name, projects)"
                )
        name = f.get("name")
        if not isinstance(name, str) or not FLOW_NAME.match(name) or name == "default":
            raise ConfigError(
                _where(path, f"{key}.name")
                + "must be a name (letters, digits, _ and -), not 'default'"
            )
        if any(x.name == name for x in flows):
            raise ConfigError(_where(path, f"{key}.name") + f"duplicate flow {name!r}")
        projects = _names(f.get("projects", []), f"{key}.projects", path)
        min_level = f.get("min_level", 0)
        if not isinstance(min_level, int) or isinstance(min_level, bool) or not 0 <= min_level <= 4:
            raise ConfigError(_where(path, f"{key}.min_level") + "must be an integer from 0 to 4")
        levels_raw = f.get("levels")
        if not isinstance(levels_raw, list) or not levels_raw or len(levels_raw) > 5:
            raise ConfigError(
                _where(path, f"{key}.levels") + "must be 1 to 5 tables ([[approval_flows.levels]])"
            )
        levels: list[ApprovalLevel] = []
        for j, lv in enumerate(levels_raw):
            lkey = f"{key}.levels[{j}]"
            if not isinstance(lv, dict):
                raise ConfigError(_where(path, lkey) + "must be a table")
            for k in lv:
                if k not in ("roles", "users", "table_owner"):
                    raise ConfigError(
                        _where(path, f"{lkey}.{k}")
                        + "unknown key (expected one of: roles, table_owner, users)"
                    )
            roles = _names(lv.get("roles", []), f"{lkey}.roles", path)
            for r in roles:
                if r not in ROLE_CODES:
                    raise ConfigError(
                        _where(path, f"{lkey}.roles")
                        + f"unknown role {r!r} (one of: {', '.join(ROLE_CODES)})"
                    )
            users = _names(lv.get("users", []), f"{lkey}.users", path)
            owner = lv.get("table_owner", False)
            if not isinstance(owner, bool):
                raise ConfigError(_where(path, f"{lkey}.table_owner") + "must be true or false")
            if not roles and not users and not owner:
                raise ConfigError(
                    _where(path, lkey)
                    + "names no approver (give roles, users or table_owner = true)"
                )
            levels.append(ApprovalLevel(roles, users, owner))
        flows.append(ApprovalFlow(name, tuple(levels), projects, min_level))
    return SecurityConfig(unmasked, tuple(flows))


def render_security(cfg: SecurityConfig) -> str:
    """TOML text for a non-default security config ('' when there is nothing to write)."""
    lines: list[str] = []
    if cfg.unmasked:
        lines += ["", "[security]", f"unmasked = {_list(cfg.unmasked)}"]
    for flow in cfg.approval_flows:
        lines += ["", "[[approval_flows]]", f'name = "{flow.name}"']
        if flow.projects:
            lines.append(f"projects = {_list(flow.projects)}")
        if flow.min_level:
            lines.append(f"min_level = {flow.min_level}")
        for lv in flow.levels:
            lines.append("[[approval_flows.levels]]")
            if lv.roles:
                lines.append(f"roles = {_list(lv.roles)}")
            if lv.users:
                lines.append(f"users = {_list(lv.users)}")
            if lv.table_owner:
                lines.append("table_owner = true")
    return "\n".join(lines) + "\n" if lines else ""


def _list(items: tuple[str, ...]) -> str:
    return "[" + ", ".join(f'"{x}"' for x in items) + "]"
