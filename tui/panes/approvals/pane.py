"""The Approvals pane (Security Center): my requests with their state, the requests waiting for
my decision with their details, approve / reject with a reason, my grants (or everyone's, for
admins) with revoke / renew, and the audit log with its hash-chain check.

Every action goes through the engine API (``Api.security``): the pane shows what the engine
refuses, it never decides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import ContentSwitcher, DataTable, Static

from engine.errors import MaxworksError
from tui.panes.approvals.dialogs import AskScreen
from tui.panes.approvals.request_form import RequestAccessScreen
from tui.panes.base import Pane

if TYPE_CHECKING:
    from engine.api import Api
    from engine.security.audit import AuditRow
    from engine.security.grants import Grant, Request

VIEWS: tuple[tuple[str, str], ...] = (
    ("mine", "My requests"),
    ("todo", "To approve"),
    ("grants", "Grants"),
    ("audit", "Audit"),
)

CSS = """
ApprovalsPane { height: 1fr; layout: vertical; background: $surface; }
ApprovalsPane #approvals-views { height: 1; background: $panel; padding: 0 1; }
ApprovalsPane #approvals-switcher { height: 1fr; }
ApprovalsPane #approvals-switcher > DataTable { height: 1fr; }
ApprovalsPane #approvals-detail { height: auto; max-height: 8; padding: 0 1; border-top: solid $primary-muted; }
ApprovalsPane #approvals-status { height: 1; padding: 0 1; color: $text-muted; }
"""


@dataclass
class Snapshot:
    who: str
    mine: list[Request] = field(default_factory=list)
    todo: list[Request] = field(default_factory=list)
    grants: list[Grant] = field(default_factory=list)
    audit: list[AuditRow] = field(default_factory=list)
    can_audit: bool = False
    all_grants: bool = False
    details: dict[int, str] = field(default_factory=dict)


class ApprovalsPane(Pane):
    PANE_ID: ClassVar[str] = "approvals"
    TITLE: ClassVar[str] = "Approvals"
    DEFAULT_CSS = CSS

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "view('mine')", "Mine", show=False, id="approvals.view.mine"),
        Binding("2", "view('todo')", "To approve", show=False, id="approvals.view.todo"),
        Binding("3", "view('grants')", "Grants", show=False, id="approvals.view.grants"),
        Binding("4", "view('audit')", "Audit", show=False, id="approvals.view.audit"),
        Binding("a", "approve", "Approve", id="approvals.approve"),
        Binding("r", "reject", "Reject", id="approvals.reject"),
        Binding("n", "request", "Request access", id="approvals.request"),
        Binding("x", "revoke", "Revoke", id="approvals.revoke"),
        Binding("e", "renew", "Renew", id="approvals.renew"),
        Binding("v", "verify", "Verify audit", id="approvals.verify"),
        Binding("f5,ctrl+r", "refresh", "Refresh", id="approvals.refresh"),
    ]

    class Loaded(Message):
        def __init__(self, snapshot: Snapshot) -> None:
            super().__init__()
            self.snapshot = snapshot

    class Done(Message):
        """An action finished: what to say, and whether it failed."""

        def __init__(self, text: str, failed: bool = False) -> None:
            super().__init__()
            self.text = text
            self.failed = failed

    def __init__(self, api: Api, *, id: str | None = None) -> None:
        super().__init__(api, id=id)
        self.current = "mine"
        self.snapshot: Snapshot | None = None
        self.message = ""

    def compose(self) -> ComposeResult:
        yield Static("", id="approvals-views")
        with ContentSwitcher(initial="mine", id="approvals-switcher"):
            for view, _ in VIEWS:
                table: DataTable[Any] = DataTable(id=view, cursor_type="row", zebra_stripes=True)
                yield table
        yield Static("", id="approvals-detail")
        yield Static("loading…", id="approvals-status")

    def on_mount(self) -> None:
        headers = {
            "mine": ("ID", "TABLE", "COLUMNS", "ACTION", "DAYS", "STATE", "FLOW", "CREATED"),
            "todo": ("ID", "REQUESTER", "TABLE", "COLUMNS", "ACTION", "DAYS", "LEVEL", "REASON"),
            "grants": ("ID", "USER", "TABLE", "COLUMNS", "ACTION", "STATE", "EXPIRES"),
            "audit": ("ID", "AT", "USER", "ACTION", "OUTCOME", "TARGET", "TABLES", "MASKED"),
        }
        for view, cols in headers.items():
            self.query_one(f"#{view}", DataTable).add_columns(*cols)
        self._show_views()
        self.query_one("#mine", DataTable).focus()
        self.action_refresh()

    def help_keys(self) -> list[tuple[str, str]]:
        return [
            ("1-4", "my requests, to approve, grants, audit"),
            ("a / r", "approve / reject the selected request (with a reason)"),
            ("n", "request access to a table"),
            ("x / e", "revoke / renew the selected grant"),
            ("v", "verify the audit log's hash chain"),
        ]

    def open_target(self, target: str) -> bool:
        kind, _, rest = target.partition(" ")
        if kind in dict(VIEWS):
            self.action_view(kind)
            return True
        if kind == "request":
            self.app.push_screen(RequestAccessScreen(self.api, rest.strip()), self._requested)
            return True
        return False

    # -- views ----------------------------------------------------------------------------------
    def _show_views(self) -> None:
        parts = []
        for i, (view, label) in enumerate(VIEWS, 1):
            text = f"{i} {label}"
            if self.snapshot is not None and view == "todo" and self.snapshot.todo:
                text += f" ({len(self.snapshot.todo)})"
            parts.append(f"[reverse] {text} [/]" if view == self.current else f" {text} ")
        who = f"   {self.snapshot.who}" if self.snapshot else ""
        self.query_one("#approvals-views", Static).update("".join(parts) + who)

    def action_view(self, view: str) -> None:
        self.current = view
        self.query_one("#approvals-switcher", ContentSwitcher).current = view
        self.query_one(f"#{view}", DataTable).focus()
        self._show_views()
        self._show_detail()

    def _table(self) -> DataTable[Any]:
        return self.query_one(f"#{self.current}", DataTable)

    def _selected_key(self) -> int | None:
        table = self._table()
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return int(key) if key is not None else None

    # -- loading ----------------------------------------------------------------------------------
    def action_refresh(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="approvals-load")
    def _load(self) -> None:
        sec = self.api.security
        try:
            p = sec.principal
            snap = Snapshot(who=f"{p.user} ({p.label})")
            snap.mine = sec.requests(mine=True)
            snap.todo = sec.requests(pending_for_me=True)
            snap.all_grants = sec.allows("security.grant")
            snap.grants = sec.grants(everyone=snap.all_grants)
            snap.can_audit = sec.allows("security.audit")
            if snap.can_audit:
                snap.audit = sec.audit_rows(limit=200)
            for req in [*snap.mine, *snap.todo]:
                if req.id not in snap.details:
                    snap.details[req.id] = _detail_text(*sec.request_detail(req.id))
        except MaxworksError as err:
            self.post_message(self.Done(str(err), failed=True))
            return
        self.post_message(self.Loaded(snap))

    @on(Loaded)
    def fill(self, event: Loaded) -> None:
        before = {r.id: r.state for r in self.snapshot.mine} if self.snapshot else {}
        snap = self.snapshot = event.snapshot
        for req in snap.mine:  # the requester hears of each decision
            if req.id in before and before[req.id] != req.state and req.state != "pending":
                self.app.notify(f"request {req.id} ({req.what}) was {req.state}", title="Approvals")
        now = self.api.clock()
        rows: dict[str, list[tuple[str, tuple[str, ...]]]] = {
            "mine": [
                (str(r.id), (str(r.id), r.qualified, _cols(r.columns), r.action, f"{r.days}d", r.state,
                             f"{r.flow} {r.level_done}/{r.levels}", r.created_at[:16]))
                for r in snap.mine
            ],
            "todo": [
                (str(r.id), (str(r.id), r.requester, r.qualified, _cols(r.columns), r.action, f"{r.days}d",
                             f"{r.level_done + 1}/{r.levels}", r.reason[:40]))
                for r in snap.todo
            ],
            "grants": [
                (str(g.id), (str(g.id), g.user, g.qualified, _cols(g.columns), g.action, g.state(now),
                             g.expires_at[:16]))
                for g in snap.grants
            ],
            "audit": [
                (str(a.id), (str(a.id), a.at[5:16], a.user, a.action, a.outcome, a.target[:30],
                             ",".join(a.tables_read)[:30], ",".join(m.split(" ")[0] for m in a.masked)[:20]))
                for a in snap.audit
            ],
        }  # fmt: skip
        for view, items in rows.items():
            table = self.query_one(f"#{view}", DataTable)
            row = table.cursor_row
            table.clear()
            for key, cells in items:
                table.add_row(*cells, key=key)
            if items:
                table.move_cursor(row=min(row, len(items) - 1))
        status = f"{len(snap.todo)} waiting for you · {len(snap.mine)} requests of yours"
        if not snap.can_audit:
            status += " · the audit log needs the Security admin, Admin or Owner role"
        if self.message:  # the last action's outcome stays in view
            status = f"{self.message} · {status}"
        self.query_one("#approvals-status", Static).update(Text(status))
        self._show_views()
        self._show_detail()

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        detail = self.query_one("#approvals-detail", Static)
        key = self._selected_key()
        snap = self.snapshot
        if snap is None or key is None:
            detail.update("")
            return
        if self.current in ("mine", "todo"):
            detail.update(Text(snap.details.get(key, "")))
        elif self.current == "grants":
            g = next((g for g in snap.grants if g.id == key), None)
            if g is not None:
                detail.update(
                    Text(
                        f"grant {g.id}: {g.user} may {g.action} {g.qualified} ({_cols(g.columns)})\n"
                        f"granted by {g.granted_by} at {g.granted_at}, expires {g.expires_at}"
                        + (f"\nrevoked by {g.revoked_by} at {g.revoked_at}" if g.revoked_at else "")
                        + (f"\nfrom request {g.request_id}" if g.request_id else "")
                    )
                )
        else:
            a = next((a for a in snap.audit if a.id == key), None)
            if a is not None:
                detail.update(
                    Text(
                        f"#{a.id} {a.at} {a.user} (OS user {a.os_user}) {a.action} → {a.outcome}\n"
                        f"target: {a.target}   read: {', '.join(a.tables_read) or '-'}   "
                        f"written: {', '.join(a.tables_written) or '-'}\n"
                        f"masked: {', '.join(a.masked) or '-'}\n{a.detail[:300]}"
                    )
                )

    # -- actions ----------------------------------------------------------------------------------
    def _say(self, text: str, failed: bool = False) -> None:
        self.message = "" if failed else text
        status = self.query_one("#approvals-status", Static)
        status.update(Text(text, style="bold red") if failed else Text(text))

    @on(Done)
    def _done(self, event: Done) -> None:
        self._say(event.text, event.failed)
        if not event.failed:
            self._load()

    def action_approve(self) -> None:
        self._decide("approve")

    def action_reject(self) -> None:
        self._decide("reject")

    def _decide(self, decision: str) -> None:
        key = self._selected_key() if self.current == "todo" else None
        if key is None:
            self._say("select a request in 2 To approve first")
            return
        snap = self.snapshot
        req = next((r for r in snap.todo if r.id == key), None) if snap else None
        lines = (
            [f"{req.requester} asks for {req.what} for {req.days} days", f"reason: {req.reason}"]
            if req
            else []
        )
        ask = AskScreen(
            f"{decision.capitalize()} request {key}",
            lines,
            placeholder="reason (sent to the requester)"
            + ("" if decision == "reject" else ", optional"),
            required=decision == "reject",
        )
        self.app.push_screen(ask, lambda reason: self._run_decision(key, decision, reason))

    def _run_decision(self, rid: int, decision: str, reason: str | None) -> None:
        if reason is None:
            return
        self._call(lambda: self._decision_text(rid, decision, reason))

    def _decision_text(self, rid: int, decision: str, reason: str) -> str:
        sec = self.api.security
        if decision == "reject":
            req = sec.reject(rid, reason)
            return f"request {req.id} rejected"
        req = sec.approve(rid, reason)
        if req.state == "approved":
            return f"request {req.id} approved: grant {req.grant_id} for {req.requester}"
        return f"request {req.id}: level {req.level_done} of {req.levels} approved"

    def action_request(self) -> None:
        self.app.push_screen(RequestAccessScreen(self.api), self._requested)

    def _requested(self, req: Request | None) -> None:
        if req is not None:
            self._say(f"request {req.id} sent: {req.what}, flow {req.flow}")
            self._load()

    def action_revoke(self) -> None:
        key = self._selected_key() if self.current == "grants" else None
        if key is None:
            self._say("select a grant in 3 Grants first")
            return
        ask = AskScreen(f"Revoke grant {key}", ["type yes to revoke it"], placeholder="yes")
        self.app.push_screen(
            ask,
            lambda answer: self._call(lambda: self._revoke_text(key)) if answer == "yes" else None,
        )

    def _revoke_text(self, gid: int) -> str:
        g = self.api.security.revoke(gid)
        return f"grant {g.id} revoked ({g.user}, {g.action} on {g.qualified})"

    def action_renew(self) -> None:
        key = self._selected_key() if self.current == "grants" else None
        if key is None:
            self._say("select a grant in 3 Grants first")
            return
        ask = AskScreen(
            f"Renew grant {key}", ["valid for this many days from now"], value="30", digits=True
        )
        self.app.push_screen(
            ask, lambda days: self._call(lambda: self._renew_text(key, int(days))) if days else None
        )

    def _renew_text(self, gid: int, days: int) -> str:
        g = self.api.security.renew(gid, days)
        return f"grant {g.id} renewed until {g.expires_at}"

    def action_verify(self) -> None:
        self._call(self._verify_text)

    def _verify_text(self) -> str:
        verdict = self.api.security.verify_audit()
        if verdict.ok:
            return f"audit log intact: {verdict.rows} rows, hash chain verified"
        raise MaxworksError(f"audit log TAMPERED at row {verdict.bad_id}: {verdict.reason}")

    @work(thread=True, group="approvals-action")
    def _call(self, fn: Any) -> None:
        try:
            text = fn()
        except MaxworksError as err:
            self.post_message(self.Done(str(err).replace("\n", " "), failed=True))
            return
        self.post_message(self.Done(text))


def _cols(columns: tuple[str, ...] | None) -> str:
    return ",".join(columns) if columns else "*"


def _detail_text(req: Request, decisions: list[Any], waiting: str) -> str:
    lines = [
        f"request {req.id}: {req.requester} asks for {req.what} for {req.days} days",
        f"reason: {req.reason}",
        f"flow {req.flow}: {req.level_done} of {req.levels} levels approved · {req.state}"
        + (f" · grant {req.grant_id}" if req.grant_id else ""),
    ]
    if waiting:
        lines.append(f"waiting for: {waiting}")
    lines += [
        f"level {d.level}: {d.decision} by {d.approver} — {d.reason or '-'}" for d in decisions
    ]
    return "\n".join(lines)
