"""The fact model (issue 17 item 1): one shape for the live desk and the simulation, a typo is
an error and never "unknown", dates subtract to days; and the case's item (issue 10 item 7)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from sopdesk.desk import load_desk
from sopdesk.domain.case_items import ItemName, named_items, the_item
from sopdesk.domain.facts import FACTS, UnknownFact, check_facts
from sopdesk.domain.playbooks.expressions import ExpressionError, evaluate, holds
from sopdesk.domain.playbooks.scenario import Scenario
from sopdesk.domain.playbooks.world import scenario_facts
from sopdesk.packs import pack_path

DESK = load_desk(pack_path("starter"))
TOPLOADERS = ItemName(1, "Toploaders (25 pack)", "TL-25")
CARD = ItemName(2, "2023 Prizm Victor Wembanyama Silver", "PRZ-136")
SAME_SET = ItemName(3, "2023 Prizm Victor Wembanyama Gold", "PRZ-137")


def test_the_message_names_the_line_by_its_distinguishing_words() -> None:
    lines = [TOPLOADERS, CARD]
    assert named_items("The Wembanyama silver prizm was missing", lines) == (2,)
    assert named_items("no toploader pack in the box", lines) == (1,)  # singular too
    assert named_items("please check PRZ-136", lines) == (2,)  # the SKU
    assert named_items("my package was not complete", lines) == ()


def test_words_every_line_shares_decide_nothing() -> None:
    lines = [CARD, SAME_SET]
    assert named_items("the 2023 Prizm Wembanyama is missing", lines) == ()
    assert named_items("the silver one is missing", lines) == (2,)


def test_the_item_is_the_chosen_one_or_an_only_line_never_a_guess() -> None:
    assert the_item([2], [1, 2]) == 2
    assert the_item([], [7]) == 7
    assert the_item([], [1, 2]) is None
    assert the_item([1, 2], [1, 2]) is None


def _scenario(body: str) -> Scenario:
    return Scenario.model_validate(
        {
            "playbook": "missing-item",
            "start": "2026-11-23 09:00",
            "case": {
                "category": "missing-item",
                "body": body,
                "order": {
                    "number": "B-1",
                    "status": "delivered",
                    "items": [
                        {"name": TOPLOADERS.name, "value": 6.49},
                        {"name": CARD.name, "value": 120, "comp_value": 95},
                    ],
                    "shipments": [{"carrier": "DHL", "delivered_days_ago": 40}],
                },
            },
            "expect": [],
        }
    )


def _facts(body: str) -> dict[str, object]:
    limits = DESK.limits.model_dump()
    return scenario_facts(_scenario(body), limits, DESK.name, DESK.business_calendar())


def test_the_simulation_has_exactly_the_model_and_reads_the_named_item() -> None:
    facts = _facts("The Wembanyama Silver Prizm was not in my package.")
    check_facts(facts)
    assert holds("item.comp_value == 95 and order.item_count == 2", facts)
    assert _facts("Something is missing.")["item"] is None


def test_a_fact_sheet_with_other_names_is_refused() -> None:
    facts = _facts("x")
    with pytest.raises(UnknownFact):
        check_facts({**facts, "order": {"number": "B-1"}})
    with pytest.raises(UnknownFact):
        check_facts({k: v for k, v in facts.items() if k != "earlier"})


def test_a_typo_is_an_error_never_unknown() -> None:
    facts = _facts("x")
    for typo, words in [
        ("ordr.status == 'delivered'", "no fact 'ordr'"),
        ("order.stauts == 'delivered'", "no fact 'order.stauts'"),
        ("item.comp > 3", "no fact 'item.comp'"),
    ]:
        with pytest.raises(ExpressionError, match=words):
            holds(typo, facts)
    assert not holds("item.comp_value > 3", facts)  # a real fact nobody knows is unknown


def test_dates_subtract_to_days() -> None:
    facts = _facts("x")
    assert holds("shipment.state == 'delivered' and today - order.delivered > 30", facts)
    assert not holds("today - order.delivered > 45", facts)
    assert evaluate("today - order.delivered", facts) == Decimal(40)
    assert evaluate("order.delivered + 30", facts) == date(2026, 11, 13)
    names = {"case": {"created": datetime(2026, 11, 1, 12, tzinfo=UTC)}, "today": date(2026, 11, 3)}
    assert evaluate("today - case.created", names) == 2
    with pytest.raises(ExpressionError, match="cannot compare"):
        holds("order.delivered > 3", facts)


def test_every_fact_group_is_documented() -> None:
    text = (pack_path("starter").parent.parent.parent / "docs" / "desk-reference.md").read_text()
    for group, attrs in FACTS.items():
        for attr in attrs:
            assert f"`{group}.{attr}`" in text, f"{group}.{attr} is not in desk-reference.md"
