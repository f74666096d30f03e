"""Routing of a new case: the level that owns its category, raised by the escalation matrix.

Seed 002's rules (repeat offenses, signals such as fraud) come from taxonomy.yaml as data.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from sopdesk.domain.cases import MIN_LEVEL
from sopdesk.domain.desk.taxonomy import Category, EscalationRule, OffenseKind
from sopdesk.domain.fulfilment import FulfilmentDecision, FulfilmentStage
from sopdesk.domain.offenses import OffenseCount


@dataclass(frozen=True)
class RoutingDecision:
    level: int
    reasons: tuple[str, ...]
    category: str | None = None
    rules: tuple[str, ...] = field(default=())  # ids of the escalation rules that applied
    counted_cases: tuple[int, ...] = field(default=())  # the earlier cases an offense rule counted

    @property
    def explanation(self) -> str:
        return f"level {self.level} because: " + "; ".join(self.reasons)


def route_by_category(category_slug: str | None, owning_level: int | None) -> RoutingDecision:
    """A case goes to the level that owns its category; an uncategorised case to level 1."""
    if category_slug is None or owning_level is None:
        return RoutingDecision(MIN_LEVEL, ("no category yet, so the first level triages it",))
    return RoutingDecision(
        owning_level,
        (f"category '{category_slug}' is owned by level {owning_level}",),
        category_slug,
    )


@dataclass(frozen=True)
class RoutingFacts:
    """Everything the matrix looks at, gathered by the engine."""

    category: str | None
    offenses: Mapping[str, OffenseCount] = field(default_factory=dict)  # this case included
    signals: Collection[str] = ()
    order_value: float | None = None
    fulfilment: FulfilmentDecision | None = None
    fulfilment_categories: Mapping[str, str] = field(default_factory=dict)  # stage -> category
    fulfilment_inquiries: Collection[str] = ()
    offense_groups: Mapping[str, str] = field(default_factory=dict)  # kind -> counts_with group
    links: Mapping[int, str] = field(default_factory=dict)  # linked account -> why it is linked


def offense_groups(kinds: Mapping[str, OffenseKind]) -> dict[str, str]:
    """Offense kind -> the counts_with group it counts in (kinds without one are absent)."""
    return {slug: kind.counts_with for slug, kind in kinds.items() if kind.counts_with}


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _stage_key(decision: FulfilmentDecision, domestic: bool) -> str:
    if decision.stage is FulfilmentStage.PROCESSING:
        return "processing"
    return "domestic_shipping" if domestic else "international_shipping"


def _fulfilment_step(
    facts: RoutingFacts, category: str | None, categories: Mapping[str, Category]
) -> tuple[str | None, list[str]]:
    decision = facts.fulfilment
    if decision is None:
        return category, []
    if decision.inside_sla or category not in facts.fulfilment_inquiries:
        return category, [f"order {decision.reason}"]
    domestic = "(international)" not in decision.reason
    target = facts.fulfilment_categories.get(_stage_key(decision, domestic))
    if target is None or target not in categories or target == category:
        return category, [f"order {decision.reason}"]
    return target, [f"order {decision.reason}, so category '{target}'"]


def _counted(own_kind: str | None, facts: RoutingFacts) -> list[OffenseCount]:
    """The offenses counted with a case of `own_kind`: its kind and those of its group."""
    if own_kind is None:
        return []
    group = facts.offense_groups.get(own_kind)
    return [
        c
        for k, c in facts.offenses.items()
        if k == own_kind or (group is not None and facts.offense_groups.get(k) == group)
    ]


def _offense_count(rule: EscalationRule, own_kind: str | None, facts: RoutingFacts) -> int:
    """How many offenses count for this case (0 when it is not of a kind the rule is for)."""
    kinds = rule.when.offense_kinds
    if own_kind is None or (kinds and own_kind not in kinds):
        return 0
    return sum(c.count for c in _counted(own_kind, facts))


def _counted_reason(count: int, own_kind: str | None, facts: RoutingFacts) -> str:
    """Names what was counted: "2nd dnr claim in 365 days across accounts 7, 9 (2 dnr: cases
    12 and this one; account 9 linked: same phone +4915112345678)"."""
    counted = _counted(own_kind, facts)
    days = max(c.window.days for c in counted)
    accounts = sorted({a for c in counted for a in c.customer_ids})
    whose = "account" if len(accounts) == 1 else "accounts"
    named = [str(i) for i in sorted({i for c in counted for i in c.case_ids})]
    if named and count == len(named) + 1:
        named.append("this one")  # the case being created has no id yet
    kinds = ", ".join(f"{c.count} {c.kind}" for c in counted)
    cases = f": case{'s' if len(named) > 1 else ''} {', '.join(named)}" if named else ""
    parts = [kinds + cases]
    links = [f"account {a} linked: {facts.links[a]}" for a in accounts if a in facts.links]
    return (
        f"{ordinal(count)} {own_kind} claim in {days} days across {whose} "
        f"{', '.join(str(a) for a in accounts)} ({'; '.join(parts + links)})"
    )


def _holds(
    rule: EscalationRule, category: str | None, own_kind: str | None, facts: RoutingFacts
) -> str | None:
    """Why the rule holds, or None when it does not."""
    when = rule.when
    why: list[str] = []
    if when.offense_count is not None:
        count = _offense_count(rule, own_kind, facts)
        if count == 0 or not when.offense_count.covers(count):
            return None
        why.append(_counted_reason(count, own_kind, facts))
    if when.signal is not None:
        if when.signal not in facts.signals:
            return None
        why.append(f"signal '{when.signal}'")
    if when.categories:
        if category not in when.categories:
            return None
        why.append(f"category '{category}'")
    if when.order_value_over is not None:
        if facts.order_value is None or facts.order_value <= when.order_value_over:
            return None
        why.append(f"order value {facts.order_value:g} over {when.order_value_over:g}")
    return "; ".join(why)


def _category_for_count(
    kind: str, facts: RoutingFacts, categories: Mapping[str, Category], current: str | None
) -> str | None:
    """The category for this many offenses: of the case's own kind when only that kind was
    counted (seed 002 splits "Minor Damage" at level 1 from "Damage" on a 2nd or 3rd offense),
    else the one for mixed repeats of its counts_with group."""
    counted = _counted(kind, facts)
    total = sum(c.count for c in counted)
    group = facts.offense_groups.get(kind)
    mixed = any(c.kind != kind for c in counted)
    fitting = [
        (slug, category)
        for slug, category in categories.items()
        if slug != current and category.offense_count and category.offense_count.covers(total)
    ]
    if not mixed:
        for slug, category in fitting:
            if category.offense == kind and category.offense_group is None:
                return slug
    for slug, category in fitting:
        if group is not None and category.offense_group == group:
            return slug
    return None


def route_case(
    facts: RoutingFacts,
    categories: Mapping[str, Category],
    rules: Sequence[EscalationRule],
) -> RoutingDecision:
    """The owning level of the category, raised (never lowered) by every rule that holds."""
    category, notes = _fulfilment_step(facts, facts.category, categories)
    owned = categories.get(category) if category else None
    base = route_by_category(category, owned.level if owned else None)
    level, reasons, applied = base.level, list(base.reasons) + notes, []
    counted: set[int] = set()
    own_kind = owned.offense if owned else None
    for rule in rules:
        why = _holds(rule, category, own_kind, facts)
        if why is None:
            continue
        applied.append(rule.id)
        if rule.when.offense_count is not None:
            counted.update(i for c in _counted(own_kind, facts) for i in c.case_ids)
        if rule.level > level:
            level = rule.level
            reasons.insert(0, why)
            if rule.category and rule.category in categories:
                category = rule.category
            elif rule.when.offense_count is not None and own_kind is not None:
                category = _category_for_count(own_kind, facts, categories, category) or category
        else:
            reasons.append(f"{why} (rule '{rule.id}', level {rule.level}, no change)")
    return RoutingDecision(level, tuple(reasons), category, tuple(applied), tuple(sorted(counted)))
