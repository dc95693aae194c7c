"""Security Center in the terminal: members and roles, permission requests and approvals,
grants, column classification and the audit log (engine.security through engine.api)."""

from __future__ import annotations

import sys

import click

from engine.cli import workspace_option
from engine.security.classify import LEVELS
from engine.security.grants import GRANT_ACTIONS, Request
from engine.security.roles import ROLES


def _api(ctx: click.Context):  # type: ignore[no-untyped-def]
    from engine.api import Api

    return Api.open(workspace_option(ctx))


def _table(headers: list[str], rows: list[list[str]]) -> None:
    if not rows:
        return
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    click.echo("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    for r in rows:
        click.echo("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())


def _request_rows(reqs: list[Request]) -> list[list[str]]:
    return [
        [
            str(r.id), r.requester, r.qualified, ",".join(r.columns) if r.columns else "*", r.action,
            f"{r.days}d", r.flow + (f" {r.level_done}/{r.levels}" if r.levels > 1 else ""), r.state,
            r.created_at[:16], r.reason[:40],
        ]
        for r in reqs
    ]  # fmt: skip


_REQ_HEADERS = [
    "ID",
    "REQUESTER",
    "TABLE",
    "COLUMNS",
    "ACTION",
    "DAYS",
    "FLOW",
    "STATE",
    "CREATED",
    "REASON",
]


# -- grant ------------------------------------------------------------------------------------
@click.group()
def grant() -> None:
    """Ask for permissions on production tables."""


@grant.command("request")
@click.argument("tables", nargs=-1, required=True, metavar="[ACTION] TABLE...")
@click.option("--columns", help="Only these columns, comma-separated (default: the whole table).")
@click.option(
    "--action",
    type=click.Choice(GRANT_ACTIONS),
    default=None,
    help="The permission (default: select); may also be given as the first word.",
)
@click.option("--reason", required=True, help="Why you need it (shown to the approver).")
@click.option("--days", type=int, default=30, show_default=True, help="Validity once granted.")
@click.pass_context
def grant_request(
    ctx: click.Context,
    tables: tuple[str, ...],
    columns: str | None,
    action: str | None,
    reason: str,
    days: int,
) -> None:
    """Request a permission on production TABLEs (project.table; a bare name is the production
    project's): one request per table, each approved on its own.

    ACTION, if given first, is the permission: select (the default), describe or update, as
    --action is; `grant request select demo.orders` asks to select from demo.orders (a table
    named like an action is written project.table). Every table and column is checked before
    anything is written: an unknown table or column, a table you can already read, or one
    nobody else could approve refuses the whole command.
    """
    action, names = _split_action(tables, action)
    api = _api(ctx)
    cols = [c for c in columns.split(",") if c.strip()] if columns else None
    reqs = api.security.request_tables(names, columns=cols, action=action, reason=reason, days=days)
    for req in reqs:
        _, _, who = api.security.request_detail(req.id)
        click.echo(f"request {req.id}: {req.what} for {req.days} days, flow {req.flow}; pending")
        click.echo(f"  approvers: {who}")


def _split_action(words: tuple[str, ...], option: str | None) -> tuple[str, list[str]]:
    """(action, tables) from ``[ACTION] TABLE...`` and --action."""
    first = words[0].lower()
    if first not in GRANT_ACTIONS:
        return option or "select", list(words)
    if len(words) == 1:
        raise click.UsageError(
            f"name the table to {first}: `maxworks grant request {first} TABLE --reason '...'`"
        )
    if option is not None and option != first:
        raise click.UsageError(f"the action is given twice: {first} and --action {option}")
    return first, list(words[1:])


# -- approvals ----------------------------------------------------------------------------------
@click.command()
@click.option("--mine", is_flag=True, help="Only my own requests.")
@click.option("--pending", is_flag=True, help="Only requests waiting for my decision.")
@click.argument("request_id", type=int, required=False)
@click.pass_context
def approvals(ctx: click.Context, mine: bool, pending: bool, request_id: int | None) -> None:
    """Permission requests: mine, those waiting for me, or one request's details (ID)."""
    api = _api(ctx)
    if request_id is not None:
        req, done, who = api.security.request_detail(request_id)
        click.echo(f"request {req.id}: {req.what}")
        click.echo(f"  requester: {req.requester}   reason: {req.reason}")
        click.echo(f"  validity:  {req.days} days once granted   created: {req.created_at}")
        click.echo(f"  flow:      {req.flow}, {req.level_done} of {req.levels} levels approved")
        click.echo(
            f"  state:     {req.state}" + (f" (grant {req.grant_id})" if req.grant_id else "")
        )
        if who:
            click.echo(f"  waiting for: {who}")
        for d in done:
            click.echo(
                f"  level {d.level}: {d.decision} by {d.approver} at {d.at}: {d.reason or '-'}"
            )
        return
    reqs = api.security.requests(mine=mine, pending_for_me=pending)
    if not reqs:
        what = "waiting for you" if pending else "of yours" if mine else ""
        click.echo(f"no permission requests {what}".rstrip())
        return
    _table(_REQ_HEADERS, _request_rows(reqs))


@click.command()
@click.argument("request_id", type=int)
@click.option("--reason", default="", help="A note for the requester.")
@click.pass_context
def approve(ctx: click.Context, request_id: int, reason: str) -> None:
    """Approve a permission request (its current approval level)."""
    req = _api(ctx).security.approve(request_id, reason)
    if req.state == "approved":
        click.echo(
            f"request {req.id} approved: grant {req.grant_id} gives {req.requester} {req.what} for {req.days} days"
        )
    else:
        click.echo(
            f"request {req.id}: level {req.level_done} of {req.levels} approved; waiting for the next level"
        )


@click.command()
@click.argument("request_id", type=int)
@click.option("--reason", required=True, help="Why (sent to the requester).")
@click.pass_context
def reject(ctx: click.Context, request_id: int, reason: str) -> None:
    """Reject a permission request."""
    req = _api(ctx).security.reject(request_id, reason)
    click.echo(f"request {req.id} rejected: {req.what} for {req.requester}")


# -- grants -----------------------------------------------------------------------------------------
@click.command()
@click.option("--all", "everyone", is_flag=True, help="Every user's grants (admins).")
@click.option("--revoke", type=int, metavar="ID", help="Revoke (or return) a grant.")
@click.option("--renew", type=int, metavar="ID", help="Extend a grant (admins), with --days.")
@click.option("--days", type=int, default=30, show_default=True, help="For --renew: days from now.")
@click.pass_context
def grants(
    ctx: click.Context, everyone: bool, revoke: int | None, renew: int | None, days: int
) -> None:
    """My permissions on production tables (or everyone's), with revoke and renew."""
    api = _api(ctx)
    if revoke is not None:
        g = api.security.revoke(revoke)
        click.echo(f"grant {g.id} revoked: {g.user} no longer has {g.action} on {g.qualified}")
        return
    if renew is not None:
        g = api.security.renew(renew, days)
        click.echo(
            f"grant {g.id} renewed: {g.user} has {g.action} on {g.qualified} until {g.expires_at}"
        )
        return
    now = api.clock()
    rows = [
        [str(g.id), g.user, g.qualified, ",".join(g.columns) if g.columns else "*", g.action,
         g.state(now), g.expires_at[:16], g.granted_by, str(g.request_id or "")]
        for g in api.security.grants(everyone=everyone)
    ]  # fmt: skip
    if not rows:
        click.echo("no grants")
        return
    _table(
        ["ID", "USER", "TABLE", "COLUMNS", "ACTION", "STATE", "EXPIRES", "GRANTED BY", "REQUEST"],
        rows,
    )


# -- members ----------------------------------------------------------------------------------------
@click.group(invoke_without_command=True)
@click.pass_context
def members(ctx: click.Context) -> None:
    """Workspace members and their roles (Owner, Admin, Developer, O&M, Deployer, Visitor,
    Security admin, Data analyst)."""
    if ctx.invoked_subcommand is not None:
        return
    api = _api(ctx)
    rows = [[m.user, m.label, m.added_by, m.added_at[:16]] for m in api.security.members()]
    _table(["USER", "ROLE", "ADDED BY", "ADDED"], rows)


_ROLE_HELP = "One of: " + ", ".join(ROLES) + "."


@members.command("add")
@click.argument("user")
@click.option("--role", required=True, help=_ROLE_HELP)
@click.pass_context
def members_add(ctx: click.Context, user: str, role: str) -> None:
    """Add USER (an OS login name) to the workspace with a role."""
    m = _api(ctx).security.add_member(user, role)
    click.echo(f"{m.user} is now a member: {m.label}")


@members.command("remove")
@click.argument("user")
@click.pass_context
def members_remove(ctx: click.Context, user: str) -> None:
    """Remove USER from the workspace."""
    _api(ctx).security.remove_member(user)
    click.echo(f"{user} removed from the workspace")


@members.command("role")
@click.argument("user")
@click.argument("role")
@click.pass_context
def members_role(ctx: click.Context, user: str, role: str) -> None:
    """Give USER another ROLE."""
    api = _api(ctx)
    api.security.set_role(user, role)
    click.echo(
        f"{user} is now {ROLES[next(m.role for m in api.security.members() if m.user == user)]}"
    )


# -- classify ---------------------------------------------------------------------------------------
@click.command()
@click.argument("table", required=False)
@click.option(
    "--show", "show_only", is_flag=True, help="Show the stored classification; do not sample again."
)
@click.option("--set", "assignments", multiple=True, metavar="COL=LEVEL[:METHOD]",
              help="Classify a column by hand (kept across refreshes), e.g. city=2:partial:1:0.")  # fmt: skip
@click.option("--all", "show_all", is_flag=True, help="List public columns too.")
@click.pass_context
def classify(
    ctx: click.Context,
    table: str | None,
    show_only: bool,
    assignments: tuple[str, ...],
    show_all: bool,
) -> None:
    """Sensitivity of columns, found by name/comment and content rules (phone, ID card, e-mail,
    bank card, person name); refreshes by sampling unless --show."""
    api = _api(ctx)
    if assignments:
        if table is None:
            raise click.UsageError("--set needs a TABLE")
        for item in assignments:
            col, sep, rest = item.partition("=")
            level_s, _, method = rest.partition(":")
            if not sep or not level_s.isdigit():
                raise click.BadParameter(f"{item!r} is not COL=LEVEL[:METHOD]", param_hint="--set")
            api.security.set_class(table, col, int(level_s), method or None)
    found = api.security.classify(table, refresh=not show_only and not assignments)
    rows = []
    for name, classes in found:
        for c in classes:
            if c.level or show_all:
                rows.append(
                    [
                        str(name),
                        c.column,
                        f"{c.level} {LEVELS[c.level]}",
                        c.category or "",
                        c.method or "",
                        c.source,
                    ]
                )
    tables = len(found)
    sensitive = sum(1 for r in rows if not r[2].startswith("0"))
    _table(["TABLE", "COLUMN", "LEVEL", "CATEGORY", "MASKING", "FOUND BY"], rows)
    click.echo(
        f"{tables} table{'s' if tables != 1 else ''} classified, {sensitive} sensitive column{'s' if sensitive != 1 else ''}"
    )


# -- audit ------------------------------------------------------------------------------------------
@click.command()
@click.option(
    "--verify", is_flag=True, help="Check the hash chain; exit 1 and name the row if tampered."
)
@click.option(
    "--limit", type=int, default=30, show_default=True, help="Rows to show, newest first."
)
@click.pass_context
def audit(ctx: click.Context, verify: bool, limit: int) -> None:
    """The audit log: every query and operation, who, what, tables, masking, outcome."""
    api = _api(ctx)
    if verify:
        verdict = api.security.verify_audit()
        if verdict.ok:
            click.echo(f"audit log intact: {verdict.rows} rows, hash chain verified")
            return
        click.echo(f"audit log TAMPERED at row {verdict.bad_id}: {verdict.reason}", err=True)
        sys.exit(1)
    rows = []
    for r in api.security.audit_rows(limit=limit):
        tables = ",".join([*r.tables_read, *(f"+{t}" for t in r.tables_written)])
        masked = ",".join(m.split(" ")[0] for m in r.masked)
        rows.append(
            [
                str(r.id),
                r.at[5:16],
                r.user,
                r.action,
                r.outcome,
                r.target[:28],
                tables[:40],
                masked[:24],
            ]
        )
    _table(["ID", "AT", "USER", "ACTION", "OUTCOME", "TARGET", "TABLES", "MASKED"], rows)
