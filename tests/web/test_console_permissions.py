"""The console routes of the workspace (queue, saved views, board, demo mailbox) walked with
every persona: who gets the page, who gets 403 or 404. A new route of these modules without a
row fails the walk.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from sopdesk.engine.mailbox import keep_message
from sopdesk.engine.partner_users import CreatePartner, do_create_partner
from sopdesk.runtime import Runtime
from sopdesk.web.ui import admin_partners, board, mailbox, queue, queue_views
from tests.ui.conftest import PERSONAS, csrf_of, desk_dir, make_case, people, runtime, signed_in

__all__ = ["desk_dir", "make_case", "people", "runtime", "signed_in"]
ALL = set(PERSONAS)
WALKED = (queue, queue_views, board, mailbox, admin_partners)


def _rows(case_id: int, message_id: int) -> list[tuple[str, str, dict[str, str], set[str], int]]:
    """(method, path, form, personas let through, their status); the others get 403."""
    return [
        ("GET", "/", {}, ALL, 200),
        ("GET", "/?view=all&bulk=assign_me-2", {}, ALL, 200),
        ("GET", "/queue/counts", {}, ALL, 200),
        ("POST", "/cases/bulk", {"action": "assign_me", "case": str(case_id)}, ALL, 303),
        ("POST", "/views", {"name": "{who}'s view", "query": "view=all"}, ALL, 303),
        ("POST", "/views/{view}/delete", {}, ALL, 303),
        ("GET", "/board", {}, ALL, 200),
        ("GET", "/board?level=1&assignee=me", {}, ALL, 200),
        ("POST", "/board/move", {"case": str(case_id), "column": "inbox"}, ALL, 200),
        ("GET", "/mailbox", {}, {"admin"}, 200),
        ("GET", f"/mailbox/{message_id}", {}, {"admin"}, 200),
        ("GET", "/admin/partners", {}, {"admin"}, 200),
        ("POST", "/admin/partners", {"slug": "{who}-shop", "name": "A shop"}, {"admin"}, 303),
        ("POST", "/admin/partners/walk/invite", {"email": "{who}@walk.example"}, {"admin"}, 200),
    ]


def test_the_table_covers_every_route_of_the_walked_modules() -> None:
    rows = {(m, p.split("?")[0]) for m, p, *_ in _rows(1, 1)}
    templated = {
        (
            m,
            p.replace("{view}", "{view_id}")
            .replace("/mailbox/1", "/mailbox/{message_id}")
            .replace("/walk/", "/{slug}/"),
        )
        for m, p in rows
    }
    routes = {
        (method, route.path)
        for module in WALKED
        for route in module.router.routes
        if isinstance(route, APIRoute)
        for method in route.methods
    }
    assert routes - templated == set(), "add a row to _rows for each new route"


def test_every_workspace_route_with_every_persona(
    runtime: Runtime, signed_in: Callable[[str], TestClient], make_case: Callable[..., int]
) -> None:
    case_id = make_case()
    keep_message(
        runtime.db,
        runtime.clock.now(),
        key="<walk@desk.example>",
        kind="email",
        case_id=case_id,
        recipient="casey@example.com",
        subject="walk",
        body="b",
    )
    message_id = 1
    walk = CreatePartner(slug="walk", name="Walk Shop")
    do_create_partner(runtime.db, runtime.clock.now(), walk)
    for who in PERSONAS:
        client = signed_in(who)
        token = csrf_of(client.get("/").text)
        for method, path, form, allowed, status in _rows(case_id, message_id):
            if "{view}" in path:
                saved = client.post(
                    "/views", data={"name": f"{who} to delete", "csrf_token": token}
                )
                assert saved.status_code == 303
                listed = client.get("/").text
                view_id = listed.split("/views/")[1].split("/delete")[0]
                path = path.replace("{view}", view_id)
            data = {k: v.replace("{who}", who) for k, v in form.items()}
            if method == "GET":
                response = client.get(path)
            else:
                response = client.post(path, data={**data, "csrf_token": token})
            expected = status if who in allowed else 403
            assert response.status_code == expected, (who, method, path, response.text[:300])


def test_a_saved_view_is_its_owners_only(
    signed_in: Callable[[str], TestClient], runtime: Runtime
) -> None:
    agent, senior = signed_in("agent"), signed_in("senior")
    token = csrf_of(agent.get("/").text)
    agent.post("/views", data={"name": "mine", "query": "view=mine", "csrf_token": token})
    page = agent.get("/").text
    view_id = page.split("/views/")[1].split("/delete")[0]
    assert "mine" not in senior.get("/").text.split("saved-views")[1].split("</nav>")[0]
    other = senior.post(
        f"/views/{view_id}/delete", data={"csrf_token": csrf_of(senior.get("/").text)}
    )
    assert other.status_code == 404
    assert f"/views/{view_id}/delete" in agent.get("/").text
