"""The vocabulary of a case: statuses, priorities, channels, timeline event kinds, roles.

Plain enumerations and the small pure rules over them; adapters store their `.value`.
"""

from __future__ import annotations

from enum import StrEnum


class CaseStatus(StrEnum):
    NEW = "new"
    OPEN = "open"
    WAITING_CUSTOMER = "waiting_customer"
    WAITING_PARTNER = "waiting_partner"
    WAITING_APPROVAL = "waiting_approval"
    SOLVED = "solved"
    CLOSED = "closed"
    SPAM = "spam"

    @property
    def is_open(self) -> bool:
        return self not in (CaseStatus.SOLVED, CaseStatus.CLOSED, CaseStatus.SPAM)


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """Higher is more urgent; queues sort on it."""
        return _PRIORITY_RANK[self]


_PRIORITY_RANK = {Priority.LOW: 0, Priority.NORMAL: 1, Priority.HIGH: 2, Priority.CRITICAL: 3}


class Channel(StrEnum):
    EMAIL = "email"
    WEB = "web"
    CHAT = "chat"
    PHONE = "phone"
    API = "api"
    BOT = "bot"
    PORTAL = "portal"


class EventKind(StrEnum):
    """What a timeline entry records. The timeline is append-only."""

    CASE_CREATED = "case_created"
    MESSAGE_IN = "message_in"
    MESSAGE_OUT = "message_out"
    NOTE = "note"
    CALL = "call"
    FIELD_CHANGE = "field_change"
    ROUTING = "routing"
    PLAYBOOK_STEP = "playbook_step"
    APPROVAL = "approval"
    SLA_EVENT = "sla_event"
    TRIAGE = "triage"
    CONNECTOR_CALL = "connector_call"  # a playbook's request to a connector
    CONNECTOR_ANSWER = "connector_answer"  # its answer (ok, refused with reason, failed)


class Role(StrEnum):
    AGENT = "agent"
    LEAD = "lead"
    APPROVER = "approver"
    ADMIN = "admin"


class ActorKind(StrEnum):
    AGENT = "agent"
    CUSTOMER = "customer"
    PARTNER = "partner"
    SYSTEM = "system"


class IdentityKind(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    ADDRESS = "address"


MIN_LEVEL = 1
MAX_LEVEL = 4


def can_see_level(agent_level: int, roles: frozenset[Role], case_level: int) -> bool:
    """Seed 002: each level handles "anything from the levels below AND ..." its own work.

    An agent sees cases at or below their level; leads and admins see every level.
    """
    return sees_every_level(roles) or case_level <= agent_level


def sees_every_level(roles: frozenset[Role]) -> bool:
    """Leads and admins see the cases of every level (the case-level check's exception)."""
    return Role.ADMIN in roles or Role.LEAD in roles


def highest_level_seen(agent_level: int, roles: frozenset[Role]) -> int | None:
    """The highest case level an agent sees (the one rule of `can_see_level`, in the form a
    query filter needs); None when they see every level (leads and admins)."""
    return None if sees_every_level(roles) else agent_level
