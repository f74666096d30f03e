"""The permission walk's world: real agents, partner users, cases, runs, drafts, files and
links to aim every route at, and each route's path filled in for one seat (tests/web/
test_permission_matrix.py)."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from sopdesk.domain.links import make_link_token
from sopdesk.domain.playbooks import events as ev
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
from tests.engine.test_partner_tasks import PASSWORD as SHOP_PASSWORD
from tests.engine.test_partner_tasks import make_shop
from tests.ui.conftest import csrf_of
from tests.web.permission_walk import SEATS, Kind, Route, Seat, Target

SYSTEM = Principal.system()
PASSWORD = "walk password 1"
RAW_MAIL = (
    b"From: Walk Test <walk@example.com>\r\nTo: support@example.com\r\n"
    b"Subject: Where is my parcel?\r\nMessage-ID: <walk@example.com>\r\n\r\nHello\r\n"
)


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


def admin_api(
    client: TestClient, headers: dict[str, str], method: str, path: str, **kw: Any
) -> Any:
    response = client.request(method, path, headers=headers, **kw)
    assert response.status_code < 400, (method, path, response.text[:300])
    return response.json()


def build_world(runtime: Runtime, app: FastAPI, level: int) -> World:
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
    case = admin_api(setup, admin, "POST", "/api/v1/cases", json=base)
    pop = {**base, "customer_email": "t@example.com", "category": "proof-of-purchase-hold"}
    approval_case = admin_api(setup, admin, "POST", "/api/v1/cases", json=pop)
    for made in (case, approval_case):
        setup.post(
            f"/api/v1/cases/{made['id']}/escalate",
            json={"level": level, "reason": "the walk aims at this level"},
            headers=admin,
        )
        assert admin_api(setup, admin, "GET", f"/api/v1/cases/{made['id']}")["level"] == level
    run = admin_api(
        setup,
        admin,
        "POST",
        f"/api/v1/cases/{case['id']}/runs",
        json={"playbook": "critical-issue"},
    )
    draft = admin_api(setup, admin, "GET", f"/api/v1/cases/{case['id']}/drafts")[0]["id"]
    (approval_run,) = list_case_runs(runtime.db, SYSTEM, approval_case["id"])
    # The case has no order to read the V-number and S-number from: after the first
    # checklist the agent types them in the second.
    for tick in (
        ev.Ticked(item="all"),
        ev.Ticked(item="all", values={"v_number": "V-1", "s_number": "S-2"}),
    ):
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
    attachment = attachment_of(runtime, approval_case["id"])
    order = {"external_ref": "R-1", "placed_at": "2026-11-01T00:00:00Z"}
    admin_api(setup, admin, "PUT", "/api/v1/orders", json={"orders": [order]})
    incident = admin_api(
        setup,
        admin,
        "POST",
        "/api/v1/status/incidents",
        json={"title": "t", "body": "b", "components": {"api": "degraded"}},
    )["id"]
    spare_ids = [
        admin_api(
            setup, admin, "POST", "/api/v1/customers", json={"email": f"spare{n}@example.com"}
        )["id"]
        for n in range(5)
    ]
    merge = admin_api(
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
            sign_in_at(client, "/login", seat.email, PASSWORD)
        elif seat.kind is Kind.PARTNER:
            email = "shop@own.example" if seat.own_shop else "shop@other.example"
            sign_in_at(client, "/partner/login", email, SHOP_PASSWORD)
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


def attachment_of(runtime: Runtime, case_id: int) -> int:
    from sqlalchemy import select

    from sopdesk.store.models import Attachment

    with runtime.db.transaction(write=False) as session:
        found = session.scalar(select(Attachment.id).where(Attachment.case_id == case_id))
    assert found is not None
    return found


def sign_in_at(client: TestClient, page: str, email: str, password: str) -> None:
    token = csrf_of(client.get(page).text)
    done = client.post(page, data={"email": email, "password": password, "csrf_token": token})
    assert done.status_code == 303, done.text


BOGUS = "bogus.not-a-signed-link"


def aim_at(route: Route, world: World, seat: Seat) -> tuple[str, Target]:
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
        params["view_id"] = fresh_view(world, seat)
    if path.endswith("/unlink"):
        ids["other_customer"] = fresh_link(world)
    if any(f"{{{p}}}" in path for p in ("case_id", "run_id", "draft_id", "attachment_id")):
        target = Target(case_level=world.level, named_approval=target.named_approval)
    if "{task_id}" in path:
        target = Target(task=True)
    for name, value in params.items():
        path = path.replace(f"{{{name}}}", str(value))
    return path, target


def fresh_link(world: World) -> int:
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


def fresh_view(world: World, seat: Seat) -> int:
    client = world.clients[seat.name]
    if seat.kind is not Kind.AGENT:
        return 1
    page = client.get("/").text
    if "csrf_token" not in page:
        return 1
    token = csrf_of(page)
    client.post("/views", data={"name": "to delete", "query": "view=all", "csrf_token": token})
    return int(client.get("/").text.split("/views/")[1].split("/delete")[0])


LAST = ("/customer-links/revoke", "/login", "/logout")
