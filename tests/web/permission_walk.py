"""The permission walk's world: the seats of the matrix (who asks), what each route is aimed at,
and the outcome each (route, seat) must get, read from sopdesk.domain.policy.

Nothing here says who may do what: `expected` reads the policy's grants and checks, and the
facts of the objects the walk aims at (the case's level, the task's shop, the named approver).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from sopdesk.domain.cases import ActorKind, Role, can_see_level
from sopdesk.domain.policy import Check, Grant, Permission, allows
from sopdesk.domain.principal import Principal
from sopdesk.web.permissions import route_permissions


class Kind(StrEnum):
    ANONYMOUS = "anonymous"
    LINK = "customer link"
    PARTNER = "partner"
    AGENT = "agent"


@dataclass(frozen=True)
class Seat:
    """One column of the matrix: who is asking, with what."""

    name: str
    kind: Kind
    level: int = 0
    roles: frozenset[Role] = field(default_factory=frozenset)
    own_shop: bool = False  # a partner user of the shop the task is for
    email: str = ""

    def principal(self, agent_id: int = 0) -> Principal | None:
        if self.kind is Kind.AGENT:
            return Principal(ActorKind.AGENT, agent_id, self.level, self.roles)
        if self.kind is Kind.PARTNER:
            return Principal(ActorKind.PARTNER, 1)
        return None


def _agent(name: str, level: int, *roles: Role, email: str = "") -> Seat:
    held = frozenset(roles or (Role.AGENT,))
    return Seat(name, Kind.AGENT, level, held, email=email or f"{name}@example.com")


NAMED_APPROVER_EMAIL = "arvin@example.com"  # the starter desk's approver named by seed 001
SEATS = (
    Seat("anonymous", Kind.ANONYMOUS),
    Seat("customer-link", Kind.LINK),
    Seat("partner-own-shop", Kind.PARTNER, own_shop=True, email="shop@own.example"),
    Seat("partner-other-shop", Kind.PARTNER, email="shop@other.example"),
    _agent("agent-1", 1),
    _agent("agent-2", 2),
    _agent("agent-3", 3),
    _agent("agent-4", 4),
    _agent("lead", 2, Role.LEAD),
    _agent("approver", 2, Role.APPROVER),
    _agent("named-approver", 2, Role.APPROVER, email=NAMED_APPROVER_EMAIL),
    _agent("admin", 4, Role.ADMIN),
)


class Door(StrEnum):
    API = "api"  # a bearer token
    CONSOLE = "console"  # an agent's session
    PORTAL = "portal"  # a partner user's session


class Outcome(StrEnum):
    ALLOWED = "allowed"
    SIGN_IN = "sign in"  # the API: 401; a page: 303 to its sign-in page
    FORBIDDEN = "403"
    NOT_FOUND = "404"
    BAD_LINK = "link refused"  # 403 or 404: the signed link is not one this seat holds


@dataclass(frozen=True)
class Target:
    """The facts of what a route is aimed at, for the object-level checks."""

    case_level: int | None = None  # the route names a case (or its run, draft, file)
    task: bool = False  # the route names a partner task (of the own shop)
    named_approval: bool = False  # the route decides an approval that names a person


def door_of(permission: Permission, path: str) -> Door:
    if path.startswith("/api/"):
        return Door.API
    return Door.PORTAL if Grant.PARTNER in permission.grants else Door.CONSOLE


def expected(permission: Permission, seat: Seat, door: Door, target: Target) -> Outcome:
    """The outcome the policy gives this seat on a route with this permission and target."""
    if permission.public:
        if Check.SIGNED_LINK in permission.checks:
            holds_link = Grant.LINK in permission.grants and seat.kind is Kind.LINK
            return Outcome.ALLOWED if holds_link else Outcome.BAD_LINK
        return Outcome.ALLOWED
    signed_in = {Door.API: Kind.AGENT, Door.CONSOLE: Kind.AGENT, Door.PORTAL: Kind.PARTNER}
    if seat.kind is not signed_in[door]:
        if door is Door.PORTAL and seat.kind is Kind.AGENT:
            return Outcome.FORBIDDEN  # an agent's session does not open the portal
        return Outcome.SIGN_IN
    principal = seat.principal()
    if not allows(permission.name, principal):
        return Outcome.FORBIDDEN
    for check in permission.checks:
        level = target.case_level
        hidden = level is not None and not can_see_level(seat.level, seat.roles, level)
        if check is Check.CASE_LEVEL and hidden:
            return Outcome.FORBIDDEN
        if check is Check.OWN_SHOP and target.task and not seat.own_shop:
            return Outcome.NOT_FOUND
        named = check is Check.NAMED_APPROVER and target.named_approval
        if named and seat.email != NAMED_APPROVER_EMAIL:
            return Outcome.FORBIDDEN
    return Outcome.ALLOWED


def matches(outcome: Outcome, door: Door, status: int, location: str, *, public: bool) -> bool:
    """Whether a response is the outcome: refusals exactly, `allowed` as anything but one (a
    public page may send to a sign-in page: signing out does)."""
    at_sign_in = location.split("?")[0] in ("/login", "/partner/login")
    sign_in_page = status == 303 and at_sign_in and not public
    if outcome is Outcome.SIGN_IN:
        return status == 401 if door is Door.API else (status == 303 and at_sign_in)
    if outcome is Outcome.FORBIDDEN:
        return status == 403
    if outcome is Outcome.NOT_FOUND:
        return status == 404
    if outcome is Outcome.BAD_LINK:
        return status in (403, 404)
    return status not in (401, 403, 404) and status < 500 and not sign_in_page


@dataclass(frozen=True)
class Route:
    """One route of the app as mounted (its full path), with the permission it declares."""

    path: str
    methods: frozenset[str]
    permission: Permission | None


# Not FastAPI routes, so they declare nothing: FastAPI's own OpenAPI document and the static
# files (CSS, the HTMX script, the API docs' assets), public by nature.
UNDECLARED_PUBLIC = {"/openapi.json", "/static", "/docs-assets"}


def routes_of(app: FastAPI) -> list[Route]:
    others = [
        str(c.path)
        for c in iter_route_contexts(app.routes)
        if not isinstance(c.original_route, APIRoute)
    ]
    assert set(others) <= UNDECLARED_PUBLIC, "a route FastAPI does not know cannot declare"
    return [
        Route(path, frozenset(methods.split(", ")), found)
        for methods, path, found in route_permissions(app)
    ]
