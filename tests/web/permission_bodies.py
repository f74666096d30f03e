"""The bodies and forms the permission walk sends: enough for a seat the policy lets through to
reach the object-level checks, and never one that takes a later seat's target away."""

from __future__ import annotations

from typing import Any

from tests.web.permission_walk import Seat
from tests.web.permission_world import PASSWORD, World


def api_body(method: str, path: str, world: World, seat: Seat) -> Any:
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
        # Shaped right but refused after the access check (no such case or message; the case
        # itself), so the walk's case stays as it is for the seats after.
        ("POST", "/api/v1/cases/{case_id}/links"): {"other_id": 2_000_000_000, "reason": "r"},
        ("POST", "/api/v1/cases/{case_id}/merge"): {"duplicate_id": ids["case_id"]},
        ("POST", "/api/v1/cases/{case_id}/split"): {"event_id": 2_000_000_000, "subject": "s"},
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


def form_for(method: str, path: str, world: World, seat: Seat) -> dict[str, str]:
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
