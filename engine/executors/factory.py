"""Choosing the executor of a workspace environment: local DuckDB or MaxCompute.

``executor_for(workspace, env)`` follows ``engine`` in maxworks.toml; a command's ``--engine``
overrides it for that command only. The MaxCompute executor is bound to an identity (personal for
DataStudio and ad-hoc runs, scheduling for production runs); credentials are loaded only when the
first call needs them, and neither executor module is imported until it is chosen.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from engine.errors import ConfigError
from engine.executors.contract import DEFAULT_FETCH_LIMIT, Executor, Identity
from engine.executors.credentials import Credential, load_credential
from engine.executors.maxcompute_config import MaxComputeConfig, load_maxcompute
from engine.workspace import Environment, Workspace
from engine.workspace.config import CONFIG_FILE

if TYPE_CHECKING:
    from engine.executors.maxcompute.errors import RetryPolicy

EngineName = Literal["local", "maxcompute"]
ENGINES: tuple[EngineName, ...] = ("local", "maxcompute")
CredentialSource = Callable[[Identity], Credential]


def engine_of(workspace: Workspace, engine: str | None = None) -> EngineName:
    """The engine a command uses: its ``--engine`` if given, else the workspace's."""
    chosen = engine or workspace.config.engine
    if chosen == "local":
        return "local"
    if chosen == "maxcompute":
        return "maxcompute"
    raise ConfigError(
        f"unknown engine {chosen!r}", hint="use --engine local or --engine maxcompute"
    )


def maxcompute_config_for(workspace: Workspace) -> MaxComputeConfig:
    """The workspace's ``[maxcompute]`` section (from its typed config, else from the file)."""
    typed = getattr(workspace.config, "maxcompute", None)
    if isinstance(typed, MaxComputeConfig):
        return typed
    loaded = load_maxcompute(workspace.root / CONFIG_FILE, engine="maxcompute")
    assert loaded is not None  # required when engine="maxcompute"
    return loaded


def credential_source(
    config: MaxComputeConfig, *, env: Mapping[str, str] | None = None, path: Path | None = None
) -> CredentialSource:
    """Loads an identity's AccessKey when first needed (env vars named in the config, or file)."""

    def load(identity: Identity) -> Credential:
        return load_credential(identity, scheduling=config.scheduling_variables, env=env, path=path)

    return load


def executor_for(
    workspace: Workspace,
    env: Environment | None = None,
    *,
    engine: str | None = None,
    identity: Identity = "personal",
    user: str | None = None,
    clock: Callable[[], datetime] | None = None,
    result_limit: int = DEFAULT_FETCH_LIMIT,
    credentials: CredentialSource | None = None,
    retry: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Executor:
    """The executor for ``env`` (default: the workspace's default environment)."""
    env = env or workspace.config.default_env
    project = workspace.config.project_for(env)  # fails clearly for dev in basic mode
    if engine_of(workspace, engine) == "local":
        from engine.executors.local.adapter import LocalAdapter

        return LocalAdapter(
            workspace, env, identity=identity, user=user, clock=clock, result_limit=result_limit
        )
    from engine.executors.maxcompute.executor import MaxComputeExecutor

    config = maxcompute_config_for(workspace)
    return MaxComputeExecutor(
        config,
        project=project,
        projects=workspace.config.all_projects,
        credentials=credentials or credential_source(config),
        identity=identity,
        retry=retry,
        sleep=sleep,
    )
