"""Incidents and maintenance of the status page: open, update and resolve an incident, link the
cases it caused, schedule maintenance; each update and window is mailed to the subscribers.

Leads and admins write; the reading side (the page, the feed, the bot) is in status_views.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, field_validator, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from sopdesk.domain.access import CaseAction
from sopdesk.domain.cases import Role
from sopdesk.domain.clock import Clock
from sopdesk.domain.desk import Desk
from sopdesk.domain.principal import Principal
from sopdesk.domain.sla_rules import ReplyOrigin
from sopdesk.domain.status import INCIDENT_STATES, ComponentState, IncidentPhase
from sopdesk.engine.access import load_case, require
from sopdesk.engine.customers import require_staff
from sopdesk.engine.drafts import MacroSend, send_macro
from sopdesk.engine.macro_context import case_facts, template_context
from sopdesk.engine.replies import Sent
from sopdesk.engine.status_mail import notify_subscribers
from sopdesk.engine.status_views import describe_incidents
from sopdesk.errors import Conflict, InvalidInput, NotFound
from sopdesk.store.db import Database
from sopdesk.store.models import (
    StatusIncident,
    StatusIncidentCase,
    StatusIncidentUpdate,
    StatusMaintenance,
)

WRITERS = (Role.LEAD, Role.ADMIN)
Body = Field(min_length=1, max_length=10_000)


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value.strip()


class OpenIncident(BaseModel):
    """A new incident: what is wrong, the first update and the components it hits."""

    title: str = Field(min_length=1, max_length=200)
    body: str = Body
    phase: IncidentPhase = IncidentPhase.INVESTIGATING
    components: dict[str, ComponentState] = Field(min_length=1)

    _title = field_validator("title", "body")(_not_blank)

    @model_validator(mode="after")
    def _open_phase(self) -> OpenIncident:
        if self.phase is IncidentPhase.RESOLVED:
            raise ValueError("an incident opens unresolved; open it, then resolve it")
        return self


class UpdateIncident(BaseModel):
    """A timed update; `components` replaces the affected states (None keeps them)."""

    phase: IncidentPhase
    body: str = Body
    components: dict[str, ComponentState] | None = None

    _body = field_validator("body")(_not_blank)

    @model_validator(mode="after")
    def _not_resolving(self) -> UpdateIncident:
        if self.phase is IncidentPhase.RESOLVED:
            raise ValueError("resolve an incident with its resolve action")
        return self


class ResolveIncident(BaseModel):
    """The last update; with `macro`, every linked customer gets that macro as the reply."""

    body: str = Body
    macro: str | None = None

    _body = field_validator("body")(_not_blank)


class LinkCase(BaseModel):
    case_id: int = Field(gt=0)


class ScheduleMaintenance(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(default="", max_length=10_000)
    starts_at: datetime
    ends_at: datetime
    components: list[str] = Field(min_length=1)

    _title = field_validator("title")(_not_blank)

    @model_validator(mode="after")
    def _window(self) -> ScheduleMaintenance:
        if self.starts_at.tzinfo is None or self.ends_at.tzinfo is None:
            raise ValueError("give starts_at and ends_at with a time zone, e.g. 2026-12-01T22:00Z")
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


def _check_components(desk: Desk, components: Any) -> None:
    known = {c.slug for c in desk.status_page.components}
    unknown = sorted(set(components) - known)
    if unknown:
        names = ", ".join(sorted(known)) or "none (add them to desk.yaml status_page)"
        raise InvalidInput(f"unknown component(s) {', '.join(unknown)}; the desk has: {names}")


def _check_states(states: dict[str, ComponentState]) -> None:
    for slug, state in states.items():
        if state not in INCIDENT_STATES:
            allowed = ", ".join(s.value for s in INCIDENT_STATES)
            raise InvalidInput(f"{slug}: an incident reports {allowed}, not {state.value}")


def _open_incident(session: Session, incident_id: int) -> StatusIncident:
    incident = session.get(StatusIncident, incident_id)
    if incident is None:
        raise NotFound(f"incident {incident_id} does not exist")
    if incident.resolved_at is not None:
        raise Conflict(f"incident {incident_id} is resolved already")
    return incident


def _add_update(
    session: Session,
    incident: StatusIncident,
    principal: Principal,
    phase: IncidentPhase,
    body: str,
    states: dict[str, Any],
    now: datetime,
) -> StatusIncidentUpdate:
    update = StatusIncidentUpdate(
        incident_id=incident.id,
        at=now,
        phase=phase.value,
        body=body,
        components=states,
        author_id=principal.id if principal.is_agent else None,
    )
    session.add(update)
    incident.phase = phase.value
    if phase is IncidentPhase.RESOLVED:
        incident.resolved_at = now
    session.flush()
    notify_subscribers(session, now, update_id=update.id)
    return update


def incident_view(session: Session, incident: StatusIncident) -> dict[str, Any]:
    """The incident with its updates (oldest first) and the ids of its linked cases."""
    view = describe_incidents(session, [incident])[0]
    view["cases"] = list(
        session.scalars(
            select(StatusIncidentCase.case_id)
            .where(StatusIncidentCase.incident_id == incident.id)
            .order_by(StatusIncidentCase.case_id)
        )
    )
    return view


def check_open_incident(desk: Desk, principal: Principal, command: OpenIncident) -> None:
    require(principal, "status.manage")
    _check_components(desk, command.components)
    _check_states(command.components)


def do_open_incident(
    db: Database, clock: Clock, principal: Principal, command: OpenIncident
) -> dict[str, Any]:
    now = clock.now()
    with db.transaction() as session:
        incident = StatusIncident(
            title=command.title,
            phase=command.phase.value,
            started_at=now,
            opened_by=principal.id if principal.is_agent else None,
        )
        session.add(incident)
        session.flush()
        states = {slug: state.value for slug, state in command.components.items()}
        _add_update(session, incident, principal, command.phase, command.body, states, now)
        return incident_view(session, incident)


def check_update_incident(
    db: Database, desk: Desk, principal: Principal, incident_id: int, command: UpdateIncident
) -> None:
    require(principal, "status.manage")
    if command.components is not None:
        if not command.components:
            raise InvalidInput("an unresolved incident affects at least one component")
        _check_components(desk, command.components)
        _check_states(command.components)
    with db.transaction(write=False) as session:
        _open_incident(session, incident_id)


def do_update_incident(
    db: Database, clock: Clock, principal: Principal, incident_id: int, command: UpdateIncident
) -> dict[str, Any]:
    now = clock.now()
    with db.transaction() as session:
        incident = _open_incident(session, incident_id)
        if command.components is None:
            last = incident_view(session, incident)["components"]
            states = dict(last)
        else:
            states = {slug: state.value for slug, state in command.components.items()}
        _add_update(session, incident, principal, command.phase, command.body, states, now)
        return incident_view(session, incident)


def check_resolve_incident(
    db: Database, desk: Desk, principal: Principal, incident_id: int, command: ResolveIncident
) -> None:
    require(principal, "status.manage")
    if command.macro is not None:
        macro = desk.macros.get(command.macro)
        if macro is None:
            raise InvalidInput(f"the desk has no macro {command.macro!r}")
        if macro.to != "customer":
            raise InvalidInput(f"macro {command.macro!r} is written to {macro.to}, not customers")
    with db.transaction(write=False) as session:
        _open_incident(session, incident_id)
        if command.macro is not None:
            # Every reply must be allowed before the incident is resolved, so none fails after.
            for case_id in session.scalars(
                select(StatusIncidentCase.case_id).where(
                    StatusIncidentCase.incident_id == incident_id
                )
            ):
                load_case(session, principal, case_id)


def do_resolve_incident(
    db: Database,
    clock: Clock,
    desk: Desk,
    principal: Principal,
    incident_id: int,
    command: ResolveIncident,
) -> dict[str, Any]:
    """Resolves the incident with its subscriber mail and, with a macro, the desk's reply on
    every linked case, all in one transaction: a crash answers every case or none. A case whose
    reply lacks a value (a nameless customer's first name) gets a draft, never a blank."""
    now = clock.now()
    with db.transaction() as session:
        incident = _open_incident(session, incident_id)
        _add_update(session, incident, principal, IncidentPhase.RESOLVED, command.body, {}, now)
        view = incident_view(session, incident)
        answered, held = _answer_cases(session, desk, principal, incident, command.macro, now)
    view["answered_cases"] = answered
    view["held_cases"] = held
    return view


def _answer_cases(
    session: Session,
    desk: Desk,
    principal: Principal,
    incident: StatusIncident,
    macro_slug: str | None,
    now: datetime,
) -> tuple[list[int], list[int]]:
    if macro_slug is None:
        return [], []
    macro = desk.macros[macro_slug]
    case_ids = session.scalars(
        select(StatusIncidentCase.case_id)
        .where(StatusIncidentCase.incident_id == incident.id)
        .order_by(StatusIncidentCase.case_id)
    ).all()
    answered: list[int] = []
    held: list[int] = []
    for case_id in case_ids:
        case = load_case(session, principal, case_id, CaseAction.CHANGE, lock=True)
        # The one macro context of every send; the person resolving the incident signs.
        context = template_context(case_facts(session, desk, case, now), {})
        if principal.name:
            first = principal.name.split(" ")[0]
            context["agent"] = {
                **context.get("agent", {}),
                "name": principal.name,
                "first_name": first,
            }
        context["incident"] = {"title": incident.title, "started": incident.started_at}
        send = MacroSend(
            macro,
            "customer",
            None,
            f"incident-{incident.id}-resolved",
            key=f"incident:{incident.id}:case:{case.id}",
            channel=case.channel,
            data={"incident_id": incident.id},
        )
        done = send_macro(session, desk, case, send, context, principal, now, ReplyOrigin.PERSON)
        (answered if isinstance(done, Sent) else held).append(case.id)
    return answered, held


def check_link_case(
    db: Database, principal: Principal, incident_id: int, command: LinkCase
) -> None:
    require_staff(principal)
    with db.transaction(write=False) as session:
        if session.get(StatusIncident, incident_id) is None:
            raise NotFound(f"incident {incident_id} does not exist")
        load_case(session, principal, command.case_id)


def do_link_case(
    db: Database, clock: Clock, principal: Principal, incident_id: int, command: LinkCase
) -> dict[str, Any]:
    """Links the case to the incident; linking it again changes nothing."""
    with db.transaction() as session:
        exists = session.scalar(
            select(StatusIncidentCase.id).where(
                StatusIncidentCase.incident_id == incident_id,
                StatusIncidentCase.case_id == command.case_id,
            )
        )
        if exists is None:
            session.add(
                StatusIncidentCase(
                    incident_id=incident_id,
                    case_id=command.case_id,
                    linked_at=clock.now(),
                    linked_by=principal.id if principal.is_agent else None,
                )
            )
            session.flush()
        incident = session.get(StatusIncident, incident_id)
        assert incident is not None  # checked by check_link_case
        return incident_view(session, incident)


def check_schedule_maintenance(
    desk: Desk, principal: Principal, command: ScheduleMaintenance
) -> None:
    require(principal, "status.manage")
    _check_components(desk, command.components)


def do_schedule_maintenance(
    db: Database, clock: Clock, command: ScheduleMaintenance
) -> dict[str, Any]:
    with db.transaction() as session:
        window = StatusMaintenance(
            title=command.title,
            body=command.body,
            starts_at=command.starts_at,
            ends_at=command.ends_at,
            components=sorted(set(command.components)),
            created_at=clock.now(),
        )
        session.add(window)
        session.flush()
        notify_subscribers(session, clock.now(), maintenance_id=window.id)
        return {
            "id": window.id,
            "title": window.title,
            "body": window.body,
            "starts_at": window.starts_at,
            "ends_at": window.ends_at,
            "components": window.components,
        }
