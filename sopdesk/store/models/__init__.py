"""The tables of sopdesk (SQLAlchemy 2 declarative models), one module per area.

Importing this package registers every table on `Base.metadata` (Alembic and the tests read it).
"""

from __future__ import annotations

from sopdesk.store.models.agents import Agent, ApiToken
from sopdesk.store.models.base import NAMING, Base
from sopdesk.store.models.bot import BotConversation
from sopdesk.store.models.case_items import CaseItem
from sopdesk.store.models.case_links import CaseLinkRow
from sopdesk.store.models.cases import Attachment, Case, CaseEvent
from sopdesk.store.models.commerce import Order, OrderItem, Shipment
from sopdesk.store.models.connectors import ConnectorCall
from sopdesk.store.models.customer_audit import CustomerAudit
from sopdesk.store.models.customers import Customer, CustomerIdentity, CustomerLink
from sopdesk.store.models.drafts import Draft
from sopdesk.store.models.email import EmailMessage
from sopdesk.store.models.insight import Callout
from sopdesk.store.models.kb import KbFeedback, KbPassage
from sopdesk.store.models.mailbox import MailboxMessage
from sopdesk.store.models.partners import Partner, PartnerUser
from sopdesk.store.models.playbooks import LedgerEntry, PlaybookRun, PlaybookVersion
from sopdesk.store.models.presence import CasePresence
from sopdesk.store.models.reports import REPORT_INDEXES
from sopdesk.store.models.sessions import ConsoleSession
from sopdesk.store.models.sla import SlaClockRow
from sopdesk.store.models.status import (
    StatusIncident,
    StatusIncidentCase,
    StatusIncidentUpdate,
    StatusMaintenance,
    StatusSubscriber,
)
from sopdesk.store.models.views import SavedView
from sopdesk.store.models.work import OutboxMessage, Timer

__all__ = [
    "NAMING",
    "REPORT_INDEXES",
    "Agent",
    "ApiToken",
    "Attachment",
    "Base",
    "BotConversation",
    "Callout",
    "Case",
    "CaseEvent",
    "CaseItem",
    "CaseLinkRow",
    "CasePresence",
    "ConnectorCall",
    "ConsoleSession",
    "Customer",
    "CustomerAudit",
    "CustomerIdentity",
    "CustomerLink",
    "Draft",
    "EmailMessage",
    "KbFeedback",
    "KbPassage",
    "LedgerEntry",
    "MailboxMessage",
    "Order",
    "OrderItem",
    "OutboxMessage",
    "Partner",
    "PartnerUser",
    "PlaybookRun",
    "PlaybookVersion",
    "SavedView",
    "Shipment",
    "SlaClockRow",
    "StatusIncident",
    "StatusIncidentCase",
    "StatusIncidentUpdate",
    "StatusMaintenance",
    "StatusSubscriber",
    "Timer",
]
