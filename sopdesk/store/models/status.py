"""The status page: incidents with their timed updates and linked cases, scheduled maintenance,
and the people subscribed to status mail.

Tables only; what they mean is decided in sopdesk.domain.status and applied in sopdesk.engine.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sopdesk.store.models.base import Base, Id


class StatusIncident(Base):
    """An incident; `phase` and `resolved_at` mirror its latest update for quick listing."""

    __tablename__ = "status_incidents"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    phase: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None] = mapped_column(index=True)
    opened_by: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))


class StatusIncidentUpdate(Base):
    """One timed update: the phase from then on, what the team says, and the state of every
    component the incident affects (slug → state) from then on."""

    __tablename__ = "status_incident_updates"
    __table_args__ = (Index("ix_status_incident_updates_incident", "incident_id", "at", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("status_incidents.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    phase: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)
    components: Mapped[dict[str, Any]] = mapped_column(default=dict)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))


class StatusIncidentCase(Base):
    """A case the incident caused, linked by an agent (or by the bot and triage)."""

    __tablename__ = "status_incident_cases"
    __table_args__ = (UniqueConstraint("incident_id", "case_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("status_incidents.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    linked_at: Mapped[datetime]
    linked_by: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))


class StatusMaintenance(Base):
    """A window in which the listed components are expected to be down."""

    __tablename__ = "status_maintenance"
    __table_args__ = (Index("ix_status_maintenance_window", "ends_at", "starts_at"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    components: Mapped[list[str]] = mapped_column(default=list)
    created_at: Mapped[datetime]


class StatusSubscriber(Base):
    """An address that asked for status mail; it gets mail once `confirmed_at` is set."""

    __tablename__ = "status_subscribers"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    created_at: Mapped[datetime]
    confirmed_at: Mapped[datetime | None]
