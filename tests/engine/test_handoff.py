"""A `handoff` step ends its run and starts another playbook on the case, in the same
transaction; a playbook already running there is not started twice."""

from __future__ import annotations

from sqlalchemy import select

from sopdesk.domain.cases import EventKind
from sopdesk.domain.clock import ManualClock
from sopdesk.domain.desk import Playbook
from sopdesk.engine.playbooks import start_run_in
from sopdesk.store.db import Database
from sopdesk.store.models import Case, CaseEvent, PlaybookRun
from tests.engine.test_connectors import STARTER, SYSTEM, start

TRIAGE = Playbook.model_validate(
    {
        "playbook": "triage-order",
        "title": "Which order problem is it?",
        "steps": [
            {"id": "to-cancel", "handoff": {"playbook": "cancel-order", "reason": "wants out"}},
        ],
    }
)
DESK = STARTER.model_copy(update={"playbooks": {**STARTER.playbooks, TRIAGE.slug: TRIAGE}})


def _runs(db: Database) -> list[tuple[str, str, str | None]]:
    with db.transaction(write=False) as session:
        rows = session.scalars(select(PlaybookRun).order_by(PlaybookRun.id))
        return [(r.playbook, r.status, r.state.get("outcome")) for r in rows]


def test_a_handoff_ends_the_run_and_starts_the_other_playbook(
    db: Database, clock: ManualClock
) -> None:
    start(db, clock, DESK, TRIAGE, "pending", subject="Hello")
    assert _runs(db) == [
        ("triage-order", "done", "handed-over-to-cancel-order"),
        ("cancel-order", "waiting", None),
    ]
    with db.transaction(write=False) as session:
        bodies = session.scalars(
            select(CaseEvent.body).where(CaseEvent.kind == EventKind.PLAYBOOK_STEP.value)
        ).all()
    assert "handed the case over to playbook cancel-order: wants out" in bodies


def test_a_playbook_already_running_is_not_started_again(db: Database, clock: ManualClock) -> None:
    start(db, clock, DESK, DESK.playbooks["cancel-order"], "pending", subject="Hello")
    with db.transaction() as session:
        case = session.scalars(select(Case)).one()
        start_run_in(session, DESK, case, TRIAGE, clock.now(), SYSTEM)
    assert [r[0] for r in _runs(db)] == ["cancel-order", "triage-order"]


RECATEGORISE = Playbook.model_validate(
    {
        "playbook": "sort-order-mail",
        "title": "Sort order mail: this one is a cancellation",
        "steps": [
            {"id": "is-cancel", "set": {"category": "cancel-order", "verified": True}},
            {"id": "sorted", "end": {"outcome": "sorted"}},
        ],
    }
)
SORT_DESK = STARTER.model_copy(
    update={"playbooks": {**STARTER.playbooks, RECATEGORISE.slug: RECATEGORISE}}
)


def test_a_category_set_by_a_playbook_starts_that_categorys_playbook(
    db: Database, clock: ManualClock
) -> None:
    start(db, clock, SORT_DESK, RECATEGORISE, "pending", subject="Hello")
    assert _runs(db) == [("sort-order-mail", "done", "sorted"), ("cancel-order", "waiting", None)]
    with db.transaction(write=False) as session:
        case = session.scalars(select(Case)).one()
        assert case.category == "cancel-order"
        assert "identity-verified" in (case.tags or [])  # customer.verified from now on
