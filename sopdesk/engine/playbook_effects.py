"""Applying a run's effects inside the caller's transaction: timeline, fields, timers, outbox.

What the interpreter and templates read about a case is built in engine/macro_context.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sopdesk.desk.templates import render
from sopdesk.domain.cases import EventKind
from sopdesk.domain.desk import Desk
from sopdesk.domain.playbooks import effects as fx
from sopdesk.domain.principal import Principal
from sopdesk.domain.sla_rules import ReplyOrigin
from sopdesk.engine.case_fields import set_fields
from sopdesk.engine.drafts import MacroSend, send_macro
from sopdesk.engine.macro_context import case_facts, fill, template_context
from sopdesk.engine.outbox import NOTE_WHEN_SENT, OutboxKind, write_outbox
from sopdesk.engine.replies import Sent
from sopdesk.engine.sla_notify import mail_notes
from sopdesk.engine.timeline import NewEvent, append_event
from sopdesk.errors import InvalidInput
from sopdesk.store.models import (
    Case,
    ConnectorCall,
    LedgerEntry,
    OutboxMessage,
    PlaybookRun,
    Timer,
)

TIMER_KIND = "playbook.timer"
# A partner's task is due: remind the partner if it is still open (engine/partner_reminders.py).
PARTNER_REMINDER_KIND = "partner.reminder"
_CASE_FIELDS = {"column": "board_column"}


def _recipient(case_facts_: dict[str, Any], variables: dict[str, Any], to: str) -> str | None:
    if to == "customer":
        return (case_facts_.get("customer") or {}).get("email")
    if to == "partner":
        return (case_facts_.get("partner") or {}).get("email")
    if to == "other-customer":
        return variables.get("recipient_email")
    return variables.get("team_email")


class Applier:
    """Applies one advance()'s effects for one run, in the session of the run's change."""

    def __init__(
        self,
        session: Session,
        desk: Desk,
        case: Case,
        run: PlaybookRun,
        now: datetime,
        actor: Principal,
        variables: dict[str, Any],
        answers: dict[str, Any],
        origin: ReplyOrigin,
    ) -> None:
        """`origin` says whether a person caused these effects (an agent worked the step) or
        sopdesk did on its own (a triggered start, a timer): only a person's send answers."""
        self.session, self.desk, self.case, self.run = session, desk, case, run
        self.now, self.actor, self.origin = now, actor, origin
        self.changed: set[str] = set()
        self.handoffs: list[fx.HandOff] = []  # playbooks to start once this run is saved
        self.facts = case_facts(session, desk, case, now)
        self.context = {**template_context(self.facts, variables), "answers": answers}
        self.variables = variables
        # The mail each step sent in this batch (None: nothing could be queued), so the step's
        # note ("email sent") is written when the mail is sent, not before (worker.py).
        self._mailed: dict[str, OutboxMessage | None] = {}

    def apply(self, effects: list[fx.Effect], key: str) -> None:
        """`key` is unique per change of the run (its revision): outbox keys derive from it."""
        for index, effect in enumerate(effects):
            self._one(effect, f"{key}:{index}")
        self.case.updated_at = self.now

    def _event(self, kind: EventKind, body: str | None, **data: Any) -> Any:
        return append_event(
            self.session,
            self.case.id,
            kind,
            self.now,
            self.actor,
            body=body,
            data={"run_id": self.run.id, "playbook": self.run.playbook, **data},
        )

    def _one(self, effect: fx.Effect, key: str) -> None:
        if isinstance(effect, fx.StepLogged):
            data = {"step": effect.step, "step_kind": effect.kind}
            self._event(EventKind.PLAYBOOK_STEP, effect.text, **data)
        elif isinstance(effect, fx.SendMacro):
            self._send(effect, key)
        elif isinstance(effect, fx.PostChat):
            text = fill(effect.template, self.context)
            note = self._event(EventKind.NOTE, text, step=effect.step, chat=effect.channel)
            self.session.flush()  # the post's delivery state shows on its note
            payload = {"channel": effect.channel, "text": text, "event_id": note.id}
            self._outbox(OutboxKind.CHAT, key, payload)
        elif isinstance(effect, fx.StartTimer):
            payload = {"run_id": self.run.id, "token": effect.token, "purpose": effect.purpose}
            self.session.add(
                Timer(
                    due_at=effect.due,
                    kind=TIMER_KIND,
                    case_id=self.case.id,
                    payload=payload,
                    attempts=0,
                    created_at=self.now,
                )
            )
        elif isinstance(effect, fx.CancelTimer):
            self._cancel(effect.token)
        elif isinstance(effect, fx.SetFields):
            self._set(effect)
        elif isinstance(effect, fx.Escalate):
            self._change({"level": max(self.case.level, effect.level)}, effect.reason)
        elif isinstance(effect, fx.OpenTask):
            self._task(effect, key)
        elif isinstance(effect, fx.RecordResolution):
            self._resolve(effect)
        elif isinstance(effect, fx.AddComment):
            self._comment(effect)
        elif isinstance(effect, fx.RequestApproval):
            ask = fill(effect.ask, self.context)
            self._event(
                EventKind.APPROVAL,
                ask,
                step=effect.step,
                approver=effect.approver,
                role=effect.role,
                document=effect.document,
                until=effect.until.isoformat() if effect.until else None,
            )
            self._tell_approver(effect, ask, key)
        elif isinstance(effect, fx.CallConnector):
            self._call(effect, key)
        elif isinstance(effect, fx.HandOff):
            why = f": {fill(effect.reason, self.context)}" if effect.reason else ""
            self._event(
                EventKind.PLAYBOOK_STEP,
                f"handed the case over to playbook {effect.playbook}{why}",
                step=effect.step,
                handoff=effect.playbook,
            )
            self.handoffs.append(effect)
        elif isinstance(effect, fx.AskAgent):
            self._event(
                EventKind.PLAYBOOK_STEP,
                f"task for team: {effect.text}",
                step=effect.step,
                task=True,
                due=self.now.isoformat(),
                role=None,
            )
        elif isinstance(effect, fx.OfferOptions):
            self._event(
                EventKind.PLAYBOOK_STEP,
                effect.prompt,
                step=effect.step,
                options=list(effect.options),
            )

    def _call(self, effect: fx.CallConnector, key: str) -> None:
        """The request on the timeline, its connector_calls row and its outbox row, together:
        the worker makes the call (engine/connectors.py) with the row's idempotency key."""
        arguments: dict[str, str] = {}
        problems = []
        for name, template in effect.arguments.items():
            try:
                arguments[name] = render(template, self.context)
            except InvalidInput as exc:
                problems.append(f"{name}: {exc.message}")
        idempotency_key = f"playbook:{self.run.id}:{key}"
        action = f"{effect.connector}.{effect.action}"
        shown = ", ".join(f"{k}={v}" for k, v in arguments.items())
        self._event(
            EventKind.CONNECTOR_CALL,
            f"call {action}" + (f" with {shown}" if shown else ""),
            step=effect.step,
            connector=effect.connector,
            action=effect.action,
            arguments=arguments,
            idempotency_key=idempotency_key,
            problems=problems,
        )
        call = ConnectorCall(
            case_id=self.case.id,
            run_id=self.run.id,
            step=effect.step,
            call=effect.call,
            connector=effect.connector,
            action=effect.action,
            idempotency_key=idempotency_key,
            arguments={"values": arguments, "problems": problems},
            status="pending",
            answer=None,
            attempts=0,
            created_at=self.now,
        )
        self.session.add(call)
        self.session.flush()
        self._outbox(OutboxKind.CONNECTOR_CALL, key, {"call_id": call.id})

    def _tell_approver(self, effect: fx.RequestApproval, ask: str, key: str) -> None:
        """A named approver hears of the request at once: a mail, and team chat if set."""
        named = self.desk.approvers.get(effect.approver) if effect.approver else None
        if named is None:
            return
        subject = f"Approval needed on case {self.case.id}: {self.case.subject}"
        text = f"{ask}\n\nCase {self.case.id}: {self.case.subject}"
        note = NewEvent.of(
            self.case.id,
            EventKind.NOTE,
            self.now,
            self.actor,
            body=text,
            channel="email",
            data={"to": named.email, "recipient": "team", "subject": subject, "step": effect.step},
        )
        mail_notes(self.session, [note], f"playbook:{self.run.id}:{key}:approver", self.now)
        if named.chat:
            chat = {"channel": named.chat, "text": f"{named.name}: {subject}"}
            self._outbox(OutboxKind.CHAT, f"{key}:approver", chat)

    def _comment(self, effect: fx.AddComment) -> None:
        text = fill(effect.template, self.context)
        if effect.step not in self._mailed:
            self._event(EventKind.NOTE, text, step=effect.step)
            return
        mail = self._mailed[effect.step]
        if mail is not None:  # written by the worker once the mail server took the mail
            mail.payload = {**mail.payload, NOTE_WHEN_SENT: {"text": text, "step": effect.step}}

    def _outbox(self, kind: OutboxKind, key: str, payload: dict[str, Any]) -> OutboxMessage:
        return write_outbox(
            self.session,
            kind,
            key=f"playbook:{self.run.id}:{key}",
            case_id=self.case.id,
            payload=payload,
            now=self.now,
        )

    def _mail(
        self, step: str, to: str, macro_slug: str, key: str, review: bool = False, **extra: Any
    ) -> None:
        macro = self.desk.macros.get(macro_slug)
        address = _recipient(self.facts, self.variables, to)
        if macro is None:
            self._event(EventKind.NOTE, f"macro '{macro_slug}' is not in the desk; nothing sent")
            return
        data: dict[str, Any] = {"step": step, **extra}
        data.update({"run_id": self.run.id, "playbook": self.run.playbook})
        send = MacroSend(
            macro,
            to,
            address,
            step,
            key=f"playbook:{self.run.id}:{key}",
            review=review,
            run_id=self.run.id,
            data=data,
        )
        done = send_macro(
            self.session,
            self.desk,
            self.case,
            send,
            self.context,
            self.actor,
            self.now,
            self.origin,
        )
        self._mailed[step] = done.outbox if isinstance(done, Sent) else None

    def _send(self, effect: fx.SendMacro, key: str) -> None:
        self._mail(
            effect.step, effect.to, effect.macro, key, effect.review, reminder=effect.reminder
        )

    def _task(self, effect: fx.OpenTask, key: str) -> None:
        opened = self._event(
            EventKind.PLAYBOOK_STEP,
            f"task for {effect.to}: {fill(effect.title, self.context)}",
            step=effect.step,
            task=True,
            due=effect.due.isoformat(),
            role=effect.role,
        )
        if effect.to == "partner":
            self.session.flush()  # the reminder names the task's timeline entry
            payload = {"run_id": self.run.id, "step": effect.step, "task_event_id": opened.id}
            self.session.add(
                Timer(
                    due_at=effect.due,
                    kind=PARTNER_REMINDER_KIND,
                    case_id=self.case.id,
                    payload=payload,
                    attempts=0,
                    created_at=self.now,
                )
            )
        if effect.macro:
            self._mail(effect.step, effect.to, effect.macro, key, task=True)

    def _cancel(self, token: str) -> None:
        timers = self.session.scalars(
            select(Timer).where(Timer.case_id == self.case.id, Timer.kind == TIMER_KIND)
        )
        for timer in timers:
            payload = timer.payload or {}
            if payload.get("run_id") == self.run.id and payload.get("token") == token:
                self.session.delete(timer)

    def _change(self, changes: dict[str, Any], reason: str | None = None) -> None:
        """Through the case core, like any other door: clocks, routing, assignee follow."""
        changes = {_CASE_FIELDS.get(name, name): value for name, value in changes.items()}
        why = reason or f"playbook '{self.run.playbook}'"
        self.changed |= set_fields(
            self.session, self.desk, self.case, changes, self.actor, self.now, reason=why
        )

    def _set(self, effect: fx.SetFields) -> None:
        changes = dict(effect.changes)
        if effect.add_tags or effect.remove_tags:
            tags = (set(self.case.tags or []) | set(effect.add_tags)) - set(effect.remove_tags)
            changes["tags"] = sorted(tags)
        self._change(changes)

    def _resolve(self, effect: fx.RecordResolution) -> None:
        self.session.add(
            LedgerEntry(
                case_id=self.case.id,
                run_id=self.run.id,
                kind=effect.kind,
                amount=effect.amount,
                currency=effect.currency,
                paid_by=effect.paid_by,
                description=effect.description,
                at=self.now,
            )
        )
        amount = f" of {effect.amount} {effect.currency}" if effect.amount is not None else ""
        self._event(
            EventKind.PLAYBOOK_STEP,
            f"{effect.kind}{amount}, paid by {effect.paid_by}",
            step=effect.step,
            resolution=effect.kind,
            amount=str(effect.amount) if effect.amount is not None else None,
            paid_by=effect.paid_by,
        )
