"""The desk as the domain sees it: pure Pydantic models of every desk file, no I/O.

`sopdesk.desk` reads a folder into these; everything else reads a `Desk`.
"""

from __future__ import annotations

from sopdesk.domain.desk.base import DeskDuration
from sopdesk.domain.desk.calendar import CalendarSpec, Holidays, Interval, WeeklyHours
from sopdesk.domain.desk.content import Article, Macro, MacroText
from sopdesk.domain.desk.desk import Board, BoardColumn, Desk
from sopdesk.domain.desk.playbook import STEP_KINDS, Playbook, Step
from sopdesk.domain.desk.settings import Approver, DeskSettings
from sopdesk.domain.desk.sla import Fulfilment, SlaPolicy
from sopdesk.domain.desk.taxonomy import Category, CategoryGroup, EscalationRule, Taxonomy

__all__ = [
    "STEP_KINDS",
    "Approver",
    "Article",
    "Board",
    "BoardColumn",
    "CalendarSpec",
    "Category",
    "CategoryGroup",
    "Desk",
    "DeskDuration",
    "DeskSettings",
    "EscalationRule",
    "Fulfilment",
    "Holidays",
    "Interval",
    "Macro",
    "MacroText",
    "Playbook",
    "SlaPolicy",
    "Step",
    "Taxonomy",
    "WeeklyHours",
]
