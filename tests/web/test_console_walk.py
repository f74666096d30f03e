"""Console routes of case work by role: who gets through, who gets 403 (a page, never JSON).

The table must list every route of the new-case, case-page, case-action, playbook-act,
approval and print-ready proof routers; a new route without a row fails the walk.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.routing import Route

from sopdesk.desk.templates import RenderedMacro
from sopdesk.domain.principal import Principal
from sopdesk.engine.cases import ChangeCase, check_change_case, do_change_case
from sopdesk.engine.drafts import hold_draft
from sopdesk.engine.playbooks import list_case_runs
from sopdesk.runtime import Runtime
from sopdesk.store.models import Case
from sopdesk.web.ui import (
    approvals,
    case_actions,
    case_merge,
    case_page,
    new_case,
    proof_print,
    run_actions,
)
from tests.ui.conftest import csrf_of, make_case, people, signed_in

__all__ = ["make_case", "people", "signed_in"]
SYSTEM = Principal.system()
ALL = {"admin", "approver", "agent", "senior"}
DISCARD = {"action": "discard", "reason": "walk"}
CHECKED = (new_case, case_page, case_actions, case_merge, run_actions, approvals, proof_print)


def _setup(runtime: Runtime, make: Callable[..., int]) -> dict[str, Any]:
    """A level-1 case with a run, and a level-3 case with a run."""
    low = make(subject="Parcel stolen", category="lost-stolen-package")
    high = make(subject="Chargeback", category="lost-stolen-package")
    change = ChangeCase(level=3, reason="legal threat")
    changes = check_change_case(runtime.db, SYSTEM, runtime.desk, high, change)
    do_change_case(runtime.db, runtime.clock, SYSTEM, high, changes, change.reason, runtime.desk)
    drafts = []
    with runtime.db.transaction() as session:
        for case_id in (low, high):
            row = session.get(Case, case_id)
            assert row is not None
            text = RenderedMacro("en", "Subject", "Body")
            drafts.append(
                hold_draft(
                    session,
                    row,
                    run_id=None,
                    step="walk",
                    macro="on-hold",
                    recipient="customer",
                    to=None,
                    text=text,
                    reason="review",
                    missing=[],
                    data={},
                    now=runtime.clock.now(),
                ).id
            )
    return {
        "draft": drafts[0],
        "top_draft": drafts[1],
        "case": low,
        "top": high,
        "run": list_case_runs(runtime.db, SYSTEM, low)[0].id,
        "top_run": list_case_runs(runtime.db, SYSTEM, high)[0].id,
    }


def _rows(ids: dict[str, Any]) -> list[tuple[str, str, dict[str, str], set[str]]]:
    """(method, path, form, personas allowed); everyone else gets 403."""
    case, top, run, top_run = ids["case"], ids["top"], ids["run"], ids["top_run"]
    new = {"phone": "+49 30 1111111", "subject": "Call", "body": "b", "category": "minor-damage"}
    tick = {"action": "tick", "item": "0"}
    return [
        ("GET", "/cases/new", {}, ALL),
        ("POST", "/cases/new", new, ALL),
        ("GET", f"/cases/{case}", {}, ALL),
        ("GET", f"/cases/{top}", {}, {"admin"}),
        ("GET", f"/cases/{case}/macro-preview", {}, ALL),
        ("GET", f"/cases/{case}/proof", {}, ALL),
        ("GET", f"/cases/{top}/proof", {}, {"admin"}),
        ("GET", "/reports/proof", {}, {"admin"}),  # every level: leads and admins
        ("POST", f"/cases/{case}/presence", {}, ALL),
        ("POST", f"/cases/{top}/presence", {}, {"admin"}),
        ("POST", f"/cases/{case}/messages", {"kind": "note", "body": "n"}, ALL),
        ("POST", f"/cases/{top}/messages", {"kind": "note", "body": "n"}, {"admin"}),
        ("POST", f"/cases/{case}/fields", {"priority": "high"}, ALL),
        ("POST", f"/cases/{case}/items", {}, ALL),
        ("POST", f"/cases/{top}/items", {}, {"admin"}),
        ("POST", f"/cases/{case}/drafts/{ids['draft']}", DISCARD, ALL),
        ("POST", f"/cases/{top}/drafts/{ids['top_draft']}", DISCARD, {"admin"}),
        ("POST", f"/cases/{top}/escalate", {"level": "4", "reason": "r"}, {"admin"}),
        ("POST", f"/cases/{case}/links", {"other_id": str(top)}, {"admin"}),
        ("POST", f"/cases/{case}/split", {"event_id": "1", "subject": "s"}, ALL),
        ("POST", f"/cases/{top}/split", {"event_id": "1", "subject": "s"}, {"admin"}),
        ("POST", f"/runs/{run}/act", tick, ALL),
        ("POST", f"/runs/{top_run}/act", tick, {"admin"}),
        ("POST", f"/runs/{top_run}/stop", {"reason": "r", "restart": "1"}, {"admin"}),
        ("POST", f"/cases/{top}/runs", {"playbook": "critical-issue"}, {"admin"}),
        ("GET", "/approvals", {}, {"admin", "approver"}),
        ("POST", f"/approvals/{run}", {"decision": "approve"}, {"admin", "approver"}),
        ("GET", "/attachments/999999", {}, set()),  # 404 for everyone: walked below
    ]


def _template(path: str) -> str:
    return "/".join("{id}" if p.isdigit() else p for p in path.split("/"))


def test_the_table_covers_every_route_of_case_work(
    runtime: Runtime, make_case: Callable[..., int]
) -> None:
    ids = _setup(runtime, make_case)
    routes = {
        (method, _template(r.path.replace("{case_id}", "1").replace("{run_id}", "1")))
        for module in CHECKED
        for r in module.router.routes
        if isinstance(r, Route)
        for method in (r.methods or set()) - {"HEAD"}
    }
    routes = {
        (m, p.replace("{attachment_id}", "{id}").replace("{draft_id}", "{id}")) for m, p in routes
    }
    covered = {(m, _template(p)) for m, p, _, _ in _rows(ids)}
    assert routes - covered == set()


@pytest.mark.parametrize("persona", sorted(ALL))
def test_every_case_work_page_with_every_role(
    runtime: Runtime,
    make_case: Callable[..., int],
    signed_in: Callable[[str], TestClient],
    persona: str,
) -> None:
    ids = _setup(runtime, make_case)
    browser = signed_in(persona)
    token = csrf_of(browser.get("/cases/new").text)
    failures = []
    for method, path, form, allowed in _rows(ids):
        if method == "GET":
            response = browser.get(path)
        else:
            response = browser.post(path, data={**form, "csrf_token": token})
        if path.startswith("/attachments/"):
            ok = response.status_code == 404
        elif persona in allowed:
            # Through: the page, a redirect, or a refusal shown on the page (never 403).
            ok = response.status_code in (200, 303, 409, 422)
        else:
            ok = response.status_code == 403 and "text/html" in response.headers["content-type"]
        if not ok:
            failures.append(f"{persona} {method} {path}: {response.status_code}")
    assert failures == []
