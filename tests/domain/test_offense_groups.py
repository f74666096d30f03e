"""Which claim kinds count together is the desk's to say (taxonomy.yaml `counts_with`).

Seed 002 on the starter desk: Damage, Defective, Adverse Reaction and Multiple DNR each count
their own repeats; "Repeated Incomplete, Damaged, Defective or Reaction" counts them together;
a first DNR after a "did not like" is a first DNR (issue 10, item 6).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from sopdesk.desk import load_desk
from sopdesk.domain.desk import Desk
from sopdesk.domain.offenses import OffenseCount
from sopdesk.domain.routing import RoutingDecision, RoutingFacts, offense_groups, route_case
from sopdesk.packs import pack_path

YEAR = timedelta(days=365)


@pytest.fixture(scope="module")
def desk() -> Desk:
    return load_desk(pack_path("starter"))


def route(desk: Desk, category: str, *counts: tuple[str, int, tuple[int, ...]]) -> RoutingDecision:
    facts = RoutingFacts(
        category,
        {kind: OffenseCount(kind, n, YEAR, (7,), cases) for kind, n, cases in counts},
        offense_groups=offense_groups(desk.offense_kinds),
        links={9: "same phone +4915112345678 (via account 8)"},
    )
    return route_case(facts, desk.categories, desk.escalation_rules)


def test_the_starter_desk_groups_incomplete_damage_defect_and_reaction(desk: Desk) -> None:
    assert offense_groups(desk.offense_kinds) == {
        "damage": "repeated-issue",
        "defect": "repeated-issue",
        "reaction": "repeated-issue",
        "incomplete": "repeated-issue",
    }


def test_a_first_dnr_after_a_did_not_like_is_a_first_dnr(desk: Desk) -> None:
    decision = route(desk, "dnr", ("did-not-like", 1, (3,)), ("dnr", 1, ()))
    assert (decision.level, decision.category) == (1, "dnr")
    assert decision.counted_cases == ()


def test_a_damage_after_a_did_not_like_is_a_first_damage(desk: Desk) -> None:
    decision = route(desk, "minor-damage", ("did-not-like", 1, (3,)), ("damage", 1, ()))
    assert (decision.level, decision.category) == (1, "minor-damage")


@pytest.mark.parametrize(
    ("category", "kind", "repeat"),
    [
        ("minor-damage", "damage", "damage"),
        ("minor-defect", "defect", "defective"),
        ("minor-reaction", "reaction", "adverse-reaction"),
        ("dnr", "dnr", "multiple-dnr"),
    ],
)
def test_a_repeat_of_one_kind_is_that_kinds_repeat_category(
    desk: Desk, category: str, kind: str, repeat: str
) -> None:
    decision = route(desk, category, (kind, 2, (3,)))
    assert (decision.level, decision.category) == (3, repeat)
    assert decision.counted_cases == (3,)
    assert f"2nd {kind} claim in 365 days across account 7 (2 {kind}: cases 3, this one)" in (
        decision.explanation
    )


def test_mixed_repeats_of_the_group_are_the_repeated_issue(desk: Desk) -> None:
    decision = route(desk, "minor-defect", ("incomplete", 1, (3,)), ("defect", 1, ()))
    assert (decision.level, decision.category) == (3, "repeated-issue")
    assert "(1 incomplete, 1 defect: cases 3, this one)" in decision.explanation


def test_a_dnr_does_not_count_with_the_group(desk: Desk) -> None:
    decision = route(desk, "minor-damage", ("dnr", 3, (1, 2, 3)), ("damage", 1, ()))
    assert (decision.level, decision.category) == (1, "minor-damage")


def test_more_than_three_of_the_group_go_to_leadership_naming_every_case(desk: Desk) -> None:
    decision = route(desk, "minor-damage", ("incomplete", 2, (1, 2)), ("damage", 2, (3,)))
    assert (decision.level, decision.category) == (4, "repeated-more-than-three-times")
    assert decision.counted_cases == (1, 2, 3)
    assert "4th damage claim" in decision.explanation
    assert "cases 1, 2, 3, this one" in decision.explanation


def test_the_explanation_says_how_a_counted_account_is_linked(desk: Desk) -> None:
    facts = RoutingFacts(
        "dnr",
        {"dnr": OffenseCount("dnr", 2, YEAR, (7, 9), (3,))},
        links={9: "same phone +4915112345678 (via account 8)"},
    )
    decision = route_case(facts, desk.categories, desk.escalation_rules)
    assert decision.explanation.startswith(
        "level 3 because: 2nd dnr claim in 365 days across accounts 7, 9 (2 dnr: cases 3, this "
        "one; account 9 linked: same phone +4915112345678 (via account 8))"
    )
