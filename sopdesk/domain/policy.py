"""Who may do what: the one permission table every route and every check_* function asks.

Each permission names who holds it (`Grant`) and the object-level check that follows it
(`Check`); the checks themselves live where the object is known (`domain.access` for a case's
level, `engine.playbook_views.may_approve` for a named approver, the partner engine for a
shop's task). Every web route declares the permission it needs (`sopdesk.web.permissions`);
the route walk in tests/web/test_permission_matrix.py is generated from this table.

Pure: a principal in, a yes or no out.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sopdesk.domain.cases import ActorKind, Role
from sopdesk.domain.principal import Principal


class Grant(StrEnum):
    """Who holds a permission (before any object-level check)."""

    ANYONE = "anyone"  # no sign-in: the help centre, the bot, the contact form
    LINK = "link holder"  # whoever holds the signed link in the address (the customer's case)
    PARTNER = "partner user"  # signed in to the partner portal
    AGENT = "agent"  # every active agent, any level
    LEVEL_2 = "agent level 2+"
    LEAD = "lead"
    APPROVER = "approver"
    ADMIN = "admin"


class Check(StrEnum):
    """The object-level check a permission is followed by, and where it is decided."""

    CASE_LEVEL = "case level"  # domain.access.decide_case_access: a level the agent sees
    OWN_SHOP = "own shop"  # engine.partner_tasks: the task is for the user's shop
    NAMED_APPROVER = "named approver"  # engine.playbook_views.may_approve: that person
    OWN = "own"  # the caller's own token or saved view (admins: any token)
    SIGNED_LINK = "signed link"  # the link's signature names the case, invitation or address


CHECK_WHERE = {
    Check.CASE_LEVEL: "the case's level is one the agent sees (`decide_case_access`)",
    Check.OWN_SHOP: "the task is for the partner user's own shop",
    Check.NAMED_APPROVER: "an approval naming a person is theirs (or a delegate's) to decide",
    Check.OWN: "one's own token or saved view (admins: any token)",
    Check.SIGNED_LINK: "the signed link in the address is valid and not revoked",
}


@dataclass(frozen=True)
class Permission:
    name: str
    summary: str
    grants: frozenset[Grant]
    checks: tuple[Check, ...] = ()

    @property
    def public(self) -> bool:
        """Needs no sign-in (a signed link may still be checked)."""
        return bool(self.grants & {Grant.ANYONE, Grant.LINK})


def _p(name: str, summary: str, grants: set[Grant], *checks: Check) -> Permission:
    return Permission(name, summary, frozenset(grants), checks)


AGENTS = {Grant.AGENT}
LEADS = {Grant.LEAD, Grant.ADMIN}
ADMINS = {Grant.ADMIN}
CASE = Check.CASE_LEVEL
ANY = {Grant.ANYONE}
LINK = Check.SIGNED_LINK
APPROVERS = {Grant.APPROVER, Grant.ADMIN}

PERMISSIONS: dict[str, Permission] = {
    p.name: p
    for p in (
        _p("public", "sign-in, help centre, status page, contact form", ANY),
        _p("bot.ask", "ask the support bot and chat with the desk", ANY),
        _p("links.follow", "open a signed link (invitation, subscription)", ANY, LINK),
        _p("customer.case", "the customer's own case behind their link", {Grant.LINK}, LINK),
        _p("partner.tasks", "see and answer the shop's tasks", {Grant.PARTNER}, Check.OWN_SHOP),
        _p("cases.create", "open a case for a customer", AGENTS),
        _p("cases.read", "read cases, their timeline, runs, drafts, files and proof", AGENTS, CASE),
        _p("cases.reply", "reply, note and send or discard drafts", AGENTS, CASE),
        _p("cases.change", "change fields, items, level, links; move cards", AGENTS, CASE),
        _p("playbooks.run", "start and stop runs, tick steps, send events", AGENTS, CASE),
        _p("approvals.decide", "approvals: decide", APPROVERS, CASE, Check.NAMED_APPROVER),
        _p("customers.read", "read customers, their record and search", AGENTS),
        _p("customers.manage", "add, merge, unlink customers; export their data", AGENTS),
        _p("customers.erase", "erase a customer (cannot be undone)", ADMINS),
        _p("orders.read", "read orders and the taxonomy", AGENTS),
        _p("orders.import", "create or update orders", ADMINS),
        _p("tokens.own", "create, list and revoke API tokens", AGENTS, Check.OWN),
        _p("views.own", "save and delete one's queue views", AGENTS, Check.OWN),
        _p("agents.read", "list the agents", {Grant.LEAD, Grant.APPROVER, Grant.ADMIN}),
        _p("agents.manage", "add agents, change their level, roles, password, status", ADMINS),
        _p("partners.manage", "add partners and their users, deactivate users", ADMINS),
        _p("reports.read", "reports and trend callouts", {Grant.LEVEL_2, *LEADS}),
        _p("compliance.read", "proof of compliance over a period", LEADS),
        _p("status.read", "the status page as JSON for agents", AGENTS),
        _p("status.manage", "open, update, resolve incidents; schedule maintenance", LEADS),
        _p("status.link", "link a case to an incident", AGENTS, CASE),
        _p("desk.admin", "desk files, the outbox, the demo mailbox, mail intake", ADMINS),
    )
}  # fmt: skip


def permission(name: str) -> Permission:
    """The named permission; an unknown name is a programming error, refused loudly."""
    try:
        return PERMISSIONS[name]
    except KeyError:
        raise KeyError(f"no permission named {name!r} in sopdesk.domain.policy") from None


def holds(grant: Grant, principal: Principal | None) -> bool:
    """Whether the principal (None: nobody signed in) holds the grant."""
    if grant in (Grant.ANYONE, Grant.LINK):
        return True
    if principal is None:
        return False
    if principal.kind is ActorKind.SYSTEM:
        return True
    if grant is Grant.PARTNER:
        return principal.kind is ActorKind.PARTNER
    if principal.kind is not ActorKind.AGENT:
        return False
    if grant is Grant.AGENT:
        return True
    if grant is Grant.LEVEL_2:
        return principal.level >= 2
    return Role(grant.value) in principal.roles


def allows(name: str, principal: Principal | None) -> bool:
    """Whether the principal holds the permission; the object-level checks come after."""
    return any(holds(grant, principal) for grant in permission(name).grants)


def refusal(name: str) -> str:
    """The sentence a refused principal reads."""
    found = permission(name)
    who = " or ".join(sorted(g.value for g in found.grants))
    return f"this needs the permission '{found.name}' ({found.summary}): {who}"


def markdown_table() -> str:
    """The policy as the markdown table docs/security.md shows (a test keeps them equal)."""
    grants = list(Grant)
    head = "| permission | what | " + " | ".join(g.value for g in grants) + " | then checked |"
    rule = "|---|---|" + "---|" * len(grants) + "---|"
    rows = [head, rule]
    for found in PERMISSIONS.values():
        marks = ["yes" if g in found.grants else "" for g in grants]
        checks = "; ".join(CHECK_WHERE[c] for c in found.checks) or "-"
        what = f"| `{found.name}` | {found.summary} | "
        rows.append(what + " | ".join(marks) + f" | {checks} |")
    return "\n".join(rows) + "\n"
