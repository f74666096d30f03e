"""The loaded desk: every desk file as one validated object, versioned by a content hash.

Cases record `Desk.version` when they start, so a running case keeps the rules it began under.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from sopdesk.domain.calendar import BusinessCalendar
from sopdesk.domain.desk.base import DeskDuration, DeskModel, Slug, nominal
from sopdesk.domain.desk.calendar import CalendarSpec
from sopdesk.domain.desk.case_limits import CaseLimit
from sopdesk.domain.desk.content import Article, Macro
from sopdesk.domain.desk.playbook import Playbook
from sopdesk.domain.desk.settings import (
    Approver,
    Bot,
    Channels,
    Connector,
    CustomerLinks,
    Limits,
    PartnerPortal,
    Review,
    StatusPage,
    Trends,
    Triage,
)
from sopdesk.domain.desk.sla import DEFAULT_CALENDAR, Fulfilment, SlaPolicy
from sopdesk.domain.desk.taxonomy import (
    Category,
    CategoryGroup,
    EscalationRule,
    Level,
    OffenseKind,
    Signal,
)
from sopdesk.domain.fulfilment import FulfilmentPromise


class BoardColumn(DeskModel):
    slug: Slug
    title: str
    description: str = ""
    # How long a solved or closed case keeps its card in this column before the board archives
    # it ("3 days"); none: the card leaves the board when the case is solved.
    keep_solved: DeskDuration | None = None

    def archive_before(self, now: datetime) -> datetime | None:
        """Solved cases closed before this instant are archived from the column (None: all)."""
        return None if self.keep_solved is None else now - nominal(self.keep_solved)


class Board(DeskModel):
    """board.yaml as written: the columns cases move through, in order."""

    columns: list[BoardColumn] = Field(min_length=1)


class Desk(BaseModel):
    """A whole desk, as the rest of sopdesk sees it."""

    model_config = ConfigDict(frozen=True)

    name: str
    timezone: str
    languages: list[str]  # the first is the default language
    version: str  # sha256 hex of the desk's files, independent of where the folder lies
    categories: dict[str, Category]  # by slug
    columns: list[BoardColumn]  # in board order
    levels: dict[int, Level] = Field(default_factory=dict)
    groups: list[CategoryGroup] = Field(default_factory=list)
    offense_kinds: dict[str, OffenseKind] = Field(default_factory=dict)
    count_offenses_across_linked_accounts: bool = True
    signals: dict[str, Signal] = Field(default_factory=dict)
    escalation_rules: list[EscalationRule] = Field(default_factory=list)
    case_limits: dict[Slug, CaseLimit] = Field(default_factory=dict)
    calendars: dict[str, CalendarSpec] = Field(default_factory=dict)  # "business" included
    sla_policies: list[SlaPolicy] = Field(default_factory=list)
    fulfilment: Fulfilment | None = None  # seed 002's processing and shipping promises
    playbooks: dict[str, Playbook] = Field(default_factory=dict)
    macros: dict[str, Macro] = Field(default_factory=dict)
    articles: dict[str, Article] = Field(default_factory=dict)
    channels: Channels = Field(default_factory=Channels)
    roles: dict[str, str] = Field(default_factory=dict)
    approvers: dict[str, Approver] = Field(default_factory=dict)
    limits: Limits = Field(default_factory=Limits)
    bot: Bot = Field(default_factory=Bot)
    status_page: StatusPage = Field(default_factory=StatusPage)
    triage: Triage = Field(default_factory=Triage)
    customer_links: CustomerLinks = Field(default_factory=CustomerLinks)
    partner_portal: PartnerPortal = Field(default_factory=PartnerPortal)
    trends: Trends = Field(default_factory=Trends)
    review: Review = Field(default_factory=Review)
    connectors: dict[str, Connector] = Field(default_factory=dict)  # desk.yaml `connectors:`
    # Where the desk was loaded from (not part of `version`): its trained models live in
    # `<folder>/.models`. Empty for a desk built in memory.
    folder: str = ""
    _built: dict[str, BusinessCalendar] = PrivateAttr(default_factory=dict)

    @property
    def default_language(self) -> str:
        return self.languages[0]

    def business_calendar(self, name: str = DEFAULT_CALENDAR) -> BusinessCalendar:
        """A calendar to compute business time with ("business" is desk.yaml's hours).

        Built once per name and kept; `sopdesk check` has already proved every one builds.
        """
        if name not in self._built:
            self._built[name] = self.calendars[name].build(self.timezone)
        return self._built[name]

    def fulfilment_terms(self) -> tuple[FulfilmentPromise, BusinessCalendar] | None:
        """Seed 002's promises and the calendar they count in; None without sla.yaml's
        `fulfilment`."""
        if self.fulfilment is None:
            return None
        return self.fulfilment.promise(), self.business_calendar(self.fulfilment.calendar)

    def category(self, slug: str) -> Category | None:
        return self.categories.get(slug)

    def column(self, slug: str) -> BoardColumn | None:
        return next((c for c in self.columns if c.slug == slug), None)

    def playbooks_for(self, category: str) -> list[Playbook]:
        """The playbooks that start on a case of this category."""
        return [p for p in self.playbooks.values() if category in p.trigger.categories]
