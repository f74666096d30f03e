"""The permission policy on its own: who holds what, refusals that name the permission, and
names that do not exist failing loudly (a typo in a route's `needs` fails at import)."""

from __future__ import annotations

import pytest

from sopdesk.domain.cases import ActorKind, Role
from sopdesk.domain.policy import PERMISSIONS, Grant, allows, markdown_table, permission, refusal
from sopdesk.domain.principal import Principal


def agent(level: int, *roles: Role) -> Principal:
    return Principal(ActorKind.AGENT, 1, level, frozenset(roles or (Role.AGENT,)))


PARTNER = Principal(ActorKind.PARTNER, 7)


def test_each_grant_is_held_by_whom_it_says() -> None:
    assert allows("public", None) and allows("bot.ask", PARTNER)
    assert not allows("cases.read", None) and not allows("cases.read", PARTNER)
    assert allows("partner.tasks", PARTNER) and not allows("partner.tasks", agent(4, Role.ADMIN))
    assert allows("reports.read", agent(2)) and not allows("reports.read", agent(1))
    assert allows("reports.read", agent(1, Role.LEAD))
    assert allows("agents.read", agent(1, Role.APPROVER)) and not allows("agents.read", agent(4))
    assert not allows("desk.admin", agent(4, Role.LEAD)) and allows(
        "desk.admin", agent(1, Role.ADMIN)
    )
    assert not allows("status.manage", agent(2, Role.APPROVER))


def test_the_system_holds_every_permission() -> None:
    assert all(allows(name, Principal.system()) for name in PERMISSIONS)


def test_a_customer_principal_holds_no_staff_permission() -> None:
    customer = Principal(ActorKind.CUSTOMER, 3)
    staff = [n for n, p in PERMISSIONS.items() if not p.public and Grant.PARTNER not in p.grants]
    assert staff and not any(allows(name, customer) for name in staff)


def test_a_refusal_names_the_permission_and_who_holds_it() -> None:
    said = refusal("partners.manage")
    assert "'partners.manage'" in said and "admin" in said


def test_an_unknown_permission_is_a_loud_error() -> None:
    with pytest.raises(KeyError, match=r"no permission named 'cases\.raed'"):
        permission("cases.raed")
    with pytest.raises(KeyError):
        allows("cases.raed", None)


def test_the_markdown_table_has_a_row_per_permission() -> None:
    rows = markdown_table().strip().split("\n")
    assert len(rows) == 2 + len(PERMISSIONS)
    assert all(f"`{name}`" in markdown_table() for name in PERMISSIONS)
