"""The service facade: one typed method per user operation.

The CLI and the app call only this module; it resolves identity, parameters and the engine,
records what ran, and returns plain records. (Permission checks and events join here later.)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from engine.executors.local.lifecycle_types import Reclaimed
from engine.executors.records import ScriptResult
from engine.identity import current_user
from engine.workspace import Environment, Workspace

if TYPE_CHECKING:
    from engine.studio.service import Studio


@dataclass(frozen=True)
class SqlRun:
    """One ad-hoc run: the resolved context and what each statement did."""

    result: ScriptResult
    env: Environment
    project: str
    bizdate: date
    cyctime: datetime
    params: dict[str, str]
    history_id: int


class Api:
    def __init__(
        self,
        workspace: Workspace,
        *,
        user: str | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.workspace = workspace
        self.user = user or current_user()
        tz = ZoneInfo(workspace.config.timezone)
        self.clock = clock or (lambda: datetime.now(tz).replace(tzinfo=None, microsecond=0))

    @classmethod
    def open(cls, workspace: Path | None = None, **kwargs: object) -> Api:
        return cls(Workspace.discover(workspace), **kwargs)  # type: ignore[arg-type]

    # -- workspace ----------------------------------------------------------------------------
    @staticmethod
    def init_workspace(
        root: Path, *, project: str, mode: str = "standard", timezone: str = "Asia/Shanghai"
    ) -> Workspace:
        from engine.workspace.config import Mode

        mode_value: Mode = "basic" if mode == "basic" else "standard"
        return Workspace.init(root, project=project, mode=mode_value, timezone=timezone)

    # -- DataStudio ---------------------------------------------------------------------------
    @property
    def studio(self) -> Studio:
        """Nodes, commit, deploy, versions (engine.studio.service)."""
        from engine.studio.service import Studio

        return Studio(self.workspace, user=self.user, clock=self.clock)

    # -- SQL ----------------------------------------------------------------------------------
    def run_sql(
        self,
        script: str,
        *,
        env: Environment | None = None,
        bizdate: date | None = None,
        cyctime: datetime | None = None,
        params: Mapping[str, str] | None = None,
        limit: int = 10_000,
    ) -> SqlRun:
        """Run a script as DataStudio's Run does: parameters resolved for a business date
        (default: yesterday in the workspace time zone), then every statement in order."""
        from engine.executors.local.executor import LocalExecutor
        from engine.params import ParamContext, evaluate, substitute
        from engine.params.implicit import implicit_values

        env = env or self.workspace.config.default_env
        project = self.workspace.config.project_for(env)
        if cyctime is not None:
            ctx = ParamContext.for_cyctime(cyctime)
        else:
            ctx = ParamContext.for_bizdate(bizdate or (self.clock().date() - timedelta(days=1)))
        values = implicit_values(ctx)
        for name, value in (params or {}).items():
            values[name] = evaluate(value, ctx) if "$" in value else value
        text = substitute(script, values, ctx)
        started = self.clock()
        with LocalExecutor(self.workspace, env, user=self.user, result_limit=limit) as executor:
            result = executor.run_script(text)
        history_id = self._record(text, result, env, project, ctx.bizdate, started)
        return SqlRun(result, env, project, ctx.bizdate, ctx.cyctime, values, history_id)

    def _record(
        self,
        text: str,
        result: ScriptResult,
        env: str,
        project: str,
        bizdate: date,
        started: datetime,
    ) -> int:
        db = self.workspace.open_state()
        try:
            err = result.error
            table = db.table("query_history")
            table.insert(
                {
                    "started_at": started.isoformat(sep=" "),
                    "finished_at": self.clock().isoformat(sep=" "),
                    "user": self.user,
                    "env": env,
                    "project": project,
                    "engine": self.workspace.config.engine,
                    "bizdate": bizdate.strftime("%Y%m%d"),
                    "statements": len(result.statements),
                    "status": "failed" if err else "succeeded",
                    "error": str(err) if err else None,
                    "tables_read": json.dumps(list(result.tables_read)),
                    "tables_written": json.dumps(list(result.tables_written)),
                    "script": text,
                }
            )
            return int(table.last_pk or 0)
        finally:
            db.close()

    # -- lifecycle ----------------------------------------------------------------------------
    def lifecycle_sweep(
        self, *, now: datetime | None = None, dry_run: bool = False
    ) -> list[Reclaimed]:
        from engine.executors.local.lifecycle import sweep

        return sweep(self.workspace, now=now or self.clock(), dry_run=dry_run, user=self.user)


__all__ = ["Api", "Reclaimed", "SqlRun"]
