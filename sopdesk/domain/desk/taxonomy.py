"""The taxonomy of a desk: levels, category groups, categories, offenses and escalation rules.

Seed 002's escalation matrix is written in these terms (taxonomy.yaml of the starter desk).
"""

from __future__ import annotations

import re

from pydantic import Field, field_validator, model_validator

from sopdesk.domain.desk.base import DeskDuration, DeskModel, Slug
from sopdesk.domain.desk.case_limits import CaseLimit

LEVELS = (1, 2, 3, 4)


class Level(DeskModel):
    """One support level: who works it and what it does beyond owning its categories."""

    name: str
    duties: list[str] = Field(default_factory=list)
    inherits_lower: bool = True  # "Anything from Level 1 AND ..."


class CountRange(DeskModel):
    """How many offenses of a kind (this one included) a category stands for: 2..3, 4.."""

    min: int = Field(default=1, ge=1)
    max: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> CountRange:
        if self.max is not None and self.max < self.min:
            raise ValueError("max must not be smaller than min")
        return self

    def covers(self, count: int) -> bool:
        return count >= self.min and (self.max is None or count <= self.max)


class Category(DeskModel):
    """A kind of customer problem, owned by one level (1..4)."""

    slug: Slug
    title: str
    group: Slug = ""  # filled in from the group it is listed under
    level: int = Field(default=0, ge=0, le=4)  # 0 here means "the group's level"
    examples: list[str] = Field(default_factory=list)
    offense: Slug | None = None  # the offense kind a case of this category counts as
    offense_count: CountRange | None = None  # which offense numbers this category is for
    # For repeats of mixed kinds of one counts_with group (seed 002's "Repeated Incomplete,
    # Damaged, Defective or Reaction"): offense_count then counts the whole group.
    offense_group: Slug | None = None
    signals: list[Slug] = Field(default_factory=list)  # signals that put a case here
    note: str = ""  # guidance shown to the agent, e.g. "research other accounts first"


class CategoryGroup(DeskModel):
    slug: Slug
    title: str
    level: int = Field(ge=1, le=4)
    note: str = ""
    categories: list[Category] = Field(min_length=1)


class OffenseKind(DeskModel):
    """A claim that counts against a customer (across linked accounts) within a window."""

    title: str
    window: DeskDuration
    # Kinds naming the same group count together ("a damage after an incomplete order is a
    # 2nd offense"); a kind without one counts only claims of its own kind.
    counts_with: Slug | None = None


class Signal(DeskModel):
    """Something triage or an agent flags on a case (fraud, legal threat...)."""

    title: str
    examples: list[str] = Field(default_factory=list)
    # Regular expressions (case-insensitive) that raise the signal when they occur in a
    # customer's text; triage reports the words that matched.
    patterns: list[str] = Field(default_factory=list)

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                compiled = re.compile(pattern, re.IGNORECASE)
            except re.error as exc:
                raise ValueError(
                    f"pattern {pattern!r} is not a regular expression: {exc}"
                ) from None
            if compiled.search(""):
                raise ValueError(f"pattern {pattern!r} matches empty text, so it always fires")
        return patterns


class RuleCondition(DeskModel):
    """All given parts must hold. Offense counts include the case itself."""

    offense_count: CountRange | None = None
    # The kinds of case the rule is for (empty: any offense); what is counted for a case is
    # its own kind and the kinds of its counts_with group (see OffenseKind).
    offense_kinds: list[Slug] = Field(default_factory=list)
    signal: Slug | None = None
    categories: list[Slug] = Field(default_factory=list)
    order_value_over: float | None = None

    @model_validator(mode="after")
    def _something(self) -> RuleCondition:
        if (
            self.offense_count is None
            and self.signal is None
            and not self.categories
            and self.order_value_over is None
        ):
            raise ValueError("a rule needs at least one condition")
        return self


class EscalationRule(DeskModel):
    """When `when` holds, the case goes (at least) to `level`, optionally re-categorised."""

    id: Slug
    title: str
    when: RuleCondition
    level: int = Field(ge=1, le=4)
    category: Slug | None = None


class Taxonomy(DeskModel):
    """taxonomy.yaml as written."""

    levels: dict[int, Level]
    groups: list[CategoryGroup] = Field(min_length=1)
    offense_kinds: dict[Slug, OffenseKind] = Field(default_factory=dict)
    count_offenses_across_linked_accounts: bool = True
    signals: dict[Slug, Signal] = Field(default_factory=dict)
    escalation_rules: list[EscalationRule] = Field(default_factory=list)
    # Limits over earlier cases of the order or customer ("one exchange per order").
    case_limits: dict[Slug, CaseLimit] = Field(default_factory=dict)

    def categories(self) -> dict[str, Category]:
        """Every category by slug, with its group and owning level filled in."""
        found: dict[str, Category] = {}
        for group in self.groups:
            for category in group.categories:
                found[category.slug] = category.model_copy(
                    update={"group": group.slug, "level": category.level or group.level}
                )
        return found
