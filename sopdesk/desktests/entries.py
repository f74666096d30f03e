"""What the engine recorded, read back as the scenario timeline's entries and world facts.

The timeline events the engine wrote (mails, notes, chat posts, steps, field changes) become
the same `Entry` lines the pure simulation gives, each with the effect it came from, so one
set of expectations (domain/playbooks/expectations.py) checks both.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sopdesk.desktests.world import World
from sopdesk.domain.cases import EventKind
from sopdesk.domain.connectors import order_status
from sopdesk.domain.playbooks import effects as fx
from sopdesk.domain.playbooks.scenario import Timeline
from sopdesk.domain.playbooks.simulation import Entry
from sopdesk.engine.attachments import case_attachments
from sopdesk.engine.intake import ORIGINAL_NAME
from sopdesk.engine.macro_context import order_state
from sopdesk.errors import SopdeskError
from sopdesk.store.blobs import BlobStore
from sopdesk.store.db import Database
from sopdesk.store.models import Agent, Case, CaseEvent, LedgerEntry, Order, SlaClockRow

# Field names the timeline stores as the case's columns, back to the playbook's words.
_PLAYBOOK_FIELDS = {"board_column": "column"}


def _entry(
    times: Timeline, row: CaseEvent, what: str, text: str, effect: Any = None, rendered: str = ""
) -> Entry:
    step = str((row.data or {}).get("step") or "")
    return Entry(row.at, times.day(row.at), step, what, text, effect, rendered)


def _message_out(times: Timeline, row: CaseEvent, data: dict[str, Any]) -> Entry:
    body = row.body or ""
    to = str(data.get("recipient") or "customer")
    macro = data.get("macro")
    if macro is None:
        return _entry(times, row, "mail", f"mail to {data.get('to') or to}: {body}", None, body)
    step = str(data.get("step") or "")
    what = "reminder" if data.get("reminder") else "sent"
    effect = fx.SendMacro(step, to, str(macro), bool(data.get("reminder")))
    return _entry(times, row, what, f"macro {macro} to {to} ({data.get('to')})", effect, body)


def _step(times: Timeline, row: CaseEvent, data: dict[str, Any]) -> Entry:
    step, body = str(data.get("step") or ""), row.body or ""
    if "options" in data:
        effect: Any = fx.OfferOptions(step, body, tuple(data["options"]))
        return _entry(times, row, "offered", f"offered {', '.join(data['options'])}", effect)
    if data.get("resolution"):
        amount = Decimal(data["amount"]) if data.get("amount") is not None else None
        resolved = fx.RecordResolution(
            step, data["resolution"], amount, "", data.get("paid_by", "")
        )
        return _entry(times, row, "resolution", body, resolved)
    if data.get("task"):
        to = body.removeprefix("task for ").split(":", 1)[0]
        due = datetime.fromisoformat(data["due"])
        task = fx.OpenTask(step, to, body, due, None, data.get("role"))
        return _entry(times, row, "task", body, task)
    return _entry(
        times,
        row,
        "step",
        f"{data.get('step_kind', '')}: {body}",
        fx.StepLogged(step, str(data.get("step_kind", "")), body),
    )


def _one(times: Timeline, row: CaseEvent) -> Entry | None:
    data, body = dict(row.data or {}), row.body or ""
    kind = row.kind
    if kind == EventKind.MESSAGE_OUT:
        return _message_out(times, row, data)
    if kind == EventKind.NOTE and data.get("chat"):
        chat = fx.PostChat(str(data.get("step") or ""), data["chat"], body)
        return _entry(times, row, "chat", f"{data['chat']}: {body}", chat, body)
    if kind == EventKind.NOTE and data.get("to"):
        return _entry(times, row, "mail", f"mail to {data['to']}: {data.get('subject', '')}")
    if kind == EventKind.NOTE and "step" in data:
        comment = fx.AddComment(str(data.get("step") or ""), body)
        return _entry(times, row, "comment", body, comment, body)
    if kind == EventKind.PLAYBOOK_STEP:
        return _step(times, row, data)
    if kind == EventKind.APPROVAL and "step" in data:
        ask = fx.RequestApproval(data["step"], body, data.get("approver"), data.get("role"))
        return _entry(
            times, row, "approval", f"{data.get('approver') or data.get('role')}: {body}", ask
        )
    if kind == EventKind.FIELD_CHANGE:
        name = _PLAYBOOK_FIELDS.get(data["field"], data["field"])
        change = fx.SetFields("", {name: data["to"]})
        return _entry(times, row, "set", f"{name}={data['to']} ({body})", change)
    if kind == EventKind.MESSAGE_IN:
        return _entry(times, row, "message", body)
    if kind == EventKind.CONNECTOR_ANSWER:
        call = fx.CallConnector(
            str(data.get("step") or ""), str(data["connector"]), str(data["action"]), {}, ""
        )
        entry = _entry(times, row, "called", body, call)
        return replace(entry, outcome=str(data.get("outcome") or ""))
    return _entry(times, row, kind, body)


def _merge_sets(entries: list[Entry]) -> list[Entry]:
    """Field changes of one instant are one `set` (as a playbook step writes them together);
    each level raised is also an `escalate`."""
    merged: list[Entry] = []
    for e in entries:
        if isinstance(e.effect, fx.SetFields) and "level" in e.effect.changes:
            level = int(e.effect.changes["level"])
            merged.append(
                Entry(
                    e.at,
                    e.day,
                    e.step,
                    "escalate",
                    f"level {level}",
                    fx.Escalate(e.step, level, e.text),
                )
            )
        last = merged[-1] if merged else None
        if (
            isinstance(e.effect, fx.SetFields)
            and last is not None
            and isinstance(last.effect, fx.SetFields)
            and last.at == e.at
        ):
            changes = {**last.effect.changes, **e.effect.changes}
            text = ", ".join(f"{k}={v}" for k, v in changes.items())
            merged[-1] = Entry(last.at, last.day, last.step, "set", text, fx.SetFields("", changes))
            continue
        merged.append(e)
    return merged


def read_entries(session: Session, case_id: int, times: Timeline) -> list[Entry]:
    rows = session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
    ).all()
    entries = [e for e in (_one(times, row) for row in rows) if e is not None]
    return _merge_sets(entries)


def read_world(session: Session, case_id: int, times: Timeline) -> dict[str, Any]:
    """The case as the run left it, its SLA clocks and ledger rows, in plain values."""
    case = session.get(Case, case_id)
    assert case is not None
    assignee = session.get(Agent, case.assignee_id) if case.assignee_id else None
    clocks = {
        c.metric: {
            "policy": c.policy,
            "due": c.due_at,
            "breached": c.breached,
            "breached_at": c.breached_at,
            "warned": c.warned,
            "stopped": c.stopped_at is not None,
        }
        for c in session.scalars(select(SlaClockRow).where(SlaClockRow.case_id == case_id))
    }
    ledger = [
        {"kind": r.kind, "amount": r.amount, "currency": r.currency, "paid_by": r.paid_by}
        for r in session.scalars(
            select(LedgerEntry).where(LedgerEntry.case_id == case_id).order_by(LedgerEntry.id)
        )
    ]
    routing = session.scalars(
        select(CaseEvent.body)
        .where(CaseEvent.case_id == case_id, CaseEvent.kind == EventKind.ROUTING)
        .order_by(CaseEvent.id)
    ).all()
    order = session.get(Order, case.order_id) if case.order_id else None
    return {
        "order": None
        if order is None
        else {
            "number": order.external_ref,
            "status": order_status(order_state(order)),
            "refund_ref": order.refund_ref,
            "shipping_address": order.shipping_address,
        },
        "case": {
            "level": case.level,
            "category": case.category,
            "priority": case.priority,
            "status": case.status,
            "column": case.board_column,
            "assignee": assignee.name if assignee else None,
            "routing": list(routing),
        },
        "clocks": clocks,
        "ledger": ledger,
    }


def read_attachments(db: Database, world: World, blobs: Path) -> list[dict[str, Any]]:
    """The case's files (the raw original of a mail aside): whether the blob is stored with
    its size, and which of the scenario's agents see it on the case (the approver's card lists
    the same files, through the same door)."""
    senior = world.agents["agent"]  # the default agent: level 4, a lead
    seen: dict[int, list[str]] = {}
    for key, agent in world.agents.items():
        try:
            views = case_attachments(db, agent, world.case_id)
        except SopdeskError:
            continue
        for view in views:
            seen.setdefault(view.id, []).append(key)
    store = BlobStore(blobs)
    files = []
    for view in reversed(case_attachments(db, senior, world.case_id)):
        if view.filename == ORIGINAL_NAME:
            continue
        path = store.path_of(view.sha256)
        files.append(
            {
                "name": view.filename,
                "content_type": view.content_type,
                "size": view.size,
                "stored": path.is_file() and path.stat().st_size == view.size,
                "seen_by": seen.get(view.id, []),
            }
        )
    return files
