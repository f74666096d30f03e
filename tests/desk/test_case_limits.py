"""Case limits (taxonomy.yaml `case_limits`): `sopdesk check` knows their names, the pure
counting rules, and what a choice reading one writes on the run's log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sopdesk.desk import check_desk
from sopdesk.domain.case_limits import PastCase, counted_cases, limit_facts
from sopdesk.domain.desk.case_limits import CaseLimit

LIMITS = """
case_limits:
  one-cancel-per-order:
    per: order
    categories: [cancel-order]
"""
PLAYBOOK = """\
playbook: limited
title: Limited
steps:
  - id: gate
    choice:
      prompt: Again?
      options:
        go: {goto: done, when: "not case_limits.one_cancel_per_ordr.reached"}
        stop: {goto: done, when: "case_limits.one_cancel_per_order.reched"}
  - id: done
    end: {outcome: done}
"""


def test_check_names_an_unknown_limit_and_an_unknown_fact_of_one(starter: Path) -> None:
    with (starter / "taxonomy.yaml").open("a") as f:
        f.write(LIMITS)
    (starter / "playbooks" / "limited.yaml").write_text(PLAYBOOK)
    problems = [str(p) for p in check_desk(starter)]
    assert any(
        p.startswith("playbooks/limited.yaml:8:")
        and "no case limit 'one_cancel_per_ordr' (limits: one_cancel_per_order)" in p
        for p in problems
    ), problems
    assert any(
        p.startswith("playbooks/limited.yaml:9:")
        and "'case_limits.one_cancel_per_order.reched' is not a fact" in p
        for p in problems
    ), problems


def test_check_names_a_limit_counting_an_unknown_category(starter: Path) -> None:
    with (starter / "taxonomy.yaml").open("a") as f:
        f.write(LIMITS.replace("[cancel-order]", "[cancel-ordr]"))
    problems = [str(p) for p in check_desk(starter)]
    assert any(
        p.startswith("taxonomy.yaml:") and "counts category 'cancel-ordr'" in p for p in problems
    ), problems


NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)


def _past(n: int, days: int, *, same: bool = True, refund: bool = False) -> PastCase:
    resolutions = ("refund",) if refund else ()
    return PastCase(n, "returns", NOW - timedelta(days=days), same, resolutions)


def test_a_per_order_limit_counts_only_the_orders_cases() -> None:
    limit = CaseLimit(per="order", categories=["returns"])
    cases = [_past(1, 5), _past(2, 5, same=False)]
    assert counted_cases(limit, cases, NOW) == [1]


def test_a_window_and_a_resolution_narrow_what_counts() -> None:
    limit = CaseLimit.model_validate(
        {"per": "customer", "resolutions": ["refund"], "within": "90 days"}
    )
    cases = [_past(1, 20, refund=True), _past(2, 120, refund=True), _past(3, 10, same=False)]
    assert counted_cases(limit, cases, NOW) == [1]
    facts = limit_facts({"no-second-refund": limit}, {"no-second-refund": [1]})
    assert facts == {"no_second_refund": {"count": 1, "max": 1, "reached": True, "cases": [1]}}
