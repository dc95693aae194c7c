"""The typed ``[maxcompute]`` section of maxworks.toml.

```toml
[maxcompute]
endpoint = "https://service.cn-shanghai.maxcompute.aliyun.com/api"
tunnel_endpoint = "https://dt.cn-shanghai.maxcompute.aliyun.com"   # optional
region = "cn-shanghai"                                               # optional
scheduling_access_key_id_env = "MAXWORKS_SCHEDULING_ACCESS_KEY_ID"      # optional
scheduling_access_key_secret_env = "MAXWORKS_SCHEDULING_ACCESS_KEY_SECRET"
```

The project names are the workspace's ``[projects]``. AccessKeys never go in this file (it is
committed with the workflows); the section is refused if it holds one, without echoing it.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from engine.errors import ConfigError
from engine.executors.credentials import (
    SCHEDULING_ID_ENV,
    SCHEDULING_SECRET_ENV,
    IdentityVariables,
)

SECTION = "maxcompute"
_KEYS = {
    "endpoint",
    "tunnel_endpoint",
    "region",
    "scheduling_access_key_id_env",
    "scheduling_access_key_secret_env",
}
_SECRET_KEYS = re.compile(r"(secret|access_?key|access_?id|password|token|sts)", re.IGNORECASE)
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_REGION = re.compile(r"^[a-z]{2}-[a-z0-9-]+$")
EXAMPLE_ENDPOINT = "https://service.cn-shanghai.maxcompute.aliyun.com/api"


@dataclass(frozen=True)
class MaxComputeConfig:
    endpoint: str
    tunnel_endpoint: str | None = None
    region: str | None = None
    scheduling_key_id_env: str = SCHEDULING_ID_ENV
    scheduling_key_secret_env: str = SCHEDULING_SECRET_ENV

    @property
    def scheduling_variables(self) -> IdentityVariables:
        return IdentityVariables(self.scheduling_key_id_env, self.scheduling_key_secret_env)


def parse_maxcompute(
    raw: Mapping[str, Any], path: Path | None, *, engine: str
) -> MaxComputeConfig | None:
    """The ``[maxcompute]`` section of a parsed maxworks.toml (``raw`` is the whole document).

    Required when ``engine = "maxcompute"``; parsed when present otherwise, so that
    ``--engine maxcompute`` can override a local workspace for one command.
    """
    section = raw.get(SECTION)
    if section is None:
        if engine == "maxcompute":
            raise ConfigError(
                _where(path, f"[{SECTION}]")
                + 'section is missing (engine = "maxcompute" needs it)',
                hint=f'add [{SECTION}] with endpoint = "{EXAMPLE_ENDPOINT}"',
            )
        return None
    if not isinstance(section, dict):
        raise ConfigError(_where(path, SECTION) + "must be a table")
    for key in section:
        if key in _KEYS:
            continue
        if _SECRET_KEYS.search(key) and not key.endswith("_env"):
            raise ConfigError(
                _where(path, f"{SECTION}.{key}")
                + "AccessKeys never go in maxworks.toml (it is shared with the workflows)",
                hint="remove it and export ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET, "
                "or put it in ~/.config/maxworks/credentials.toml (mode 0600)",
            )
        raise ConfigError(
            _where(path, f"{SECTION}.{key}")
            + f"unknown key (expected one of: {', '.join(sorted(_KEYS))})"
        )
    endpoint = _url(section, "endpoint", path, required=True)
    assert endpoint is not None
    region = _string(section, "region", path)
    if region is not None and not _REGION.match(region):
        raise ConfigError(
            _where(path, f"{SECTION}.region") + f"{region!r} is not a region id (e.g. cn-shanghai)"
        )
    return MaxComputeConfig(
        endpoint=endpoint.rstrip("/"),
        tunnel_endpoint=_url(section, "tunnel_endpoint", path),
        region=region,
        scheduling_key_id_env=_env_name(section, "scheduling_access_key_id_env", path)
        or SCHEDULING_ID_ENV,
        scheduling_key_secret_env=_env_name(section, "scheduling_access_key_secret_env", path)
        or SCHEDULING_SECRET_ENV,
    )


def load_maxcompute(config_file: Path, *, engine: str = "maxcompute") -> MaxComputeConfig | None:
    """Read just the ``[maxcompute]`` section of a maxworks.toml file."""
    try:
        raw = tomllib.loads(config_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{config_file}: not found") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise ConfigError(f"{config_file}: cannot read: {err}") from None
    return parse_maxcompute(raw, config_file, engine=engine)


def render_maxcompute(cfg: MaxComputeConfig) -> str:
    """The section's text for ``maxworks init --engine maxcompute`` (commented, diff-friendly)."""
    lines = [
        "",
        f"[{SECTION}]",
        "# AccessKeys never go here: the personal identity reads ALIBABA_CLOUD_ACCESS_KEY_ID /",
        "# ALIBABA_CLOUD_ACCESS_KEY_SECRET, the scheduling identity the variables named below;",
        "# either may instead be in ~/.config/maxworks/credentials.toml (mode 0600).",
        f'endpoint = "{cfg.endpoint}"',
    ]
    if cfg.tunnel_endpoint:
        lines.append(f'tunnel_endpoint = "{cfg.tunnel_endpoint}"')
    if cfg.region:
        lines.append(f'region = "{cfg.region}"')
    lines += [
        f'scheduling_access_key_id_env = "{cfg.scheduling_key_id_env}"',
        f'scheduling_access_key_secret_env = "{cfg.scheduling_key_secret_env}"',
    ]
    return "\n".join(lines) + "\n"


def _where(path: Path | None, key: str) -> str:
    return f"{path}: {key}: " if path is not None else f"{key}: "


def _string(section: Mapping[str, Any], key: str, path: Path | None) -> str | None:
    value = section.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(_where(path, f"{SECTION}.{key}") + "must be a non-empty string")
    return value.strip()


def _url(
    section: Mapping[str, Any], key: str, path: Path | None, *, required: bool = False
) -> str | None:
    value = _string(section, key, path)
    if value is None:
        if required:
            raise ConfigError(
                _where(path, f"{SECTION}.{key}") + "is required",
                hint=f'e.g. {key} = "{EXAMPLE_ENDPOINT}"',
            )
        return None
    parsed = urlparse(value)
    if "@" in parsed.netloc:
        raise ConfigError(
            _where(path, f"{SECTION}.{key}") + "must not contain a user name or password"
        )
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError(
            _where(path, f"{SECTION}.{key}") + f"{value!r} is not an http(s) URL",
            hint=f'e.g. {key} = "{EXAMPLE_ENDPOINT}"',
        )
    return value.rstrip("/")


def _env_name(section: Mapping[str, Any], key: str, path: Path | None) -> str | None:
    value = _string(section, key, path)
    if value is not None and not _ENV_NAME.match(value):
        raise ConfigError(
            _where(path, f"{SECTION}.{key}")
            + f"{value!r} is not an environment variable name (letters, digits and _)"
        )
    return value
