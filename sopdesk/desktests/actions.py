"""A scenario's events acted out through the live desk's doors, as the named agent, the
partner or the customer would: each door checks first (a refusal is the engine's own), then
writes.

A customer message with attachments goes through the customer's case link (the door a
customer uploads a document through): each attachment is stored as a real blob.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from sopdesk.desktests.world import World
from sopdesk.domain.clock import ManualClock
from sopdesk.domain.desk import Desk
from sopdesk.domain.links import CaseLink
from sopdesk.domain.playbooks.scenario import Scenario, ScenarioAttachment, ScenarioEvent
from sopdesk.domain.playbooks.simulation import to_event
from sopdesk.domain.principal import Principal
from sopdesk.engine.cases import (
    AddMessage,
    ChangeCase,
    SetCaseItems,
    check_add_message,
    check_change_case,
    check_set_case_items,
    do_add_message,
    do_change_case,
    do_set_case_items,
)
from sopdesk.engine.customer_cases import Upload, check_customer_reply, do_customer_reply
from sopdesk.engine.partner_tasks import (
    AnswerTask,
    check_answer_task,
    do_answer_task,
    list_partner_tasks,
)
from sopdesk.engine.playbook_checks import check_send_event
from sopdesk.engine.playbooks import do_send_event
from sopdesk.errors import NotFound
from sopdesk.store.blobs import BlobStore
from sopdesk.store.db import Database
from sopdesk.store.models import Case, OrderItem, PlaybookRun

LINK_DAYS = 30  # the customer's case link the scenario's uploads go through


@dataclass
class Actions:
    """Acts out one event at the clock's instant; raises the engine's error when refused."""

    db: Database
    clock: ManualClock
    desk: Desk
    scenario: Scenario
    world: World
    blobs: Path
    fields_pending: dict[str, Any] = field(default_factory=dict)

    def actor(self, key: str) -> Principal:
        if key not in self.world.agents:
            known = ", ".join(sorted(self.world.agents))
            raise NotFound(f"no agent '{key}' in the scenario (known: {known})")
        return self.world.agents[key]

    def act(self, step: ScenarioEvent) -> None:
        case_id = self.world.case_id
        actor = self.actor(step.by if step.by in self.world.agents else "agent")
        if step.by not in self.world.agents and step.reply is None and step.message is None:
            self.actor(step.by)  # names the unknown agent
        if step.reply == "partner" or (step.task_done is not None and step.by == "partner"):
            self._partner_answers(step)
        elif step.attachments:
            self._customer_uploads(step)
        elif step.reply is not None or step.message is not None:
            body = step.message or f"(a message from the {step.reply})"
            message = AddMessage(kind="inbound", body=body)
            check_add_message(self.db, actor, case_id, message)
            do_add_message(self.db, self.clock, actor, case_id, message, self.desk)
        elif step.agent_reply is not None:
            message = AddMessage(kind="reply", body=step.agent_reply)
            check_add_message(self.db, actor, case_id, message)
            do_add_message(self.db, self.clock, actor, case_id, message, self.desk)
        elif step.items is not None:
            items = SetCaseItems(item_ids=self._item_ids(step.items))
            check_set_case_items(self.db, actor, case_id, items)
            do_set_case_items(self.db, self.clock, actor, case_id, items, self.desk)
        elif step.change is not None:
            command = ChangeCase.model_validate(step.change)
            changes = check_change_case(self.db, actor, self.desk, case_id, command)
            do_change_case(self.db, self.clock, actor, case_id, changes, command.reason, self.desk)
        else:
            self._playbook_event(step, actor)

    def _playbook_event(self, step: ScenarioEvent, actor: Principal) -> None:
        if self.fields_pending and step.values is not None:
            # Values the scenario knows before the run are what the agent records with the
            # first action on the run (the live desk has no other door for them).
            step = step.model_copy(update={"values": {**self.fields_pending, **step.values}})
            self.fields_pending = {}
        run_id, event = self._run_id(), to_event(step)
        check_send_event(self.db, actor, self.desk, run_id, event)
        do_send_event(self.db, self.clock, self.desk, actor, run_id, event)

    def _run_id(self) -> int:
        with self.db.transaction(write=False) as session:
            run_id = session.scalar(
                select(PlaybookRun.id)
                .where(
                    PlaybookRun.case_id == self.world.case_id,
                    PlaybookRun.playbook == self.scenario.playbook,
                )
                .order_by(PlaybookRun.id.desc())
            )
        if run_id is None:
            raise NotFound(f"the case has no run of playbook '{self.scenario.playbook}'")
        return int(run_id)

    def _partner_answers(self, step: ScenarioEvent) -> None:
        partner = self.world.partner
        if partner is None:
            raise NotFound("the scenario has no partner to answer (case.partner)")
        tasks = [t for t in list_partner_tasks(self.db, self.clock, partner) if t.status == "open"]
        if not tasks:
            raise NotFound("the partner has no open task to answer")
        values = step.values
        command = AnswerTask(
            answer=str(values.get("answer") or "Done, see above."),
            carrier=values.get("carrier"),
            tracking_number=values.get("tracking_number"),
        )
        task = check_answer_task(self.db, self.clock, partner, tasks[0].id, command)
        do_answer_task(self.db, self.clock, self.desk, partner, task, command)

    def _customer_uploads(self, step: ScenarioEvent) -> None:
        """The customer replies through their case link, one reply per attachment (the link's
        form takes one document); the text goes with the first."""
        with self.db.transaction(write=False) as session:
            case = session.get(Case, self.world.case_id)
            assert case is not None
            customer_id = case.customer_id
        now = self.clock.now()
        link = CaseLink(self.world.case_id, customer_id, now + timedelta(days=LINK_DAYS), now)
        store = BlobStore(self.blobs)
        for n, attachment in enumerate(step.attachments):
            blob = store.write_bytes(attachment_bytes(attachment))
            upload = Upload(blob, attachment.name, attachment.content_type)
            text = check_customer_reply((step.message or "") if n == 0 else "", upload)
            do_customer_reply(self.db, self.clock, self.desk, link, text, upload)

    def _item_ids(self, names: list[str]) -> list[int]:
        """The ids of the case's order lines the scenario names (an unknown name: -1, which
        the engine refuses as it would refuse an agent's mistake)."""
        with self.db.transaction(write=False) as session:
            case = session.get(Case, self.world.case_id)
            order_id = case.order_id if case is not None else None
            lines = session.scalars(select(OrderItem).where(OrderItem.order_id == order_id))
            by_name = {i.name: i.id for i in lines}
        return [by_name.get(name, -1) for name in names]


def attachment_bytes(attachment: ScenarioAttachment) -> bytes:
    """The file's bytes: its inline content, or `size` bytes that repeat its name (the same
    bytes on every run, so the blob's hash is too)."""
    if attachment.content is not None:
        return attachment.content.encode("utf-8")
    seed = (attachment.name + "\n").encode("utf-8")
    return (seed * (attachment.size // len(seed) + 1))[: attachment.size]
