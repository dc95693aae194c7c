"""`maxworks doctor`: is this workspace ready to run? One line per check, what to do when not.

On a MaxCompute workspace it checks the ``[maxcompute]`` config, both identities' credentials
(where each comes from, never the secret), connectivity, and access to both environments'
projects. The pairs a workspace depends on (the personal identity in its default environment, the
scheduling identity in prod) are problems when they fail; the others are warnings. On a local
workspace it checks the state database and the warehouse files, and says MaxCompute is skipped.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import click

from engine.cli import workspace_option
from engine.errors import MaxworksError

if TYPE_CHECKING:
    from engine.executors.credentials import Credential, Identity
    from engine.scheduler.lease import LeaseHolder
    from engine.workspace import Environment, Workspace

Level = Literal["ok", "warn", "problem", "skip"]
_LABEL = {"ok": "ok", "warn": "warn", "problem": "PROBLEM", "skip": "skip"}


@dataclass(frozen=True)
class Check:
    name: str
    level: Level
    detail: str
    fix: str | None = None

    def line(self) -> str:
        text = f"{_LABEL[self.level]:<8} {self.name:<28} {self.detail}"
        return text + (f"\n{'':<37}fix: {self.fix}" if self.fix else "")


def run_checks(
    workspace_dir: Path | None = None,
    *,
    workspace: Workspace | None = None,
    engine: str | None = None,
    retry_attempts: int = 2,
    sleep: Callable[[float], None] = time.sleep,
) -> list[Check]:
    """Every check, in order; stops early only where later checks cannot mean anything."""
    from engine.workspace import Workspace

    checks: list[Check] = []
    try:
        ws = workspace if workspace is not None else Workspace.discover(workspace_dir)
    except MaxworksError as err:
        return [Check("config", "problem", err.message, err.hint)]
    cfg = ws.config
    envs = (
        f"dev {cfg.projects.dev}, prod {cfg.projects.prod}"
        if cfg.projects.dev
        else f"prod {cfg.projects.prod}"
    )
    checks.append(Check("config", "ok", f"{ws.root / 'maxworks.toml'}: {cfg.mode} mode, {envs}"))
    try:
        from engine.executors.factory import engine_of

        kind = engine_of(ws, engine)
    except MaxworksError as err:
        return [*checks, Check("engine", "problem", err.message, err.hint)]
    if kind == "local":
        return checks + _local_checks(ws)
    return checks + _maxcompute_checks(ws, retry_attempts, sleep)


def _local_checks(ws: Workspace) -> list[Check]:
    from engine.executors.local.adapter import LocalAdapter

    checks: list[Check] = []
    try:
        ws.open_state().close()
        checks.append(Check("state database", "ok", str(ws.state_path)))
    except Exception as err:
        checks.append(
            Check(
                "state database", "problem", f"{ws.state_path}: {err}", "restore it from a backup"
            )
        )
    missing = [p for p in ws.config.all_projects if not ws.warehouse_file(p).is_file()]
    if missing:
        files = ", ".join(str(ws.warehouse_file(p)) for p in missing)
        checks.append(
            Check(
                "local warehouse", "problem", f"missing: {files}", "restore the files from a backup"
            )
        )
    else:
        try:
            with LocalAdapter(ws, ws.config.default_env) as local:
                counts = {p: len(local.list_tables(p)) for p in ws.config.all_projects}
            summary = ", ".join(f"{p}: {n} table{'s' if n != 1 else ''}" for p, n in counts.items())
            checks.append(Check("local warehouse", "ok", summary))
        except MaxworksError as err:
            holder = _live_leader(ws)
            if holder is not None:  # the leader holds the files: queries go through it
                checks.append(
                    Check(
                        "local warehouse", "ok",
                        f"open in the running scheduler ({holder.holder}, pid {holder.pid} on "
                        f"{holder.host}); queries and runs go through it",
                    )
                )  # fmt: skip
            else:
                checks.append(Check("local warehouse", "warn", err.message, err.hint))
    checks.append(Check("maxcompute", "skip", 'engine = "local": MaxCompute checks are skipped'))
    return checks


def _maxcompute_checks(ws: Workspace, attempts: int, sleep: Callable[[float], None]) -> list[Check]:
    from engine.executors.contract import BackendUnavailable
    from engine.executors.credentials import IDENTITIES
    from engine.executors.factory import credential_source, executor_for, maxcompute_config_for
    from engine.executors.maxcompute.errors import RetryPolicy
    from engine.executors.maxcompute.executor import MaxComputeExecutor

    try:
        config = maxcompute_config_for(ws)
    except MaxworksError as err:
        return [Check("maxcompute config", "problem", err.message, err.hint)]
    where = config.endpoint + (
        f", tunnel {config.tunnel_endpoint}" if config.tunnel_endpoint else ""
    )
    checks = [
        Check(
            "maxcompute config",
            "ok",
            where + (f", region {config.region}" if config.region else ""),
        )
    ]
    source = credential_source(config)
    creds: dict[str, Credential] = {}
    for identity in IDENTITIES:
        try:
            cred = source(identity)
        except MaxworksError as err:
            checks.append(Check(f"credentials {identity}", "problem", err.message, err.hint))
            continue
        creds[identity] = cred
        checks.append(
            Check(
                f"credentials {identity}", "ok", f"access key {cred.masked_id} from {cred.source}"
            )
        )
    required = {("personal", ws.config.default_env), ("scheduling", "prod")}
    envs: list[Environment] = ["dev", "prod"] if ws.config.projects.dev else ["prod"]
    access: list[Check] = []
    answered = False
    for identity in IDENTITIES:
        for env in envs:
            name = f"access {identity}@{env}"
            if identity not in creds:
                access.append(Check(name, "skip", "no credentials (see above)"))
                continue
            ex = executor_for(
                ws, env, engine="maxcompute", identity=identity, credentials=_fixed(creds[identity]),
                retry=RetryPolicy(attempts=attempts), sleep=sleep,
            )  # fmt: skip
            assert isinstance(ex, MaxComputeExecutor)
            try:
                access.append(Check(name, "ok", ex.check_access()))
                answered = True
            except BackendUnavailable as err:
                if not answered:  # nothing answers: every other check would say the same
                    return [*checks, Check("connectivity", "problem", err.message, err.hint)]
                access.append(Check(name, "problem", err.message, err.hint))
            except MaxworksError as err:
                answered = True
                level: Level = "problem" if (identity, env) in required else "warn"
                access.append(Check(name, level, err.message, err.hint))
    if answered:
        checks.append(Check("connectivity", "ok", f"{config.endpoint} answers"))
    else:
        checks.append(Check("connectivity", "skip", "no identity has credentials to try it with"))
    return checks + access


def _fixed(credential: Credential) -> Callable[[Identity], Credential]:
    return lambda _identity: credential


@click.command()
@click.option(
    "--engine",
    type=click.Choice(["local", "maxcompute"]),
    help="Check this engine instead of the workspace's (e.g. before switching to MaxCompute).",
)
@click.pass_context
def doctor(ctx: click.Context, engine: str | None) -> None:
    """Check the config, credentials, connectivity and project access; non-zero exit on a problem.

    Secrets are never printed: a credential shows only where it comes from and its key's last
    four characters.
    """
    checks = run_checks(workspace_option(ctx), engine=engine)
    for check in checks:
        click.echo(check.line())
    problems = sum(1 for c in checks if c.level == "problem")
    warnings = sum(1 for c in checks if c.level == "warn")
    if problems:
        click.echo(
            f"{problems} problem{'s' if problems != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}",
            err=True,
        )
        sys.exit(1)
    click.echo(f"ready ({warnings} warning{'s' if warnings != 1 else ''})" if warnings else "ready")


def _live_leader(ws: Workspace) -> LeaseHolder | None:
    from engine.scheduler import lease

    try:
        db = ws.open_state()
    except Exception:
        return None
    try:
        holder = lease.current(db)
    finally:
        db.close()
    return holder if holder is not None and holder.alive else None
