"""The demo's sign-in accounts: staff of levels 1-4, the desk's named approvers, one user per
partner shop, all with the demo password; and which of them still sign in with it.

Built only through the accounts and partner-user services; loading them twice adds nothing.
"""

from __future__ import annotations

from sqlalchemy import select

from sopdesk.demo.texts import PARTNERS
from sopdesk.domain.cases import Role
from sopdesk.domain.clock import Clock
from sopdesk.domain.desk import Desk
from sopdesk.domain.principal import Principal
from sopdesk.engine.accounts import (
    CreateAgent,
    check_create_agent,
    do_create_agent,
    verify_password,
)
from sopdesk.engine.partner_users import (
    CreatePartnerUser,
    check_create_partner_user,
    do_create_partner_user,
)
from sopdesk.errors import Conflict
from sopdesk.store.db import Database
from sopdesk.store.models import Agent, PartnerUser

DEMO_PASSWORD = "sopdesk-demo"  # printed by `sopdesk demo`; the demo is for a laptop, not prod

# email, name, level, roles
AGENTS: list[tuple[str, str, int, list[Role]]] = [
    ("admin@sopdesk.local", "Ada Admin", 4, [Role.ADMIN, Role.LEAD]),
    ("lead@sopdesk.local", "Leo Lead", 2, [Role.LEAD]),
    ("approver@sopdesk.local", "Ava Approver", 3, [Role.APPROVER]),
    ("callcare1@sopdesk.local", "Cal Care", 1, [Role.AGENT]),
    ("callcare2@sopdesk.local", "Cora Care", 1, [Role.AGENT]),
    ("escalations@sopdesk.local", "Eli Escalations", 3, [Role.AGENT]),
    ("leadership@sopdesk.local", "Lena Leadership", 4, [Role.AGENT, Role.APPROVER]),
]

# (e-mail, password, level or 0 for a partner user, roles or "partner: <shop>")
Credential = tuple[str, str, int, str]


def named_approvers(desk: Desk) -> list[tuple[str, str, int, list[Role]]]:
    """The desk's named approvers (seed 001's Arvin) as agents, so their approvals can be given."""
    approvers = desk.approvers
    return [(a.email, a.name, 2, [Role.APPROVER]) for a in approvers.values() if a.email]


def partner_user_email(slug: str) -> str:
    return f"shop@{slug}.example"


def load_agents(db: Database, clock: Clock, desk: Desk, credentials: list[Credential]) -> int:
    """The demo staff; appends each sign-in to `credentials`. Returns how many were new."""
    system = Principal.system()
    created = 0
    for email, name, level, roles in [*AGENTS, *named_approvers(desk)]:
        # The demo addresses use the reserved .local domain on purpose (they can never be a
        # real mailbox), which e-mail validation refuses; every other field is validated.
        command = CreateAgent(
            email="placeholder@example.com",
            name=name,
            level=level,
            roles=roles,
            password=DEMO_PASSWORD,
        ).model_copy(update={"email": email})
        credentials.append((email, DEMO_PASSWORD, level, ", ".join(r.value for r in roles)))
        try:
            check_create_agent(db, system, command)
        except Conflict:
            continue
        do_create_agent(db, clock, command)
        created += 1
    return created


def load_partner_users(db: Database, clock: Clock, credentials: list[Credential]) -> None:
    """One partner-portal user per demo shop, `shop@<slug>.example` (see docs/console.md)."""
    system = Principal.system()
    for slug, name, _email, _country in PARTNERS:
        command = CreatePartnerUser(
            partner=slug,
            email=partner_user_email(slug),
            name=f"{name} staff",
            password=DEMO_PASSWORD,
        )
        credentials.append((command.email, DEMO_PASSWORD, 0, f"partner: {name}"))
        try:
            partner_id = check_create_partner_user(db, system, command)
        except Conflict:
            continue
        do_create_partner_user(db, clock, partner_id, command)


def demo_sign_in(db: Database, desk: Desk) -> list[Credential]:
    """The demo accounts that still exist, are active and still take the demo password (an
    account whose password was changed is not printed), staff first, then partner users."""
    everyone = [*AGENTS, *named_approvers(desk)]
    staff = {email: ", ".join(r.value for r in roles) for email, _, _, roles in everyone}
    shops = {partner_user_email(slug): f"partner: {name}" for slug, name, _, _ in PARTNERS}
    found: list[Credential] = []
    with db.transaction(write=False) as session:
        agents = session.scalars(select(Agent).where(Agent.email.in_(list(staff))))
        hashes = {a.email: (a.password_hash, a.active, a.level) for a in agents}
        users = session.scalars(select(PartnerUser).where(PartnerUser.email.in_(list(shops))))
        shop_hashes = {u.email: (u.password_hash, u.active) for u in users}
    for email, roles in staff.items():
        if email in hashes:
            password_hash, active, now_level = hashes[email]
            if active and verify_password(password_hash, DEMO_PASSWORD):
                found.append((email, DEMO_PASSWORD, now_level, roles))
    for email, label in shops.items():
        if email in shop_hashes:
            password_hash, active = shop_hashes[email]
            if active and verify_password(password_hash, DEMO_PASSWORD):
                found.append((email, DEMO_PASSWORD, 0, label))
    return found
