"""Operation Center's operations, shared by every view (lists, the DAG, an instance's page).

Each one: (1) a confirmation listing exactly what will happen, (2) the engine API call in a
thread (the same call, rules, refusals and events as the CLI), (3) the outcome — or the engine's
refusal, word for word, as DataWorks gives it. A read-only session hides the keys and refuses
here and in the engine.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from engine.errors import MaxworksError
from tui.panes.ops.dialogs import BackfillScreen, ConfirmScreen, RunTestDialog, preview_text

if TYPE_CHECKING:
    from textual.widget import Widget

    from engine.api import Api
    from engine.ops.queries import InstanceInfo

ROLE_ACTION = {
    "rerun": "ops.rerun",
    "rerun_downstream": "ops.rerun",
    "set_success": "ops.set_success",
    "kill": "ops.kill",
    "freeze": "ops.freeze",
    "freeze_node": "ops.freeze",
    "remove_upstream": "ops.remove_upstream",
    "test_run": "ops.test_run",
    "backfill": "ops.backfill",
}
"""Operation -> the permission (engine.security.roles) it needs. Every one changes something:
hidden and refused in a read-only session, and for a role without the permission."""


def describe(info: InstanceInfo) -> str:
    return f"  {info.id:>8}  {info.node_name}  bizdate {info.bizdate} {info.cyctime[11:16]}  {info.status_label}"


class OpsActions:
    def __init__(self, host: Widget, api: Api, *, readonly: bool, done: Callable[[], None]) -> None:
        self.host = host
        self.api = api
        self.session_readonly = readonly
        self.done = done
        """Called (on the UI thread) after an operation, to refresh what is shown."""

    # -- plumbing -------------------------------------------------------------------------------
    def allowed(self, name: str) -> bool:
        """May this session run operation ``name``? (The engine checks again, whatever this says.)"""
        if self.session_readonly:
            return False
        try:
            return self.api.security.allows(ROLE_ACTION[name])
        except MaxworksError:
            return True  # the role cannot be read now: let the engine decide, and say why

    @property
    def readonly(self) -> bool:
        """No operation is allowed: ``--readonly``, or a role that only reads (Visitor)."""
        return not any(self.allowed(name) for name in ROLE_ACTION)

    def _refuse(self, name: str) -> bool:
        if self.allowed(name):
            return False
        why = (
            "this session is read-only (--readonly)"
            if self.session_readonly
            else f"your role does not allow it ({ROLE_ACTION[name]})"
        )
        self.host.notify(
            f"{name.replace('_', ' ')}: {why}", severity="warning", title="Not allowed"
        )
        return True

    def _infos(self, ids: list[int]) -> list[InstanceInfo] | None:
        try:
            return [self.api.ops.instance(i) for i in ids]
        except MaxworksError as err:
            self.host.notify(str(err), severity="error", markup=False)
            return None

    def _confirm(
        self,
        title: str,
        lines: list[str],
        verb: str,
        call: Callable[[], Any],
        report: Callable[[Any], str],
        *,
        danger: bool = False,
    ) -> None:
        def answered(yes: object) -> None:
            if yes:
                self._run(title, call, report)

        self.host.app.push_screen(ConfirmScreen(title, lines, verb=verb, danger=danger), answered)

    def _run(self, title: str, call: Callable[[], Any], report: Callable[[Any], str]) -> None:
        app = self.host.app

        def work() -> None:
            try:
                outcome = call()
            except MaxworksError as err:
                app.call_from_thread(self._refused, title, err)
                return
            app.call_from_thread(self._succeeded, report(outcome))

        self.host.run_worker(work, thread=True, group="ops-action", name=title)

    def _refused(self, title: str, err: MaxworksError) -> None:
        self.host.notify(
            str(err), title=f"{title}: refused", severity="error", markup=False, timeout=10
        )
        self.done()

    def _succeeded(self, text: str) -> None:
        self.host.notify(text, markup=False)
        self.done()

    # -- instance operations ----------------------------------------------------------------------
    def apply(self, name: str, ids: list[int]) -> None:
        """Operation ``name`` on ``ids``, from any view: the ones that take one instance
        (rerun with downstream, remove upstream dependencies) refuse several."""
        if not ids:
            return
        if name not in ("rerun_downstream", "remove_upstream"):
            getattr(self, name)(ids)
        elif len(ids) > 1:
            self.host.notify(
                f"{name.replace('_', ' ')} works on one instance; Esc clears the marks"
            )
        else:
            getattr(self, name)(ids[0])

    def rerun(self, ids: list[int]) -> None:
        if self._refuse("rerun") or not ids:
            return
        infos = self._infos(ids)
        if infos is None:
            return
        self._confirm(
            f"Rerun {len(ids)} instance{'s' * (len(ids) != 1)}?",
            [*map(describe, infos), "", "Each runs again with the parameters fixed at generation,",
             "the currently deployed code; descendants wait for it again."],
            "Rerun",
            lambda: self.api.ops.rerun(ids),
            lambda done: f"rerun: {', '.join(map(str, done))}",
        )  # fmt: skip

    def rerun_downstream(self, iid: int) -> None:
        if self._refuse("rerun_downstream"):
            return
        try:
            plan = self.api.ops.rerun_downstream_plan(iid)
        except MaxworksError as err:
            self.host.notify(
                str(err), title="Rerun with downstream: refused", severity="error", markup=False
            )
            return
        infos = self._infos(plan)
        if infos is None:
            return
        self._confirm(
            f"Rerun instance {iid} and {len(plan) - 1} finished descendant(s)?",
            [*map(describe, infos), "", "They run again in dependency order."],
            "Rerun all",
            lambda: self.api.ops.rerun_downstream(iid),
            lambda done: f"rerun {len(done)} instances from {iid}",
        )

    def set_success(self, ids: list[int]) -> None:
        if self._refuse("set_success") or not ids:
            return
        infos = self._infos(ids)
        if infos is None:
            return
        self._confirm(
            f"Set {len(ids)} instance{'s' * (len(ids) != 1)} successful?",
            [*map(describe, infos), "", "They are marked succeeded without running; their",
             "descendants are released."],
            "Set successful",
            lambda: self.api.ops.set_success(ids),
            lambda done: f"set successful: {', '.join(map(str, done))}",
            danger=True,
        )  # fmt: skip

    def kill(self, ids: list[int]) -> None:
        if self._refuse("kill") or not ids:
            return
        infos = self._infos(ids)
        if infos is None:
            return
        self._confirm(
            f"Stop {len(ids)} instance{'s' * (len(ids) != 1)}?",
            [*map(describe, infos), "", "Running ones are killed; waiting ones fail at once.",
             "A killed instance is not auto-rerun."],
            "Kill",
            lambda: self.api.ops.kill(ids),
            lambda done: f"stopped: {', '.join(map(str, done))}",
            danger=True,
        )  # fmt: skip

    def freeze(self, ids: list[int]) -> None:
        if self._refuse("freeze") or not ids:
            return
        infos = self._infos(ids)
        if infos is None:
            return
        frozen = not all(i.frozen for i in infos)
        verb = "Freeze" if frozen else "Unfreeze"
        note = (
            "Frozen instances do not run and hold their descendants."
            if frozen
            else "They run when their upstream is ready."
        )
        self._confirm(
            f"{verb} {len(ids)} instance{'s' * (len(ids) != 1)}?",
            [*map(describe, infos), "", note],
            verb,
            lambda: self.api.ops.freeze(ids, frozen),
            lambda done: f"{verb.lower()}d: {', '.join(map(str, done))}",
        )

    def remove_upstream(self, iid: int) -> None:
        if self._refuse("remove_upstream"):
            return
        try:
            ups, _ = self.api.ops.neighbours(iid)
        except MaxworksError as err:
            self.host.notify(str(err), severity="error", markup=False)
            return
        live = [(u, cross) for u, cross, removed in ups if not removed]
        if not live:
            self.host.notify(
                f"instance {iid} has no upstream dependencies left", severity="warning"
            )
            return
        lines = [f"{describe(u)}{'  (previous cycle)' if cross else ''}" for u, cross in live]
        self._confirm(
            f"Remove {len(live)} upstream dependenc{'ies' if len(live) != 1 else 'y'} of instance {iid}?",
            [*lines, "", "Emergency operation: the instance runs without waiting for them."],
            "Remove",
            lambda: self.api.ops.remove_upstream(iid),
            lambda done: (
                f"instance {iid} no longer waits for {', '.join(map(str, done)) or 'anything'}"
            ),
            danger=True,
        )

    # -- node operations --------------------------------------------------------------------------
    def freeze_node(self, name: str, frozen: bool) -> None:
        if self._refuse("freeze_node"):
            return
        verb = "Freeze" if frozen else "Unfreeze"
        note = (
            "Instances generated from now on are frozen; today's still run."
            if frozen
            else "Instances generated from now on run again."
        )
        self._confirm(
            f"{verb} node {name}?",
            [f"  {name}", "", note],
            verb,
            lambda: self.api.ops.freeze_node(name, frozen),
            lambda _: f"{name} {verb.lower()}d",
        )

    def test_run(self, name: str, default_day: str) -> None:
        if self._refuse("test_run"):
            return

        def chosen(day: object) -> None:
            if isinstance(day, date):
                self._run(
                    "Test run",
                    lambda: self.api.ops.test_run(name, day),
                    lambda iid: f"test instance {iid} of {name} for {day:%Y%m%d} created",
                )

        self.host.app.push_screen(RunTestDialog(name, default_day), chosen)

    def backfill(self, root: str, default_day: str) -> None:
        if self._refuse("backfill"):
            return

        def created(run: object) -> None:
            from engine.ops.runs import BackfillRun

            if isinstance(run, BackfillRun):
                self.host.notify(
                    preview_text(run), title=f"Backfill {run.id} created", markup=False
                )
                self.done()

        self.host.app.push_screen(BackfillScreen(self.api, root, default_day), created)
