"""The typed model of maxworks.toml.

Loading validates every key and names the file and the key in its errors, so a typo in a
hand-edited config is found at start-up rather than at 3 a.m. by the scheduler.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from engine.errors import ConfigError
from engine.executors.maxcompute_config import (
    MaxComputeConfig,
    parse_maxcompute,
    render_maxcompute,
)
from engine.security.config import SecurityConfig, parse_security, render_security

Mode = Literal["standard", "basic"]
EngineKind = Literal["local", "maxcompute"]
Environment = Literal["dev", "prod"]

CONFIG_FILE = "maxworks.toml"
# MaxCompute project names: letters, digits, underscores, starting with a letter, <= 28 chars.
PROJECT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,27}$")
GROUP_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")


@dataclass(frozen=True)
class ProjectConfig:
    """The engine projects behind the two environments (basic mode: dev is None)."""

    prod: str
    dev: str | None = None


@dataclass(frozen=True)
class ResourceGroup:
    name: str
    slots: int = 4


@dataclass(frozen=True)
class WorkspaceConfig:
    name: str
    mode: Mode = "standard"
    engine: EngineKind = "local"
    timezone: str = "Asia/Shanghai"
    projects: ProjectConfig = field(default_factory=lambda: ProjectConfig(prod="project"))
    resource_groups: tuple[ResourceGroup, ...] = (ResourceGroup("default"),)
    maxcompute: MaxComputeConfig | None = None  # [maxcompute]; required when engine = "maxcompute"
    security: SecurityConfig = field(
        default_factory=SecurityConfig
    )  # [security], [[approval_flows]]

    def project_for(self, env: Environment) -> str:
        """The engine project that an environment reads and writes by default."""
        if env == "dev":
            if self.projects.dev is None:
                raise ConfigError(
                    f"workspace {self.name!r} is in basic mode and has no dev environment",
                    hint="use --env prod (basic mode has one project; commit is live)",
                )
            return self.projects.dev
        return self.projects.prod

    @property
    def default_env(self) -> Environment:
        """DataStudio runs against dev in standard mode and against prod in basic mode."""
        return "dev" if self.mode == "standard" else "prod"

    @property
    def all_projects(self) -> list[str]:
        return [p for p in (self.projects.dev, self.projects.prod) if p is not None]


def default_config(
    project: str,
    mode: Mode = "standard",
    timezone: str = "Asia/Shanghai",
    engine: EngineKind = "local",
    maxcompute: MaxComputeConfig | None = None,
) -> WorkspaceConfig:
    _check_project_name(project, "--project", None)
    if engine == "maxcompute" and maxcompute is None:
        raise ConfigError(
            "--engine maxcompute needs --endpoint",
            hint="e.g. --endpoint https://service.cn-shanghai.maxcompute.aliyun.com/api",
        )
    _check_timezone(timezone, "--timezone", None)
    dev = f"{project}_dev" if mode == "standard" else None
    if dev is not None:
        _check_project_name(dev, "--project (its dev project)", None)
    projects = ProjectConfig(prod=project, dev=dev)
    return WorkspaceConfig(
        name=project,
        mode=mode,
        engine=engine,
        timezone=timezone,
        projects=projects,
        maxcompute=maxcompute,
    )


def render_config(cfg: WorkspaceConfig) -> str:
    """maxworks.toml text; hand-written TOML so the file stays commented and diff-friendly."""
    lines = [
        "# maxworks workspace configuration (see README: Workspaces)",
        "[workspace]",
        f'name = "{cfg.name}"',
        f'mode = "{cfg.mode}"          # standard: dev + prod projects, deploy to go live; basic: one project',
        f'engine = "{cfg.engine}"         # local: embedded DuckDB warehouse; maxcompute: pyodps',
        f'timezone = "{cfg.timezone}"  # all schedule math and GETDATE() happen in this zone',
        "",
        "[projects]",
        f'prod = "{cfg.projects.prod}"',
    ]
    if cfg.projects.dev is not None:
        lines.append(f'dev = "{cfg.projects.dev}"')
    for group in cfg.resource_groups:
        lines += ["", "[[resource_groups]]", f'name = "{group.name}"', f"slots = {group.slots}"]
    text = "\n".join(lines) + "\n"
    text = text + render_maxcompute(cfg.maxcompute) if cfg.maxcompute is not None else text
    return text + render_security(cfg.security)


def load_config(path: Path) -> WorkspaceConfig:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: not found") from None
    except PermissionError:
        raise ConfigError(
            f"{path}: permission denied", hint="check the file's owner and mode"
        ) from None
    except UnicodeDecodeError as err:
        raise ConfigError(f"{path}: not UTF-8 text ({err.reason})") from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: invalid TOML: {err}") from None
    return parse_config(raw, path)


def parse_config(raw: dict[str, Any], path: Path | None) -> WorkspaceConfig:
    ws = _table(raw, "workspace", path, required=True)
    _no_unknown(ws, {"name", "mode", "engine", "timezone"}, "workspace", path)
    name = _str(ws, "name", "workspace.name", path, required=True)
    mode = _choice(ws, "mode", ("standard", "basic"), "workspace.mode", path, "standard")
    engine = _choice(ws, "engine", ("local", "maxcompute"), "workspace.engine", path, "local")
    timezone = _str(ws, "timezone", "workspace.timezone", path) or "Asia/Shanghai"
    _check_timezone(timezone, "workspace.timezone", path)

    pj = _table(raw, "projects", path, required=True)
    _no_unknown(pj, {"prod", "dev"}, "projects", path)
    prod = _str(pj, "prod", "projects.prod", path, required=True)
    _check_project_name(prod, "projects.prod", path)
    dev = _str(pj, "dev", "projects.dev", path)
    if mode == "standard":
        if dev is None:
            raise ConfigError(_where(path, "projects.dev") + "is required in standard mode")
        _check_project_name(dev, "projects.dev", path)
        if dev == prod:
            raise ConfigError(_where(path, "projects.dev") + "must differ from projects.prod")
    elif dev is not None:
        raise ConfigError(
            _where(path, "projects.dev") + "is not allowed in basic mode (one project only)"
        )

    groups_raw = raw.get("resource_groups", [{"name": "default"}])
    if not isinstance(groups_raw, list) or not groups_raw:
        raise ConfigError(_where(path, "resource_groups") + "must be a non-empty array of tables")
    groups: list[ResourceGroup] = []
    for i, g in enumerate(groups_raw):
        key = f"resource_groups[{i}]"
        if not isinstance(g, dict):
            raise ConfigError(_where(path, key) + "must be a table")
        _no_unknown(g, {"name", "slots"}, key, path)
        gname = _str(g, "name", f"{key}.name", path, required=True)
        if not GROUP_NAME.match(gname):
            raise ConfigError(_where(path, f"{key}.name") + f"{gname!r} is not a valid name")
        slots = g.get("slots", 4)
        if not isinstance(slots, int) or isinstance(slots, bool) or not 1 <= slots <= 1000:
            raise ConfigError(_where(path, f"{key}.slots") + "must be an integer from 1 to 1000")
        if any(x.name == gname for x in groups):
            raise ConfigError(_where(path, f"{key}.name") + f"duplicate resource group {gname!r}")
        groups.append(ResourceGroup(gname, slots))

    maxcompute = parse_maxcompute(raw, path, engine=engine)
    security = parse_security(raw, path)
    unknown = set(raw) - {
        "workspace",
        "projects",
        "resource_groups",
        "maxcompute",
        "security",
        "approval_flows",
    }
    if unknown:
        raise ConfigError(_where(path, sorted(unknown)[0]) + "unknown section")
    return WorkspaceConfig(
        name=name,
        mode=mode,  # type: ignore[arg-type]
        engine=engine,  # type: ignore[arg-type]
        timezone=timezone,
        projects=ProjectConfig(prod=prod, dev=dev),
        resource_groups=tuple(groups),
        maxcompute=maxcompute,
        security=security,
    )


def _where(path: Path | None, key: str) -> str:
    return f"{path}: {key}: " if path is not None else f"{key}: "


def _table(raw: dict[str, Any], key: str, path: Path | None, *, required: bool) -> dict[str, Any]:
    value = raw.get(key)
    if value is None:
        if required:
            raise ConfigError(_where(path, f"[{key}]") + "section is missing")
        return {}
    if not isinstance(value, dict):
        raise ConfigError(_where(path, key) + "must be a table")
    return value


def _no_unknown(table: dict[str, Any], allowed: set[str], prefix: str, path: Path | None) -> None:
    for key in table:
        if key not in allowed:
            raise ConfigError(
                _where(path, f"{prefix}.{key}")
                + f"unknown key (expected one of: {', '.join(sorted(allowed))})"
            )


def _str(
    table: dict[str, Any], key: str, full: str, path: Path | None, *, required: bool = False
) -> Any:
    value = table.get(key)
    if value is None:
        if required:
            raise ConfigError(_where(path, full) + "is required")
        return None
    if not isinstance(value, str) or not value:
        raise ConfigError(_where(path, full) + "must be a non-empty string")
    return value


def _choice(
    table: dict[str, Any],
    key: str,
    choices: tuple[str, ...],
    full: str,
    path: Path | None,
    default: str,
) -> str:
    value = table.get(key, default)
    if value not in choices:
        raise ConfigError(_where(path, full) + f"{value!r} is not one of {', '.join(choices)}")
    return str(value)


def _check_project_name(name: str, key: str, path: Path | None) -> None:
    if not PROJECT_NAME.match(name):
        raise ConfigError(
            _where(path, key)
            + f"{name!r} is not a valid project name (letters, digits and _, starting with a letter, at most 28)"
        )


def _check_timezone(tz: str, key: str, path: Path | None) -> None:
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            _where(path, key) + f"unknown time zone {tz!r} (e.g. Asia/Shanghai, UTC)"
        ) from None
