"""What SLA clocks tell people: team-chat posts and mails (the on-call rota, a lead) when a
clock starts, warns or breaches, written to the outbox with the change that caused them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from sopdesk.domain.cases import EventKind
from sopdesk.domain.clock import local_text
from sopdesk.domain.desk import Desk
from sopdesk.domain.desk.sla import SlaAction
from sopdesk.domain.principal import Principal
from sopdesk.engine.outbox import OutboxKind, write_outbox
from sopdesk.engine.timeline import NewEvent, append_events
from sopdesk.store.models import Case, SlaClockRow

_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\.([a-z_]+)\s*\}\}")


def render_clock_text(
    template: str, case: dict[str, Any], metric: str, policy: str, due_at: datetime | None
) -> str:
    """An SLA notification's text: `{{ case.number }}`, `{{ sla.due_at }}`, ... filled in; the
    due time in the desk's timezone (`case["timezone"]`), as the on-call person reads it."""
    zone = str(case.get("timezone") or "UTC")
    values = {
        ("case", "id"): str(case["id"]),
        ("case", "number"): str(case["id"]),
        ("case", "subject"): str(case["subject"]),
        ("case", "level"): str(case["level"]),
        ("case", "priority"): str(case["priority"]),
        ("sla", "metric"): metric.replace("_", " "),
        ("sla", "policy"): policy,
        ("sla", "due_at"): local_text(due_at, zone) if due_at else "",
    }
    return _PLACEHOLDER.sub(lambda m: values.get((m[1], m[2]), m[0]), template)


def case_values(case: Case, timezone: str) -> dict[str, Any]:
    return {
        "id": case.id,
        "subject": case.subject,
        "level": case.level,
        "priority": case.priority,
        "timezone": timezone,
    }


def notify_for_clock(
    session: Session,
    case: dict[str, Any],
    clock: dict[str, Any],
    notify: Sequence[tuple[str, str]],
    mail: Sequence[tuple[str, str]],
    what: str,
    now: datetime,
) -> list[NewEvent]:
    """Team-chat posts and mails (e.g. to the on-call rota) for one clock event, through the
    outbox; returns the internal notes that record the mails (the caller appends them)."""
    key = f"sla:{clock['id']}:{clock['token']}:{what}"
    for i, (channel, template) in enumerate(notify):
        text = render_clock_text(template, case, clock["metric"], clock["policy"], clock["due_at"])
        write_outbox(
            session,
            OutboxKind.CHAT,
            key=f"{key}:{i}",
            case_id=case["id"],
            payload={"channel": channel, "text": text},
            now=now,
        )
    notes = []
    for address, template in mail:
        text = render_clock_text(template, case, clock["metric"], clock["policy"], clock["due_at"])
        notes.append(
            NewEvent.of(
                case["id"],
                EventKind.NOTE,
                now,
                Principal.system(),
                body=text,
                channel="email",
                data={
                    "to": address,
                    "recipient": "team",
                    "subject": f"[sopdesk] {text[:120]}",
                    "sla": what,
                    "metric": clock["metric"],
                },
            )
        )
    return notes


def mail_notes(session: Session, notes: list[NewEvent], key: str, now: datetime) -> None:
    """Appends the notes and queues each as a mail (one outbox row per note, by its id)."""
    if not notes:
        return
    ids = append_events(session, notes, returning=True)
    for i, (event_id, note) in enumerate(zip(ids, notes, strict=True)):
        write_outbox(
            session,
            OutboxKind.MESSAGE,
            key=f"{key}:mail:{i}",
            case_id=note.case_id,
            payload={"event_id": event_id, "channel": "email"},
            now=now,
        )


def run_clock_actions(
    session: Session,
    desk: Desk,
    case: Case,
    row: SlaClockRow,
    actions: Sequence[SlaAction],
    what: str,
    now: datetime,
) -> None:
    """The notifications of `actions` for a stored clock (changes are the caller's)."""
    notify = [(a.notify, a.message or "") for a in actions if a.notify]
    mail = [(a.email, a.message or "") for a in actions if a.email]
    clock = {
        "id": row.id,
        "token": row.token,
        "metric": row.metric,
        "policy": row.policy,
        "due_at": row.due_at,
    }
    notes = notify_for_clock(
        session, case_values(case, desk.timezone), clock, notify, mail, what, now
    )
    mail_notes(session, notes, f"sla:{row.id}:{row.token}:{what}", now)
