"""What a queue row or a board card shows beside a case's own fields: the customer's name, the
assignee's name and the first line of the case's last message. Read-only, one page at a time.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from sopdesk.domain.cases import EventKind
from sopdesk.store.db import Database
from sopdesk.store.models import Agent, Case, CaseEvent, Customer

MESSAGES = [EventKind.MESSAGE_IN.value, EventKind.MESSAGE_OUT.value]
FIRST_LINE_CHARS = 140


@dataclass(frozen=True)
class CaseLine:
    customer: str
    assignee: str
    last_line: str  # the first non-empty line of the last message in or out
    last_from_customer: bool


SALUTATION_WORDS = 4  # "Hi,", "Hello Anna,", "Dear support team,": a greeting, not the matter


def _is_salutation(line: str) -> bool:
    return line.endswith((",", ":")) and len(line.split()) <= SALUTATION_WORDS


def first_line(text: str | None) -> str:
    """The first line that says something: quoted lines and a greeting line are skipped (a
    message that is only a greeting shows it)."""
    lines = [ln.strip() for ln in (text or "").splitlines()]
    lines = [ln for ln in lines if ln and not ln.startswith(">")]
    said = next((ln for ln in lines if not _is_salutation(ln)), lines[0] if lines else "")
    return said if len(said) <= FIRST_LINE_CHARS else said[: FIRST_LINE_CHARS - 1] + "…"


def case_lines(db: Database, case_ids: list[int]) -> dict[int, CaseLine]:
    """The lines of these cases (already authorised by the caller's list), in three queries."""
    if not case_ids:
        return {}
    with db.transaction(write=False) as session:
        people = session.execute(
            select(Case.id, Customer.name, Customer.email, Agent.name)
            .join(Customer, Customer.id == Case.customer_id)
            .outerjoin(Agent, Agent.id == Case.assignee_id)
            .where(Case.id.in_(case_ids))
        ).all()
        last = (
            select(func.max(CaseEvent.id))
            .where(CaseEvent.case_id.in_(case_ids), CaseEvent.kind.in_(MESSAGES))
            .group_by(CaseEvent.case_id)
        )
        events = session.execute(
            select(CaseEvent.case_id, CaseEvent.kind, CaseEvent.body).where(CaseEvent.id.in_(last))
        ).all()
    texts = {cid: (kind, body) for cid, kind, body in events}
    lines = {}
    for case_id, name, email, assignee in people:
        kind, body = texts.get(case_id, ("", ""))
        lines[case_id] = CaseLine(
            customer=name or email or "",
            assignee=assignee or "",
            last_line=first_line(body),
            last_from_customer=kind == EventKind.MESSAGE_IN.value,
        )
    return lines
