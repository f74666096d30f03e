"""Every route of the app (API and console) with every seat of the matrix, generated from the
policy: a route without a declared permission fails, and each (route, seat) must get the outcome
sopdesk.domain.policy gives it, through real requests with real sessions and tokens.

One app per database and target level: the level-1 walk shows every agent through, the level-3
walk shows the case-level check refusing levels 1 and 2 (and the approvers of level 2).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from sopdesk.domain.links import make_link_token
from sopdesk.domain.playbooks import events as ev
from sopdesk.domain.policy import Grant, Permission
from sopdesk.domain.principal import Principal
from sopdesk.engine.accounts import CreateAgent, do_create_agent, do_create_token
from sopdesk.engine.mailbox import keep_message
from sopdesk.engine.partner_tasks import list_partner_tasks
from sopdesk.engine.partner_users import (
    CreatePartner,
    CreatePartnerUser,
    check_create_partner,
    check_create_partner_user,
    do_create_partner,
    do_create_partner_user,
)
from sopdesk.engine.playbooks import do_send_event, list_case_runs
from sopdesk.runtime import Runtime
from sopdesk.store.models import Customer, CustomerLink
from sopdesk.web.app import create_app
from sopdesk.web.permissions import route_permissions
from tests.engine.test_partner_tasks import PASSWORD as SHOP_PASSWORD
from tests.engine.test_partner_tasks import make_shop
from tests.ui.conftest import csrf_of
from tests.web.permission_walk import SEATS, Door, Kind, Outcome, Seat, Target, door_of, expected
from tests.web.permission_walk import matches as outcome_matches

SYSTEM = Principal.system()
PASSWORD = "walk password 1"
RAW_MAIL = (
    b"From: Walk Test <walk@example.com>\r\nTo: support@example.com\r\n"
    b"Subject: Where is my parcel?\r\nMessage-ID: <walk@example.com>\r\n\r\nHello\r\n"
)


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


def test_every_route_declares_a_permission(runtime: Runtime) -> None:
    app = create_app(runtime)
    missing = [f"{sorted(r.methods)} {r.path}" for r in routes_of(app) if r.permission is None]
    assert len(routes_of(app)) > 100
    assert missing == [], "declare a permission: dependencies=[needs(...)] / [page_needs(...)]"


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0\0\0\0"))
    )


@dataclass
class World:
    """What the walk aims at (ids by path parameter) and the seats' browsers."""

    runtime: Runtime
    level: int
    ids: dict[str, Any]
    clients: dict[str, TestClient]
    tokens: dict[str, dict[str, str]]
    agent_ids: dict[str, int]
    csrf: dict[str, str] = field(default_factory=dict)


def _admin_api(
    client: TestClient, headers: dict[str, str], method: str, path: str, **kw: Any
) -> Any:
    response = client.request(method, path, headers=headers, **kw)
    assert response.status_code < 400, (method, path, response.text[:300])
    return response.json()


def _build(runtime: Runtime, app: FastAPI, level: int) -> World:
    clients: dict[str, TestClient] = {}
    tokens: dict[str, dict[str, str]] = {}
    agent_ids: dict[str, int] = {}
    for seat in SEATS:
        if seat.kind is Kind.AGENT:
            agent = do_create_agent(
                runtime.db,
                runtime.clock,
                CreateAgent(
                    email=seat.email,
                    name=seat.name.title(),
                    level=seat.level,
                    roles=sorted(seat.roles),
                    password=PASSWORD,
                ),
            )
            agent_ids[seat.name] = agent.id
            secret = do_create_token(runtime.db, runtime.clock, agent.id, "walk").token
            tokens[seat.name] = {"Authorization": f"Bearer {secret}"}
    do_create_agent(
        runtime.db,
        runtime.clock,
        CreateAgent(email="walker@example.com", name="Walker", password=PASSWORD),
    )
    spare_agent = do_create_agent(
        runtime.db, runtime.clock, CreateAgent(email="spare@example.com", name="Spare")
    )
    own, other = make_shop(runtime, "own", "Own Shop"), make_shop(runtime, "other", "Other Shop")
    spare_user = CreatePartnerUser(partner="other", email="spare@other.example", password=PASSWORD)
    spare = do_create_partner_user(
        runtime.db,
        runtime.clock,
        check_create_partner_user(runtime.db, SYSTEM, spare_user),
        spare_user,
    )
    walk_shop = CreatePartner(slug="walk-shop", name="Walk Shop")
    check_create_partner(runtime.db, SYSTEM, walk_shop)
    do_create_partner(runtime.db, runtime.clock.now(), walk_shop)
    task = list_partner_tasks(runtime.db, runtime.clock, own.principal)[0].id
    assert other.case_id

    setup = TestClient(app, follow_redirects=False)
    admin = tokens["admin"]
    base = {"customer_email": "c@example.com", "subject": "s", "body": "b"}
    case = _admin_api(setup, admin, "POST", "/api/v1/cases", json=base)
    pop = {**base, "customer_email": "t@example.com", "category": "proof-of-purchase-hold"}
    approval_case = _admin_api(setup, admin, "POST", "/api/v1/cases", json=pop)
    for made in (case, approval_case):
        setup.post(
            f"/api/v1/cases/{made['id']}/escalate",
            json={"level": level, "reason": "the walk aims at this level"},
            headers=admin,
        )
        assert _admin_api(setup, admin, "GET", f"/api/v1/cases/{made['id']}")["level"] == level
    run = _admin_api(
        setup,
        admin,
        "POST",
        f"/api/v1/cases/{case['id']}/runs",
        json={"playbook": "critical-issue"},
    )
    draft = _admin_api(setup, admin, "GET", f"/api/v1/cases/{case['id']}/drafts")[0]["id"]
    (approval_run,) = list_case_runs(runtime.db, SYSTEM, approval_case["id"])
    tick = ev.Ticked(item="all", values={"v_number": "V-1", "s_number": "S-2"})
    do_send_event(runtime.db, runtime.clock, runtime.desk, SYSTEM, approval_run.id, tick)
    secret = runtime.settings.resolved_secret_key()
    expires = runtime.clock.now() + timedelta(days=7)
    link = make_link_token(secret, case["id"], case["customer_id"], expires)
    approval_link = make_link_token(
        secret, approval_case["id"], approval_case["customer_id"], expires
    )
    form = csrf_of(setup.get(f"/my/case/{approval_link}").text)
    sent = setup.post(
        f"/my/case/{approval_link}/reply",
        data={"body": "My receipt.", "csrf_token": form},
        files={"document": ("receipt.png", _png(), "image/png")},
    )
    assert sent.status_code == 303, sent.text
    approval_run_now = list_case_runs(runtime.db, SYSTEM, approval_case["id"])[0]
    assert approval_run_now.step == "ask-approval", approval_run_now
    attachment = _attachment_of(runtime, approval_case["id"])
    order = {"external_ref": "R-1", "placed_at": "2026-11-01T00:00:00Z"}
    _admin_api(setup, admin, "PUT", "/api/v1/orders", json={"orders": [order]})
    incident = _admin_api(
        setup,
        admin,
        "POST",
        "/api/v1/status/incidents",
        json={"title": "t", "body": "b", "components": {"api": "degraded"}},
    )["id"]
    spare_ids = [
        _admin_api(
            setup, admin, "POST", "/api/v1/customers", json={"email": f"spare{n}@example.com"}
        )["id"]
        for n in range(5)
    ]
    merge = _admin_api(
        setup,
        admin,
        "POST",
        f"/api/v1/customers/{spare_ids[0]}/merge",
        json={"other_id": spare_ids[1], "reason": "walk"},
    )["history"][0]["id"]
    with runtime.db.transaction() as session:
        session.add(
            CustomerLink(
                customer_id=case["customer_id"],
                linked_id=spare_ids[2],
                reason="walk",
                created_at=runtime.clock.now(),
            )
        )
    keep_message(
        runtime.db,
        runtime.clock.now(),
        key="<walk@desk.example>",
        kind="email",
        case_id=case["id"],
        recipient="c@example.com",
        subject="walk",
        body="b",
    )
    chat = setup.post("/api/v1/bot/conversations", json={"email": "walk@example.com"}).json()
    article = next(s for s, a in runtime.desk.articles.items() if a.audience == "public")
    setup.close()

    for seat in SEATS:
        client = TestClient(app, follow_redirects=False)
        client.__enter__()
        if seat.kind is Kind.AGENT:
            _sign_in(client, "/login", seat.email, PASSWORD)
        elif seat.kind is Kind.PARTNER:
            email = "shop@own.example" if seat.own_shop else "shop@other.example"
            _sign_in(client, "/partner/login", email, SHOP_PASSWORD)
        clients[seat.name] = client
    ids = {
        "case_id": case["id"],
        "run_id": run["id"],
        "approval_run_id": approval_run.id,
        "draft_id": draft,
        "attachment_id": attachment,
        "customer_id": case["customer_id"],
        "erasable": spare_ids[3],
        "erasable_console": spare_ids[4],
        "other_customer": spare_ids[2],
        "merge_id": merge,
        "incident_id": incident,
        "message_id": 1,
        "outbox_id": 1,
        "agent_id": spare_agent.id,
        "user_id": spare.id,
        "task_id": task,
        "link": link,
        "chat": chat["token"],
        "article": article,
    }
    return World(runtime, level, ids, clients, tokens, agent_ids)


def _attachment_of(runtime: Runtime, case_id: int) -> int:
    from sqlalchemy import select

    from sopdesk.store.models import Attachment

    with runtime.db.transaction(write=False) as session:
        found = session.scalar(select(Attachment.id).where(Attachment.case_id == case_id))
    assert found is not None
    return found


def _sign_in(client: TestClient, page: str, email: str, password: str) -> None:
    token = csrf_of(client.get(page).text)
    done = client.post(page, data={"email": email, "password": password, "csrf_token": token})
    assert done.status_code == 303, done.text


BOGUS = "bogus.not-a-signed-link"


def _path(route: Route, world: World, seat: Seat) -> tuple[str, Target]:
    """The route's path with its parameters filled in, and what it is aimed at."""
    ids, path = world.ids, route.path
    target = Target()
    params = {
        "case_id": ids["case_id"],
        "run_id": ids["run_id"],
        "draft_id": ids["draft_id"],
        "attachment_id": ids["attachment_id"],
        "customer_id": ids["customer_id"],
        "merge_id": ids["merge_id"],
        "incident_id": ids["incident_id"],
        "message_id": ids["message_id"],
        "outbox_id": ids["outbox_id"],
        "agent_id": ids["agent_id"],
        "user_id": ids["user_id"],
        "task_id": ids["task_id"],
        "ref": "R-1",
        "name": "volume-category",
        "slug": "walk-shop" if path.startswith("/api/") else "own",
    }
    if path.startswith("/help/"):
        params["slug"] = ids["article"]
    if path.startswith("/approvals/"):
        params["run_id"] = ids["approval_run_id"]
        target = Target(case_level=world.level, named_approval=True)
    if path.endswith("/erase"):
        params["customer_id"] = ids["erasable" if path.startswith("/api/") else "erasable_console"]
    if "{token}" in path:
        if path.startswith("/api/v1/bot/"):
            params["token"] = ids["chat"]
        elif path.startswith("/my/case/"):
            params["token"] = ids["link"] if seat.kind is Kind.LINK else BOGUS
        else:
            params["token"] = BOGUS
    if "{token_id}" in path:
        fresh = world.clients[seat.name].post(
            "/api/v1/tokens", json={}, headers=world.tokens.get(seat.name, {})
        )
        params["token_id"] = fresh.json()["token"]["id"] if fresh.status_code == 201 else 1
    if "{view_id}" in path:
        params["view_id"] = _fresh_view(world, seat)
    if path.endswith("/unlink"):
        ids["other_customer"] = _fresh_link(world)
    if any(f"{{{p}}}" in path for p in ("case_id", "run_id", "draft_id", "attachment_id")):
        target = Target(case_level=world.level, named_approval=target.named_approval)
    if "{task_id}" in path:
        target = Target(task=True)
    for name, value in params.items():
        path = path.replace(f"{{{name}}}", str(value))
    return path, target


def _fresh_link(world: World) -> int:
    """A new customer linked to the case's customer, for one seat to unlink."""
    runtime = world.runtime
    with runtime.db.transaction() as session:
        other = Customer(created_at=runtime.clock.now())
        session.add(other)
        session.flush()
        session.add(
            CustomerLink(
                customer_id=world.ids["customer_id"],
                linked_id=other.id,
                reason="walk",
                created_at=runtime.clock.now(),
            )
        )
        return other.id


def _fresh_view(world: World, seat: Seat) -> int:
    client = world.clients[seat.name]
    if seat.kind is not Kind.AGENT:
        return 1
    page = client.get("/").text
    if "csrf_token" not in page:
        return 1
    token = csrf_of(page)
    client.post("/views", data={"name": "to delete", "query": "view=all", "csrf_token": token})
    return int(client.get("/").text.split("/views/")[1].split("/delete")[0])


def _api_body(method: str, path: str, world: World, seat: Seat) -> Any:
    ids = world.ids
    who = seat.name
    bodies: dict[tuple[str, str], Any] = {
        ("POST", "/api/v1/cases"): {
            "customer_email": f"{who}@c.example",
            "subject": "s",
            "body": "b",
        },
        ("PATCH", "/api/v1/cases/{case_id}"): {"priority": "high"},
        ("POST", "/api/v1/cases/{case_id}/messages"): {"kind": "note", "body": "n"},
        ("PUT", "/api/v1/cases/{case_id}/items"): {"item_ids": []},
        ("POST", "/api/v1/cases/{case_id}/escalate"): {"level": world.level, "reason": "r"},
        ("POST", "/api/v1/cases/{case_id}/customer-links/revoke"): {},
        ("POST", "/api/v1/customers"): {"email": f"new-{who}@example.com"},
        ("POST", "/api/v1/customers/{customer_id}/unlink"): {
            "other_id": ids["other_customer"],
            "reason": "r",
        },
        ("POST", "/api/v1/customers/{customer_id}/merge"): {
            "other_id": ids["customer_id"],
            "reason": "r",
        },
        ("PUT", "/api/v1/orders"): {
            "orders": [{"external_ref": "R-1", "placed_at": "2026-11-01T00:00:00Z", "items": []}]
        },
        ("POST", "/api/v1/agents"): {"email": f"n-{who}@example.com", "name": "N"},
        ("PATCH", "/api/v1/agents/{agent_id}"): {"name": "Agent-1"},
        ("POST", "/api/v1/tokens"): {},
        ("POST", "/api/v1/partners"): {"slug": f"walk-{who}", "name": "Walk"},
        ("POST", "/api/v1/partners/{slug}/users"): {"email": f"{who}@walk.example"},
        ("PATCH", "/api/v1/partners/users/{user_id}"): {"active": True},
        ("POST", "/api/v1/cases/{case_id}/runs"): {"playbook": "lost-stolen-package"},
        ("POST", "/api/v1/runs/{run_id}/events"): {"type": "tick", "item": 0},
        ("POST", "/api/v1/runs/{run_id}/stop"): {"reason": "done"},
        ("POST", "/api/v1/drafts/{draft_id}"): {"action": "discard", "reason": "phoned"},
        ("POST", "/api/v1/status/incidents"): {
            "title": "t",
            "body": "b",
            "components": {"api": "degraded"},
        },
        ("POST", "/api/v1/status/incidents/{incident_id}/updates"): {
            "phase": "identified",
            "body": "b",
        },
        ("POST", "/api/v1/status/incidents/{incident_id}/cases"): {"case_id": ids["case_id"]},
        ("POST", "/api/v1/status/incidents/{incident_id}/resolve"): {"body": "b"},
        ("POST", "/api/v1/status/maintenance"): {
            "title": "m",
            "starts_at": "2026-12-01T00:00:00Z",
            "ends_at": "2026-12-01T01:00:00Z",
            "components": ["api"],
        },
        ("POST", "/api/v1/bot/ask"): {"question": "How does support work?"},
        ("POST", "/api/v1/bot/feedback"): {"article": "how-support-works", "helpful": True},
        ("POST", "/api/v1/bot/conversations"): {},
        ("POST", "/api/v1/bot/conversations/{token}/messages"): {"text": "How does support work?"},
        ("POST", "/api/v1/bot/conversations/{token}/feedback"): {"helpful": True},
        ("POST", "/api/v1/bot/conversations/{token}/handoff"): {"email": "walk@example.com"},
    }
    return bodies.get((method, path))


def _form(method: str, path: str, world: World, seat: Seat) -> dict[str, str]:
    who, ids = seat.name, world.ids
    forms: dict[str, dict[str, str]] = {
        "/login": {"email": "walker@example.com", "password": PASSWORD},
        "/partner/login": {"email": "spare@other.example", "password": PASSWORD},
        "/cases/{case_id}/messages": {"kind": "note", "body": "walk"},
        "/customers/{customer_id}/unlink": {"other_id": str(ids["other_customer"]), "reason": "w"},
        "/cases/{case_id}/escalate": {"level": str(world.level), "reason": "walk"},
        "/cases/{case_id}/fields": {"priority": "high"},
        "/cases/{case_id}/drafts/{draft_id}": {"action": "discard", "reason": "walk"},
        "/cases/{case_id}/runs": {"playbook": "lost-stolen-package"},
        "/runs/{run_id}/act": {"action": "tick", "item": "0"},
        "/approvals/{run_id}": {"decision": "approve"},
        "/cases/bulk": {"action": "assign_me", "case": str(ids["case_id"])},
        "/board/move": {"case": str(ids["case_id"]), "column": "inbox"},
        "/views": {"name": f"{who}'s view", "query": "view=all"},
        "/admin/partners/{slug}/invite": {"email": f"{who}@own.example"},
        "/admin/partners/users/{user_id}/active": {"active": "yes"},
        "/my/case/{token}/reply": {"body": "walk"},
        "/help/{slug}/feedback": {"helpful": "yes"},
        "/status/subscribe": {"email": f"{who}@sub.example"},
    }
    return forms.get(path, {})


# Routes whose effect changes who the seat is (sign-in, sign-out), or ends what later routes aim
# at (the customer's links): walked last.
LAST = ("/customer-links/revoke", "/login", "/logout")


def _order(route: Route) -> tuple[int, str]:
    return (1 if route.path.endswith(LAST) else 0, route.path)


def _request(
    world: World, route: Route, method: str, seat: Seat
) -> tuple[str, Target, int, str, str]:
    client = world.clients[seat.name]
    path, target = _path(route, world, seat)
    if route.path.startswith("/api/"):
        headers = world.tokens.get(seat.name, {})
        if route.path == "/api/v1/inbound/email":
            response = client.request(method, path, content=RAW_MAIL, headers=headers)
        else:
            body = _api_body(method, route.path, world, seat)
            response = client.request(method, path, json=body, headers=headers)
    elif method == "GET":
        response = client.get(path)
    else:
        if seat.name not in world.csrf or route.path.endswith(LAST):
            world.csrf[seat.name] = csrf_of(client.get("/contact").text)
        data = {**_form(method, route.path, world, seat), "csrf_token": world.csrf[seat.name]}
        response = client.request(method, path, data=data)
    location = response.headers.get("location", "")
    return path, target, response.status_code, location, response.text[:160]


@pytest.fixture
def app(runtime: Runtime) -> Iterator[FastAPI]:
    yield create_app(runtime)


@pytest.mark.parametrize("level", [1, 3])
def test_every_route_with_every_seat_gets_what_the_policy_says(
    runtime: Runtime, app: FastAPI, level: int
) -> None:
    world = _build(runtime, app, level)
    failures: list[str] = []
    walked = 0
    try:
        for route in sorted(routes_of(app), key=_order):
            found = route.permission
            assert found is not None, route.path
            if level != 1 and _path_target(route, world)[1].case_level is None:
                continue  # the same in every walk: the level-1 walk has it
            for method in sorted(route.methods):
                failures += _walk_route(world, route, method, found)
                walked += 1
    finally:
        for client in world.clients.values():
            client.__exit__(None, None, None)
    assert walked > (130 if level == 1 else 30)
    assert failures == [], "\n".join(failures)


def _walk_route(world: World, route: Route, method: str, found: Permission) -> list[str]:
    """Every seat on one route: the refused ones first, so an allowed change (an approval
    decided, a case moved) cannot change what the refused ones meet."""
    door = door_of(found, route.path)
    _, aim = _path_target(route, world)
    plans = [(expected(found, seat, door, aim) is Outcome.ALLOWED, seat) for seat in SEATS]
    failures = []
    for _, seat in sorted(plans, key=lambda p: p[0]):
        path, target, status, location, text = _request(world, route, method, seat)
        want = expected(found, seat, door, target)
        if not outcome_matches(want, door, status, location, public=found.public):
            failures.append(
                f"{seat.name:>18} {method} {path} [{found.name}]: want {want}, got {status}"
                f" {location} {text!r}"
            )
    return failures


def _path_target(route: Route, world: World) -> tuple[str, Target]:
    """The target only (no side effects): a seat that creates nothing."""
    anonymous = SEATS[0]
    path = route.path
    if "{token_id}" in path or "{view_id}" in path:
        return path, Target()
    return _path(route, world, anonymous)


def test_the_seats_cover_the_matrix() -> None:
    names = {s.name for s in SEATS}
    assert {"anonymous", "customer-link", "partner-own-shop", "partner-other-shop"} <= names
    assert {
        "agent-1",
        "agent-2",
        "agent-3",
        "agent-4",
        "lead",
        "approver",
        "named-approver",
    } <= names
    assert "admin" in names and Door.API.value == "api"


def test_admin_pages_and_erasure_need_a_permission_only_admins_or_leads_hold(
    runtime: Runtime,
) -> None:
    """The walk checks each route against the permission it declares; this pins the
    declarations that matter most, so a sensitive route cannot declare a weaker one."""
    strong = {Grant.ADMIN, Grant.LEAD}
    pinned = 0
    for _, path, found in route_permissions(create_app(runtime)):
        sensitive = path.startswith(("/admin", "/mailbox")) or path.endswith("/erase")
        sensitive = sensitive or path in ("/api/v1/inbound/email", "/api/v1/orders")
        if sensitive and found is not None and found.name != "orders.read":
            assert found.grants <= strong, (path, found.name)
            pinned += 1
    assert pinned > 15
