"""The built-in workspace roles (reference §13.2) and what each may do: one table, enforced by the
engine API (engine.security.service), never only by the UI.

Every built-in role can read every workspace module (list nodes, versions, instances, logs); a
user who is not a member reads nothing (engine.api checks membership on every module). The table
below lists the actions that change something or reach data.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.errors import MaxworksError, PermissionDenied

# role code -> label, in the order DataWorks lists them.
ROLES: dict[str, str] = {
    "owner": "Owner",
    "admin": "Admin",
    "developer": "Developer",
    "ops": "O&M",
    "deployer": "Deployer",
    "visitor": "Visitor",
    "security": "Security admin",
    "analyst": "Data analyst",
}

# DataWorks role codes (GetProjectRole), for reference in messages and exports.
ROLE_CODES: dict[str, str] = {
    "owner": "role_project_owner",
    "admin": "role_project_admin",
    "developer": "role_project_dev",
    "ops": "role_project_pe",
    "deployer": "role_project_deploy",
    "visitor": "role_project_guest",
    "security": "role_project_security",
    "analyst": "role_project_data_analyst",
}

# action -> what it is (shown in refusals and `maxworks members --help`).
ACTIONS: dict[str, str] = {
    "studio.read": "view nodes, code, versions and diffs",
    "studio.edit": "create and edit nodes in DataStudio",
    "studio.commit": "commit nodes",
    "studio.run": "run the working copy (DataStudio Run / test run against dev)",
    "deploy": "deploy committed nodes to production",
    "ops.read": "view instances, logs and DAGs in Operation Center",
    "ops.rerun": "rerun instances",
    "ops.kill": "stop instances",
    "ops.set_success": "set instances successful",
    "ops.freeze": "freeze and unfreeze instances and nodes",
    "ops.remove_upstream": "remove upstream dependencies of an instance",
    "ops.backfill": "backfill data",
    "ops.test_run": "run smoke tests of deployed nodes",
    "ops.lifecycle": "reclaim partitions and tables past their lifecycle",
    "scheduler.lead": "run the scheduler (lead: run every due production instance)",
    "sql.query": "query development tables",
    "sql.write_dev": "write and create tables in the development project",
    "sql.prod": "read and write production tables without a grant",
    "sql.prod_ddl": "create, drop and alter production tables",
    "security.request": "request permissions on tables",
    "security.approve": "approve or reject permission requests",
    "security.grant": "revoke and renew other users' grants",
    "security.members": "add and remove members and assign roles",
    "security.owner": "make or remove workspace owners",
    "security.classify": "classify columns and run data classification",
    "security.audit": "read and verify the audit log",
    "data.unmasked": "see sensitive columns unmasked",
}

_STUDIO = {"studio.read", "studio.edit", "studio.commit", "studio.run"}
_OPS = {
    "ops.read", "ops.rerun", "ops.kill", "ops.set_success", "ops.freeze",
    "ops.remove_upstream", "ops.backfill", "ops.test_run", "ops.lifecycle", "scheduler.lead",
}  # fmt: skip

# THE table: role -> allowed actions. Standard mode: only Owner and Admin reach production data
# without a grant (the Develop role maps to the development project only, §13.1).
MATRIX: dict[str, frozenset[str]] = {
    "owner": frozenset(ACTIONS),
    "admin": frozenset(ACTIONS) - {"security.owner", "data.unmasked"},
    "developer": frozenset(
        _STUDIO | {"ops.read", "sql.query", "sql.write_dev", "security.request"}
    ),
    "ops": frozenset(
        _OPS | {"studio.read", "deploy", "sql.query", "sql.write_dev", "security.request"}
    ),
    "deployer": frozenset(
        {"studio.read", "deploy", "ops.read", "sql.query", "sql.write_dev", "security.request"}
    ),
    "visitor": frozenset({"studio.read", "ops.read"}),
    "security": frozenset({"studio.read", "ops.read", "security.classify", "security.audit"}),
    "analyst": frozenset({"sql.query", "security.request", "studio.read", "ops.read"}),
}


@dataclass(frozen=True)
class Principal:
    """Who acts: the name recorded everywhere, the OS user behind it, and the role it holds."""

    user: str
    role: str | None  # None: not a member of the workspace
    os_user: str

    @property
    def label(self) -> str:
        return ROLES.get(self.role or "", "not a member")


def parse_role(text: str) -> str:
    """A role from its code (`developer`), label (`Developer`, `O&M`) or DataWorks code."""
    key = text.strip().lower()
    for code, label in ROLES.items():
        if key in (code, label.lower(), ROLE_CODES[code]):
            return code
    aliases = {"dev": "developer", "o&m": "ops", "pe": "ops", "guest": "visitor", "deploy": "deployer",
               "security admin": "security", "security_admin": "security", "data analyst": "analyst",
               "data_analyst": "analyst"}  # fmt: skip
    if key in aliases:
        return aliases[key]
    raise MaxworksError(f"unknown role {text!r}", hint=f"roles: {', '.join(ROLES)}")


def allows(role: str | None, action: str) -> bool:
    if action not in ACTIONS:
        raise KeyError(action)  # a programming error: every action is in the table
    return role is not None and action in MATRIX.get(role, frozenset())


def roles_allowing(action: str) -> list[str]:
    return [ROLES[r] for r in ROLES if action in MATRIX[r]]


def require(principal: Principal, action: str, what: str | None = None) -> None:
    """Refuse unless the principal's role allows ``action``; the error names the user, the role
    and the roles that would allow it."""
    if allows(principal.role, action):
        return
    raise PermissionDenied(
        f"{principal.user} ({principal.label}) may not {what or ACTIONS[action]}",
        user=principal.user,
        role=principal.role,
        action=action,
        hint=_hint(principal, action),
    )


def _hint(principal: Principal, action: str) -> str:
    allowed = ", ".join(roles_allowing(action))
    if principal.role is None:
        return f"ask a workspace admin: `maxworks members add {principal.user} --role ROLE` ({action} needs one of: {allowed})"
    return f"{action} needs one of the roles: {allowed}; a workspace admin can change yours with `maxworks members role {principal.user} ROLE`"
