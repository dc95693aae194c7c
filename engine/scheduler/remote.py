"""The scheduler's MaxCompute jobs: submitted and polled from the loop thread, never a thread each.

Every submission uses a stable job key (workspace, instance, run), and the handle is written to
``instances.handle`` before anything waits on it; a restarted leader re-attaches stored handles and
resubmits a run whose handle never got stored only after looking its key up (``resume``), so no
MaxCompute job is ever submitted twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlite_utils

from engine.errors import MaxworksError
from engine.scheduler.model import NodeType, State
from engine.scheduler.runners import Job, Outcome
from engine.workspace import Workspace

if TYPE_CHECKING:
    from engine.executors.contract import Executor, JobHandle, JobStatus
    from engine.executors.maxcompute.tracker import JobTracker

SQL_TYPES = (NodeType.ODPS_SQL, NodeType.ODPS_SCRIPT, NodeType.ASSIGNMENT)


class RemoteJobs:
    def __init__(self, workspace: Workspace, db: sqlite_utils.Database) -> None:
        from engine.executors.maxcompute.tracker import JobTracker

        self.workspace = workspace
        self.db = db
        self.tracker: JobTracker[int] = JobTracker(self._persist)
        self.jobs: dict[int, Job] = {}
        self.pending: list[tuple[Job, bool]] = []
        self.failed: list[tuple[Job, Outcome]] = []
        self._executors: dict[str, Executor] = {}

    @staticmethod
    def wants(workspace: Workspace, job: Job) -> bool:
        return workspace.config.engine == "maxcompute" and job.node_type in SQL_TYPES

    def key(self, job: Job) -> str:
        return f"{self.workspace.config.name}.{job.instance_id}.{job.run_no}"

    def queue(self, job: Job, *, resume: bool = False) -> None:
        """Submitted by ``flush`` after the tick commits, so the Running row exists first."""
        self.pending.append((job, resume))

    def flush(self) -> None:
        from engine.params import substitute

        pending, self.pending = self.pending, []
        for job, resume in pending:
            self.jobs[job.instance_id] = job
            verb = "looking up (then submitting if absent)" if resume else "submitting"
            self._log(
                job, f"run {job.run_no} of {job.node_name}: {verb} MaxCompute job {self.key(job)}"
            )
            try:
                self.tracker.submit(
                    job.instance_id,
                    self._executor(job.env),
                    substitute(job.code, job.params),
                    job_key=self.key(job),
                    mode="script" if job.node_type == NodeType.ODPS_SCRIPT else "statements",
                    resume=resume,
                )
            except MaxworksError as err:
                self.failed.append((self.jobs.pop(job.instance_id), Outcome(False, str(err))))

    def reattach(self, job: Job, handle_json: str) -> None:
        from engine.executors.contract import JobHandle

        self.jobs[job.instance_id] = job
        self.tracker.track(
            job.instance_id, self._executor(job.env), JobHandle.from_json(handle_json)
        )

    def cancel(self, instance_id: int) -> bool:
        return self.tracker.cancel(instance_id)

    @property
    def running(self) -> bool:
        return bool(self.jobs or self.pending)

    def finished(self) -> list[tuple[Job, Outcome]]:
        out, self.failed = self.failed, []
        for iid, status in self.tracker.poll_due():
            job = self.jobs.pop(iid)
            for s in status.statements:
                where = f"statement {s.index + 1} (line {s.line})"
                self._log(job, f"{where}: {s.error if s.error else s.message or s.kind}")
            self._log(job, "succeeded" if status.ok else f"failed: {status.error or status.state}")
            if job.result_dir is not None:
                self._keep_result(job, status)
            if status.ok:  # the tables it touched, for the Data Map (MaxCompute does not say)
                from engine.datamap.lineage import script_tables

                read, written = script_tables(status.handle.script, status.handle.project)
                out.append((job, Outcome(True, tables_read=read, tables_written=written)))
            else:
                out.append(
                    (job, Outcome(False, str(status.error) if status.error else status.state))
                )
        return out

    def _keep_result(self, job: Job, status: JobStatus) -> None:
        """A test or ad-hoc instance keeps its statements and last rows for the client that
        asked (DataStudio's grid), as a local run does: the rows come through the instance
        tunnel, at most the job's result limit."""
        from engine.ops import results

        statements = list(status.statements)
        if status.ok:
            executor = self._executor(job.env)
            try:
                statements = results.with_last_rows(
                    statements,
                    lambda index: executor.fetch(status.handle, job.result_limit, statement=index),
                )
            except MaxworksError as err:
                self._log(job, f"the result could not be read back: {err}")
        assert job.result_dir is not None
        results.save(job.result_dir, statements)

    def _executor(self, env: str) -> Executor:
        if env not in self._executors:
            from engine.executors.factory import executor_for

            if env == "prod":
                self._executors[env] = executor_for(self.workspace, "prod", identity="scheduling")
            else:
                self._executors[env] = executor_for(self.workspace, "dev", identity="personal")
        return self._executors[env]

    @staticmethod
    def _log(job: Job, text: str) -> None:
        import time

        job.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(job.log_path, "a", encoding="utf-8") as log:
            log.write(f"[{time.strftime('%Y-%m-%d %H:%M:%S')}] {text}\n")

    def _persist(self, instance_id: int, handle: JobHandle) -> None:
        self.db.conn.execute(
            f"UPDATE instances SET handle = ? WHERE id = ? AND state = {int(State.RUNNING)}",
            [handle.to_json(), instance_id],
        )
