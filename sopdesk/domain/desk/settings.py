"""desk.yaml: who the desk is, when it is open, how customers reach it, who may approve.

Also the bot (answers from the knowledge base, hands off to the team) and the status page.
"""

from __future__ import annotations

from typing import Literal

from pydantic import EmailStr, Field, model_validator

from sopdesk.domain.desk.base import DeskModel, Language, Slug
from sopdesk.domain.desk.calendar import Holidays, WeeklyHours
from sopdesk.domain.desk.sla import Priority


class EmailChannel(DeskModel):
    address: EmailStr
    display_name: str = ""
    # A new case from mail to this address gets this priority and category (seed 003's
    # team@ address for critical issues: priority critical, its 1-hour target and on-call page).
    priority: Priority | None = None
    category: Slug | None = None


class Channels(DeskModel):
    """How customers reach the desk, and the team-chat channels it posts to."""

    email: list[EmailChannel] = Field(default_factory=list)
    web_form: bool = True
    chat_widget: bool = True
    phone: bool = False
    partner_portal: bool = False
    team_chat: list[str] = Field(default_factory=list)  # e.g. "#cs-handling"
    # Slack-compatible incoming-webhook URL per chat channel; "env:NAME" reads the URL from
    # the environment variable NAME, so the secret URL need not be committed with the desk.
    chat_webhooks: dict[str, str] = Field(default_factory=dict)

    def address_for(self, recipients: tuple[str, ...] | list[str]) -> EmailChannel | None:
        """The desk address a mail was sent to that sets a priority or category (the first
        such address among the recipients), if any."""
        wanted = {r.strip().lower() for r in recipients}
        for channel in self.email:
            if str(channel.address).lower() in wanted and (channel.priority or channel.category):
                return channel
        return None


class Approver(DeskModel):
    """A named person who approves, e.g. Arvin for proofs of purchase (seed 001)."""

    name: str
    email: EmailStr
    approves: list[str] = Field(default_factory=list)  # what they approve, in words
    delegates: list[EmailStr] = Field(default_factory=list)  # who may decide in their stead
    chat: str | None = None  # a team-chat channel told of each approval they are asked for


class Handoff(DeskModel):
    """When and how the bot hands a conversation to a person, with the transcript."""

    after_unhelpful_answers: int = Field(default=1, ge=1, le=5)
    on_request: bool = True  # "talk to a person" always hands off
    level: int = Field(default=1, ge=1, le=4)
    priority: Priority = "normal"
    category: Slug | None = None
    playbook: Slug | None = None


class Bot(DeskModel):
    enabled: bool = False
    answers_from: list[str] = Field(default_factory=lambda: ["kb", "status_page"])
    cite_sources: bool = True
    feedback_question: str = "Did this answer your question?"
    # the bot answers only when its re-scorer is at least this sure the passage answers;
    # 0.5 is the operating point fitted by bench/bot.py (97% precision on its fit split)
    confidence: float = Field(default=0.5, ge=0.0, le=1.0)
    handoff: Handoff = Field(default_factory=Handoff)


class StatusComponent(DeskModel):
    slug: Slug
    title: str
    description: str = ""
    group: str = ""  # the heading the status page lists it under; "" lists it on its own


class StatusPage(DeskModel):
    title: str = "Status"
    url: str = ""
    components: list[StatusComponent] = Field(default_factory=list)


class Limits(DeskModel):
    """Money limits playbooks refer to as `desk.limits.<name>`."""

    currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")
    high_value_item: float | None = Field(default=None, gt=0)
    refund_without_approval: float | None = Field(default=None, gt=0)


class CustomerLinks(DeskModel):
    """How long a customer's case link keeps working once the case is closed."""

    closed_days: int = Field(default=14, ge=0, le=365)


PartnerFact = Literal["order", "items", "customer_first_name", "customer_name", "customer_message"]


DEFAULT_PARTNER_FACTS: list[PartnerFact] = [
    "order",
    "items",
    "customer_first_name",
    "customer_message",
]


class PartnerPortal(DeskModel):
    """What a partner (a shop) sees of the customer's report on its task page. The customer's
    message is shown with e-mail addresses and phone numbers blanked; the customer's own e-mail
    and phone are never shown."""

    show: list[PartnerFact] = Field(default_factory=lambda: list(DEFAULT_PARTNER_FACTS))


BUILTIN_CONNECTORS = {
    # sopdesk's own order records: a desk can act on an order without an outside system.
    "orders": ("cancel", "modify-address", "record-return", "record-exchange"),
}


class Connector(DeskModel):
    """An outside system a playbook `call` step acts on: an HTTP(S) endpoint that receives a
    signed request, or a Python entry point `module:function` of an installed plugin."""

    url: str | None = Field(default=None, pattern=r"^https?://\S+$", max_length=2000)
    entry_point: str | None = Field(
        default=None, pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$", max_length=300
    )
    # The environment variable that holds the HMAC-SHA256 key of the request signature, so
    # the secret is never committed with the desk.
    secret_env: str | None = Field(default=None, pattern=r"^[A-Z_][A-Z0-9_]*$")
    timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    attempts: int = Field(default=5, ge=1, le=20)  # tries before the call has failed
    actions: list[Slug] = Field(default_factory=list)  # what it can do; empty: anything

    @model_validator(mode="after")
    def _one_way(self) -> Connector:
        if (self.url is None) == (self.entry_point is None):
            raise ValueError("a connector has exactly one of `url` or `entry_point`")
        if self.url is not None and self.secret_env is None:
            raise ValueError("an HTTP connector needs `secret_env`: the variable of its key")
        return self


class ConnectorsFile(DeskModel):
    """connectors.yaml as written: the same `connectors:` as desk.yaml, in a file of its own."""

    connectors: dict[Slug, Connector] = Field(default_factory=dict)


class Triage(DeskModel):
    """How sure triage must be before it categorises a case or calls it spam by itself."""

    # tfidf: word stems, stem pairs + character n-grams, linear, calibrated; embeddings: that
    # averaged with a logistic regression over sentence embeddings (needs the dense extra)
    model: Literal["tfidf", "embeddings"] = "tfidf"
    category_threshold: float = Field(default=0.6, gt=0, le=1)
    spam_threshold: float = Field(default=0.9, gt=0, le=1)
    signal_threshold: float = Field(default=0.8, gt=0, le=1)  # a signal from the classifier


class Trends(DeskModel):
    """Trend callouts: each hour and each day, every category's count against its usual volume
    (the same hour of the previous days, or the previous days), posted to team chat."""

    enabled: bool = True
    chat: str | None = None  # the team-chat channel; default: the first of channels.team_chat
    min_count: int = Field(default=5, ge=1)  # fewer cases than this are never a trend
    min_ratio: float = Field(default=2.0, ge=1)  # at least this many times the usual volume
    alpha: float = Field(default=0.01, gt=0, lt=1)  # false alarms, split over the categories
    hourly_baseline_days: int = Field(default=14, ge=2, le=90)
    daily_baseline_days: int = Field(default=28, ge=2, le=365)


class Review(DeskModel):
    """When a macro or a playbook step is flagged for review on the admin page (stale SOPs)."""

    min_uses: int = Field(default=5, ge=1)  # fewer sends or runs than this are never flagged
    macro_edit_share: float = Field(default=0.3, gt=0, le=1)  # words changed, on average
    step_stop_share: float = Field(default=0.3, gt=0, le=1)  # runs stopped at this step
    blank_value_share: float = Field(default=0.2, gt=0, le=1)  # ticks with a value left blank
    # runs at a step whose wait ran out (skipped) or where an agent did the customer's or the
    # shop's part (overridden)
    step_skip_share: float = Field(default=0.3, gt=0, le=1)


class DeskSettings(DeskModel):
    """desk.yaml as written."""

    name: str = Field(min_length=1, max_length=200)
    timezone: str
    languages: list[Language] = Field(min_length=1)
    business_hours: WeeklyHours = Field(default_factory=WeeklyHours)
    always_open: bool = False
    holidays: Holidays = Field(default_factory=Holidays)
    channels: Channels = Field(default_factory=Channels)
    roles: dict[Slug, str] = Field(default_factory=dict)  # role → what it does
    approvers: dict[Slug, Approver] = Field(default_factory=dict)
    limits: Limits = Field(default_factory=Limits)
    bot: Bot = Field(default_factory=Bot)
    status_page: StatusPage = Field(default_factory=StatusPage)
    triage: Triage = Field(default_factory=Triage)
    customer_links: CustomerLinks = Field(default_factory=CustomerLinks)
    partner_portal: PartnerPortal = Field(default_factory=PartnerPortal)
    trends: Trends = Field(default_factory=Trends)
    review: Review = Field(default_factory=Review)
    connectors: dict[Slug, Connector] = Field(default_factory=dict)
