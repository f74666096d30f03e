"""The store adapter of triage: what the desk's own cases teach the next training.

A case teaches its category when it was solved or closed with one, or when an agent set the
category by hand (a correction); a case marked spam teaches "spam". The text is the subject and
the first message the customer wrote.
"""

from __future__ import annotations

from sqlalchemy import select

from sopdesk.domain.cases import ActorKind, CaseStatus, EventKind
from sopdesk.store.db import Database
from sopdesk.store.models import Case, CaseEvent
from sopdesk.triage.triager import SPAM_CATEGORY, Example

MAX_CASES = 50_000  # the newest ones; older habits of a desk matter less
_CHUNK = 1000  # case ids per IN (...), under every database's parameter limit


def training_cases(db: Database) -> list[Example]:
    """(text, category) of every case that says what its category really was."""
    with db.transaction(write=False) as session:
        corrected = set(
            session.scalars(
                select(CaseEvent.case_id).where(
                    CaseEvent.kind == EventKind.FIELD_CHANGE.value,
                    CaseEvent.actor_kind == ActorKind.AGENT.value,
                    CaseEvent.data["field"].as_string() == "category",
                )
            )
        )
        done = (CaseStatus.SOLVED.value, CaseStatus.CLOSED.value, CaseStatus.SPAM.value)
        cases = session.execute(
            select(Case.id, Case.subject, Case.category, Case.status)
            .where(Case.category.is_not(None) | (Case.status == CaseStatus.SPAM.value))
            .order_by(Case.id.desc())
            .limit(MAX_CASES)
        ).all()
        wanted = {c.id for c in cases if c.status in done or c.id in corrected}
        first: dict[int, str] = {}
        ids = sorted(wanted)
        for start in range(0, len(ids), _CHUNK):
            for case_id, body in session.execute(
                select(CaseEvent.case_id, CaseEvent.body)
                .where(
                    CaseEvent.kind == EventKind.MESSAGE_IN.value,
                    CaseEvent.case_id.in_(ids[start : start + _CHUNK]),
                )
                .order_by(CaseEvent.case_id, CaseEvent.id)
            ):
                first.setdefault(case_id, body or "")
    examples = []
    for c in cases:
        if c.id not in wanted:
            continue
        label = SPAM_CATEGORY if c.status == CaseStatus.SPAM.value else c.category
        examples.append(Example(f"{c.subject}\n{first.get(c.id, '')}".strip(), label))
    return examples
