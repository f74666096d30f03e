"""Every route of the app (API and console) with every seat of the matrix, generated from the
policy: a route without a declared permission fails, and each (route, seat) must get the outcome
sopdesk.domain.policy gives it, through real requests with real sessions and tokens.

One app per database and target level: the level-1 walk shows every agent through, the level-3
walk shows the case-level check refusing levels 1 and 2 (and the approvers of level 2).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI

from sopdesk.domain.policy import Grant, Permission
from sopdesk.runtime import Runtime
from sopdesk.web.app import create_app
from sopdesk.web.permissions import route_permissions
from tests.ui.conftest import csrf_of
from tests.web.permission_bodies import api_body, form_for
from tests.web.permission_walk import (
    SEATS,
    Door,
    Outcome,
    Route,
    Seat,
    Target,
    door_of,
    expected,
    routes_of,
)
from tests.web.permission_walk import matches as outcome_matches
from tests.web.permission_world import LAST, RAW_MAIL, World, aim_at, build_world


def test_every_route_declares_a_permission(runtime: Runtime) -> None:
    app = create_app(runtime)
    missing = [f"{sorted(r.methods)} {r.path}" for r in routes_of(app) if r.permission is None]
    assert len(routes_of(app)) > 100
    assert missing == [], "declare a permission: dependencies=[needs(...)] / [page_needs(...)]"


def _request(
    world: World, route: Route, method: str, seat: Seat
) -> tuple[str, Target, int, str, str]:
    client = world.clients[seat.name]
    path, target = aim_at(route, world, seat)
    if route.path.startswith("/api/"):
        headers = world.tokens.get(seat.name, {})
        if route.path == "/api/v1/inbound/email":
            response = client.request(method, path, content=RAW_MAIL, headers=headers)
        elif method == "GET":
            # Read only the head: a live stream (the chat's events) would otherwise hold the
            # walk for its whole lifetime.
            with client.stream(method, path, headers=headers) as streamed:
                head = next(streamed.iter_text(), "")
                return (
                    path,
                    target,
                    streamed.status_code,
                    streamed.headers.get("location", ""),
                    head[:160],
                )
        else:
            body = api_body(method, route.path, world, seat)
            response = client.request(method, path, json=body, headers=headers)
    elif method == "GET":
        response = client.get(path)
    else:
        if seat.name not in world.csrf or route.path.endswith(LAST):
            world.csrf[seat.name] = csrf_of(client.get("/contact").text)
        data = {**form_for(method, route.path, world, seat), "csrf_token": world.csrf[seat.name]}
        response = client.request(method, path, data=data)
    location = response.headers.get("location", "")
    return path, target, response.status_code, location, response.text[:160]


def _order(route: Route) -> tuple[int, str]:
    return (1 if route.path.endswith(LAST) else 0, route.path)


@pytest.fixture
def app(runtime: Runtime) -> Iterator[FastAPI]:
    yield create_app(runtime)


@pytest.mark.parametrize("level", [1, 3])
def test_every_route_with_every_seat_gets_what_the_policy_says(
    runtime: Runtime, app: FastAPI, level: int
) -> None:
    world = build_world(runtime, app, level)
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
    return aim_at(route, world, anonymous)


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
