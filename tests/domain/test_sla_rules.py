"""Pure SLA clocks and routing rules: policy choice, pause and resume, the escalation matrix.

No database: plain values in, decisions out.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sopdesk.desk import load_desk
from sopdesk.domain.calendar import BusinessCalendar, OpenInterval
from sopdesk.domain.desk.sla import SlaPolicy
from sopdesk.domain.duration import Duration
from sopdesk.domain.offenses import OffenseCount
from sopdesk.domain.routing import RoutingFacts, ordinal, route_case
from sopdesk.domain.sla import (
    Metric,
    SlaFacts,
    pause_clock,
    policies_by_metric,
    resume_clock,
    start_clock,
    stop_clock,
)
from sopdesk.packs import pack_path

NINE_TO_FIVE = BusinessCalendar(
    timezone="UTC", weekly_hours={d: [OpenInterval.parse("09:00-17:00")] for d in range(5)}
)
MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def policy(**fields: object) -> SlaPolicy:
    base: dict[str, object] = {"id": "p", "title": "P", "targets": {"first_response": "1 hour"}}
    return SlaPolicy.model_validate({**base, **fields})


def facts(**fields: object) -> SlaFacts:
    base: dict[str, object] = {
        "priority": "normal",
        "category": None,
        "channel": "email",
        "level": 1,
        "tier": "standard",
    }
    return SlaFacts(**{**base, **fields})  # type: ignore[arg-type]


def test_the_highest_precedence_matching_policy_times_each_metric() -> None:
    vip = policy(id="vip", applies_to={"tiers": ["vip"]}, precedence=5)
    anyone = policy(id="any", targets={"first_response": "8 hours", "resolution": "3 days"})
    chosen = policies_by_metric([anyone, vip], facts(tier="vip"))
    assert {m: p.id for m, (p, _) in chosen.items()} == {
        Metric.FIRST_RESPONSE: "vip",
        Metric.RESOLUTION: "any",
    }
    assert {p.id for p, _ in policies_by_metric([anyone, vip], facts()).values()} == {"any"}


def test_a_paused_clock_keeps_its_consumed_business_time() -> None:
    target = Duration.parse("2 business hours")
    clock = start_clock(
        policy(warn_at_share=0.5), Metric.FIRST_RESPONSE, target, MONDAY_10, NINE_TO_FIVE
    )
    assert clock.due_at(NINE_TO_FIVE) == MONDAY_10 + timedelta(hours=2)
    assert clock.warn_at(NINE_TO_FIVE) == MONDAY_10 + timedelta(hours=1)
    paused = pause_clock(clock, MONDAY_10 + timedelta(minutes=90), NINE_TO_FIVE)
    assert (paused.consumed_seconds, paused.due_at(NINE_TO_FIVE)) == (5400, None)
    # Resumed at 16:45: 15 minutes today, the other 15 on Tuesday from 09:00.
    resumed = resume_clock(paused, datetime(2026, 11, 23, 16, 45, tzinfo=UTC))
    assert resumed.due_at(NINE_TO_FIVE) == datetime(2026, 11, 24, 9, 15, tzinfo=UTC)
    stopped = stop_clock(resumed, datetime(2026, 11, 24, 9, 0, tzinfo=UTC), NINE_TO_FIVE)
    assert (stopped.consumed_seconds, stopped.running) == (6300, False)


def test_warn_before_counts_back_from_the_due_instant() -> None:
    clock = start_clock(
        policy(warn_before="15 minutes"),
        Metric.FIRST_RESPONSE,
        Duration.parse("1 hour"),
        MONDAY_10,
        NINE_TO_FIVE,
    )
    assert clock.warn_at(NINE_TO_FIVE) == MONDAY_10 + timedelta(minutes=45)


def count(kind: str, n: int, *accounts: int) -> OffenseCount:
    return OffenseCount(kind, n, timedelta(days=365), accounts)


def test_the_matrix_raises_repeat_offenses_and_explains_why() -> None:
    desk = load_desk(pack_path("starter"))
    first = route_case(
        RoutingFacts("dnr", {"dnr": count("dnr", 1, 7)}), desk.categories, desk.escalation_rules
    )
    assert (first.level, first.category) == (1, "dnr")
    second = route_case(
        RoutingFacts("dnr", {"dnr": count("dnr", 2, 7, 9)}), desk.categories, desk.escalation_rules
    )
    assert (second.level, second.category) == (3, "multiple-dnr")
    assert second.explanation.startswith(
        "level 3 because: 2nd dnr claim in 365 days across accounts 7, 9 (2 dnr)"
    )
    fifth = route_case(
        RoutingFacts("minor-damage", {"damage": count("damage", 5, 7)}),
        desk.categories,
        desk.escalation_rules,
    )
    assert (fifth.level, fifth.category) == (4, "repeated-more-than-three-times")
    # Repeat claims do not escalate an inquiry that is no offense itself.
    status = route_case(
        RoutingFacts("order-status", {"dnr": count("dnr", 3, 7)}),
        desk.categories,
        desk.escalation_rules,
    )
    assert status.level == 1


def test_ordinals_read_like_english() -> None:
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101)] == [
        *("1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st"),
    ]
