"""Filling in held drafts: a draft held for a missing value is rendered again when the case
changes (an item chosen), from the same render the send uses; it still waits for the agent."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sopdesk.domain.cases import EventKind
from sopdesk.domain.desk import Desk
from sopdesk.domain.playbooks.state import RunState
from sopdesk.domain.principal import Principal
from sopdesk.engine.drafts import MISSING_VALUE, WAITING, render_with_gaps
from sopdesk.engine.macro_context import case_facts, template_context
from sopdesk.engine.timeline import append_event
from sopdesk.store.models import Case, Draft, PlaybookRun


def _run_context(session: Session, desk: Desk, case: Case, draft: Draft, now: datetime) -> Any:
    """The context the step that wrote the draft would render with now (the run's fields and
    connector answers over the case's facts), as the playbook applier builds it."""
    run = session.get(PlaybookRun, draft.run_id) if draft.run_id is not None else None
    state = RunState.model_validate(run.state) if run is not None else None
    variables = dict(state.variables) if state is not None else {}
    answers = dict(state.answers) if state is not None else {}
    return {**template_context(case_facts(session, desk, case, now), variables), "answers": answers}


def refill_drafts(session: Session, desk: Desk, case: Case, now: datetime) -> int:
    """Re-renders each waiting draft held for a missing value, now that the case changed (an
    item chosen, an order linked): a gap the case can now fill is filled, from the same render
    the send uses. The draft still waits for the agent (what they see is what is sent); the
    timeline says when one is complete. Returns how many drafts became complete."""
    waiting = session.scalars(
        select(Draft).where(
            Draft.case_id == case.id, Draft.status == WAITING, Draft.reason == MISSING_VALUE
        )
    ).all()
    complete = 0
    for draft in waiting:
        macro = desk.macros.get(draft.macro)
        if macro is None:
            continue
        text, missing = render_with_gaps(
            macro, case, desk, _run_context(session, desk, case, draft, now)
        )
        if missing == list(draft.missing) and text.body == draft.body:
            continue
        draft.subject, draft.body, draft.missing = text.subject, text.body, missing
        if missing:
            continue
        complete += 1
        append_event(
            session,
            case.id,
            EventKind.NOTE,
            now,
            Principal.system(),
            body=(
                f"Draft to the {draft.recipient} is filled in now; read it and send it from the "
                "case page. Nothing was sent."
            ),
            data={"draft_id": draft.id, "step": draft.step, "macro": draft.macro},
        )
    return complete
