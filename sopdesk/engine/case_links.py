"""Cases that belong together: link related cases, merge a duplicate into its survivor (the
timelines read as one, the duplicate closed and pointing to the survivor), split a customer's
message off into a new case.

Changes go through the case core: set_fields + follow_up_changes for the duplicate's status,
write_new_case for the case split off; every link leaves a note on both timelines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from sopdesk.domain.access import CaseAction
from sopdesk.domain.cases import CaseStatus, Channel, EventKind
from sopdesk.domain.clock import Clock
from sopdesk.domain.desk import Desk
from sopdesk.domain.principal import Principal
from sopdesk.engine.access import load_case, require_staff
from sopdesk.engine.case_fields import set_fields
from sopdesk.engine.new_cases import CasePlan, CreateCase, write_new_case
from sopdesk.engine.playbooks import follow_up_changes
from sopdesk.engine.timeline import EventView, append_event, read_timeline
from sopdesk.errors import Conflict, InvalidInput
from sopdesk.store.db import Database
from sopdesk.store.models import Case, CaseEvent, CaseLinkRow

MAX_MERGED = 20


class LinkCases(BaseModel):
    """Link this case with another: related, or this one a duplicate merged into `other_id`."""

    other_id: int = Field(ge=1)
    kind: Literal["related", "merged"] = "related"
    reason: str = Field(default="", max_length=500)


class SplitMessage(BaseModel):
    event_id: int = Field(ge=1)
    subject: str = Field(min_length=1, max_length=300)


@dataclass(frozen=True)
class CaseLinkView:
    other_id: int
    kind: str  # related, merged-into, merged-from, split-from, split-into
    reason: str


def _link_kind(row: CaseLinkRow, case_id: int) -> tuple[int, str]:
    if row.kind == "related":
        return (row.other_id if row.case_id == case_id else row.case_id, "related")
    if row.case_id == case_id:
        return (row.other_id, f"{row.kind}-into" if row.kind == "merged" else "split-from")
    return (row.case_id, "merged-from" if row.kind == "merged" else "split-into")


def read_links(session: Session, case_id: int) -> list[CaseLinkView]:
    rows = session.scalars(
        select(CaseLinkRow)
        .where(or_(CaseLinkRow.case_id == case_id, CaseLinkRow.other_id == case_id))
        .order_by(CaseLinkRow.id)
    )
    return [CaseLinkView(*_link_kind(r, case_id), r.reason) for r in rows]


def list_case_links(db: Database, principal: Principal, case_id: int) -> list[CaseLinkView]:
    """The links of a case the principal may see (`GET /api/v1/cases/{id}/links`)."""
    require_staff(principal)
    with db.transaction(write=False) as session:
        load_case(session, principal, case_id)
        return read_links(session, case_id)


def read_merged_timeline(session: Session, case_id: int, *, limit: int) -> list[EventView]:
    """The case's events and those of the cases merged into it, interleaved by time."""
    merged = session.scalars(
        select(CaseLinkRow.case_id)
        .where(CaseLinkRow.other_id == case_id, CaseLinkRow.kind == "merged")
        .limit(MAX_MERGED)
    ).all()
    events = read_timeline(session, case_id, limit=limit, after_id=None)
    for other in merged:
        events += read_timeline(session, other, limit=limit, after_id=None)
    return sorted(events, key=lambda e: (e.at, e.id))[:limit]


def check_link_cases(db: Database, principal: Principal, case_id: int, command: LinkCases) -> None:
    require_staff(principal)
    with db.transaction(write=False) as session:
        case = load_case(session, principal, case_id, CaseAction.CHANGE)  # who may, first
        if command.other_id == case_id:
            raise InvalidInput(
                "a case cannot be linked to itself; enter the other case's number",
                errors=[{"loc": ["body", "other_id"], "msg": "same case"}],
            )
        if session.get(Case, command.other_id) is None:
            raise InvalidInput(
                f"there is no case #{command.other_id}; check the number",
                errors=[{"loc": ["body", "other_id"], "msg": "unknown case"}],
            )
        load_case(session, principal, command.other_id, CaseAction.CHANGE)
        if command.kind == "merged":
            if any(link.kind == "merged-into" for link in read_links(session, case_id)):
                raise Conflict(f"case #{case_id} is merged into another case already")
            if any(link.kind == "merged-into" for link in read_links(session, command.other_id)):
                raise Conflict(
                    f"case #{command.other_id} was itself merged into another case; merge into"
                    " that one instead"
                )
            if case.status == CaseStatus.SPAM.value:
                raise Conflict("a spam case is not merged; leave it as spam")
        elif any(
            link.other_id == command.other_id and link.kind == "related"
            for link in read_links(session, case_id)
        ):
            raise Conflict(f"case #{case_id} and case #{command.other_id} are linked already")


def do_link_cases(
    db: Database,
    clock: Clock,
    desk: Desk,
    principal: Principal,
    case_id: int,
    command: LinkCases,
) -> None:
    now = clock.now()
    why = f": {command.reason}" if command.reason else ""
    with db.transaction() as session:
        case = load_case(session, principal, case_id, CaseAction.CHANGE, lock=True)
        other = load_case(session, principal, command.other_id, CaseAction.CHANGE, lock=True)
        session.add(
            CaseLinkRow(
                case_id=case.id,
                other_id=other.id,
                kind=command.kind,
                reason=command.reason,
                created_at=now,
            )
        )
        if command.kind == "related":
            here, there = f"Linked to case #{other.id}{why}", f"Linked to case #{case.id}{why}"
        else:
            here = f"Merged into case #{other.id}{why}"
            there = f"Case #{case.id} merged into this case{why}; its timeline is shown here"
            changed = set_fields(
                session,
                desk,
                case,
                {"status": CaseStatus.CLOSED},
                principal,
                now,
                reason=f"merged into case #{other.id}",
            )
            follow_up_changes(session, desk, case, changed, now, principal)
        data = {"link": command.kind, "other_id": other.id}
        append_event(session, case.id, EventKind.NOTE, now, principal, body=here, data=data)
        data = {"link": command.kind, "other_id": case.id}
        append_event(session, other.id, EventKind.NOTE, now, principal, body=there, data=data)
        case.updated_at = other.updated_at = now


def check_split_message(
    db: Database, principal: Principal, case_id: int, command: SplitMessage
) -> None:
    require_staff(principal)
    with db.transaction(write=False) as session:
        load_case(session, principal, case_id, CaseAction.CHANGE)
        event = session.get(CaseEvent, command.event_id)
        if event is None or event.case_id != case_id or event.kind != EventKind.MESSAGE_IN:
            raise InvalidInput(
                "only a customer's message on this case can be split off into a new case",
                errors=[{"loc": ["body", "event_id"], "msg": "not a message of this case"}],
            )


def do_split_message(
    db: Database,
    clock: Clock,
    desk: Desk,
    principal: Principal,
    case_id: int,
    command: SplitMessage,
) -> int:
    """A new case for the same customer and order whose first message is the one split off;
    both timelines say where it went. Returns the new case's id."""
    now = clock.now()
    with db.transaction() as session:
        case = load_case(session, principal, case_id, CaseAction.CHANGE, lock=True)
        event = session.get(CaseEvent, command.event_id)
        assert event is not None  # checked in check_split_message
        create = CreateCase(
            customer_id=case.customer_id,
            subject=command.subject,
            body=event.body or "(empty message)",
            channel=Channel(event.channel) if event.channel else Channel.API,
            language=case.language,
        )
        plan = CasePlan(case.order_id, case.partner_id, case.level, "split off")
        written = write_new_case(session, now, desk, principal, create, plan)
        session.add(
            CaseLinkRow(
                case_id=written.id,
                other_id=case.id,
                kind="split",
                reason=f"message {event.id}",
                created_at=now,
            )
        )
        here = f"A message was split off into case #{written.id}: {command.subject}"
        data = {"link": "split", "other_id": written.id, "event_id": event.id}
        append_event(session, case.id, EventKind.NOTE, now, principal, body=here, data=data)
        there = f"Split off case #{case.id} (its message of {event.at:%Y-%m-%d %H:%M} UTC)"
        data = {"link": "split", "other_id": case.id}
        append_event(session, written.id, EventKind.NOTE, now, principal, body=there, data=data)
        case.updated_at = now
        return written.id
