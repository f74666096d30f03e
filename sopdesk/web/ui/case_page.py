"""The case page: header, timeline, reply with macro preview, notes, calls, escalation.

Reads go through the engine's views; every change goes through its check_/do_ pair.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from sopdesk.domain.cases import MAX_LEVEL, ActorKind, CaseStatus, EventKind, Priority
from sopdesk.engine.accounts import load_agent
from sopdesk.engine.attachments import case_attachments
from sopdesk.engine.case_facts import read_linked_accounts
from sopdesk.engine.case_links import read_links, read_merged_timeline
from sopdesk.engine.cases import get_case, get_case_item_ids, load_case
from sopdesk.engine.compliance import Proof, case_proof
from sopdesk.engine.customers import get_customer
from sopdesk.engine.delivery import delivery_states
from sopdesk.engine.drafts import waiting_drafts
from sopdesk.engine.escalation import get_customer_history
from sopdesk.engine.macro_context import case_facts, render_case_macro, template_context
from sopdesk.engine.orders import get_order
from sopdesk.engine.presence import beat
from sopdesk.engine.sla_views import read_clocks
from sopdesk.engine.timeline import EventView
from sopdesk.errors import NotFound, SopdeskError
from sopdesk.runtime import Runtime
from sopdesk.web.ui.case_header import sla_badge
from sopdesk.web.ui.playbook_panel import case_runs_panel
from sopdesk.web.ui.rendering import PageRoute, render
from sopdesk.web.ui.viewer import AgentViewer, PostedForm, Rt, Viewer, page_needs

router = APIRouter(route_class=PageRoute, include_in_schema=False)
TIMELINE_LIMIT = 500


CONVERSATION = {
    EventKind.MESSAGE_IN.value,
    EventKind.MESSAGE_OUT.value,
    EventKind.CALL.value,
    EventKind.NOTE.value,
    EventKind.APPROVAL.value,
}


def _names(
    runtime: Runtime, events: list[EventView], assignee: int | None, proof: Proof
) -> dict[int, str]:
    """Agents' names by id: those on the timeline, the assignee and who took each step."""
    ids = {e.actor_id for e in events if e.actor_kind == "agent" and e.actor_id is not None}
    if assignee is not None:
        ids.add(assignee)
    for run in proof.runs:
        ids |= {int(s.by[6:]) for s in run.steps if s.by and s.by.startswith("agent:")}
    names: dict[int, str] = {}
    with runtime.db.transaction(write=False) as session:
        for agent_id in ids:
            try:
                names[agent_id] = load_agent(session, agent_id).name
            except NotFound:
                names[agent_id] = f"agent {agent_id}"
    return names


def triage_reason(events: list[EventView]) -> dict[str, Any] | None:
    """Why triage decided (its last decision on the timeline): the explanation ("words:
    chargeback, dispute; chargeback, confidence 0.93"), the top guesses with their scores, and
    whether an agent changed the category since."""
    decided = [e for e in events if e.kind == EventKind.TRIAGE.value]
    if not decided:
        return None
    last = decided[-1]
    corrected = any(
        e.kind == EventKind.FIELD_CHANGE.value
        and e.actor_kind == ActorKind.AGENT.value
        and e.data.get("field") == "category"
        and e.id > last.id
        for e in events
    )
    guesses = [(str(g["slug"]), float(g["score"])) for g in last.data.get("categories") or []]
    return {
        "explanation": str(last.data.get("explanation") or ""),
        "guesses": guesses,
        "model": last.data.get("model"),
        "corrected": corrected,
    }


def case_context(
    runtime: Runtime,
    viewer: AgentViewer,
    case_id: int,
    *,
    errors: dict[str, dict[str, str]] | None = None,
    values: dict[str, dict[str, str]] | None = None,
    view: str = "all",
) -> dict[str, Any]:
    """Everything the case page shows; `errors`/`values` by form name when a form was refused;
    `view` "conversation" leaves the system events (routing, SLA, field changes) out."""
    case = get_case(runtime.db, viewer.principal, case_id)
    customer = get_customer(runtime.db, viewer.principal, case.customer_id)
    order = get_order(runtime.db, viewer.principal, str(case.order_id)) if case.order_id else None
    with runtime.db.transaction(write=False) as session:
        load_case(session, viewer.principal, case_id)
        events = read_merged_timeline(session, case_id, limit=TIMELINE_LIMIT)
        links = read_links(session, case_id)
        deliveries = delivery_states(session, [(e.id, e.kind) for e in events])
        clocks = read_clocks(session, case_id)
        linked = read_linked_accounts(session, case.customer_id)
        drafts = waiting_drafts(session, case_id)
    history = get_customer_history(
        runtime.db, runtime.clock, viewer.principal, runtime.desk, case_id
    )
    proof = case_proof(runtime.db, viewer.principal, runtime.desk, case_id)
    now = runtime.clock.now()
    macros = [m for m in runtime.desk.macros.values() if m.to == "customer"]
    return {
        "viewer": viewer,
        "case": case,
        "customer": customer,
        "order": order,
        "case_items": get_case_item_ids(runtime.db, viewer.principal, case_id) if order else [],
        "sla": [sla_badge(clock, now) for clock in clocks],
        "linked": linked,
        "offenses": sorted(history.offenses.values(), key=lambda c: c.kind),
        "events": events,
        "deliveries": deliveries,
        "undelivered": [
            e.id for e in events if e.id in deliveries and deliveries[e.id].state.is_problem
        ],
        "names": _names(runtime, events, case.assignee_id, proof),
        "last_event_id": events[-1].id if events else 0,
        "view": view,
        "links": links,
        "shown": [e for e in events if view != "conversation" or e.kind in CONVERSATION],
        "files": case_attachments(runtime.db, viewer.principal, case_id),
        "proof": proof,
        "macros": sorted(macros, key=lambda m: m.title.lower()),
        "desk": runtime.desk,
        "statuses": [s.value for s in CaseStatus],
        "priorities": [p.value for p in Priority],
        "escalate_levels": [n for n in range(1, MAX_LEVEL + 1) if n != case.level],
        "runs": case_runs_panel(runtime, viewer, case_id),
        "drafts": drafts,
        "triage": triage_reason(events),
        "errors": errors or {},
        "values": values or {},
    }


@router.get("/cases/{case_id}", dependencies=[page_needs("cases.read")])
def case_page(
    request: Request, case_id: int, viewer: Viewer, runtime: Rt, view: str = "all"
) -> Response:
    shown = "conversation" if view == "conversation" else "all"
    return render(request, "case.html", case_context(runtime, viewer, case_id, view=shown))


@router.get("/cases/{case_id}/macro-preview", dependencies=[page_needs("cases.reply")])
def macro_preview(
    request: Request, case_id: int, viewer: Viewer, runtime: Rt, macro: str = ""
) -> Response:
    case = get_case(runtime.db, viewer.principal, case_id)
    chosen = runtime.desk.macros.get(macro)
    if chosen is None:
        return render(request, "_macro_preview.html", {"preview": None, "problem": None})
    # The same context and renderer as a playbook's send: the preview is what would be sent.
    with runtime.db.transaction(write=False) as session:
        row = load_case(session, viewer.principal, case.id)
        facts = case_facts(session, runtime.desk, row, runtime.clock.now())
        context = template_context(facts, {})
        try:
            preview = render_case_macro(chosen, row, runtime.desk, context)
        except SopdeskError as exc:
            problem = {"preview": None, "problem": exc.message}
            return render(request, "_macro_preview.html", problem)
    return render(
        request, "_macro_preview.html", {"preview": preview, "problem": None, "macro": chosen}
    )


@router.post("/cases/{case_id}/presence", dependencies=[page_needs("cases.read")])
def presence(
    request: Request, case_id: int, viewer: Viewer, runtime: Rt, form: PostedForm, since: int = 0
) -> Response:
    """The case page's heartbeat (htmx, every 15 s): who else has the case open, and who wrote
    on it since the page was loaded (event id `since`)."""
    collision = beat(runtime.db, runtime.clock, viewer.principal, case_id, max(since, 0))
    return render(request, "_presence.html", {"collision": collision, "desk": runtime.desk})
