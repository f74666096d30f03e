"""Fail closed: a guard over an unknown value does not offer the guarded option, and a template
over an unknown value does not render blank (issue 10, item 8)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sopdesk.desk import load_desk
from sopdesk.desk.templates import render_macro
from sopdesk.domain.playbooks.expressions import knows
from sopdesk.domain.playbooks.steps import offered_options
from sopdesk.engine.macro_context import template_context
from sopdesk.errors import InvalidInput
from sopdesk.packs import pack_path

DESK = load_desk(pack_path("starter"))
LIMITS = {"limits": DESK.limits.model_dump()}


def _resolution_options(item: dict[str, object] | None) -> tuple[str, ...]:
    step = next(s for s in DESK.playbooks["missing-item"].steps if s.id == "offer-resolution")
    return offered_options(step, {"item": item, "desk": LIMITS})


def test_a_refund_guarded_by_the_item_value_is_not_offered_when_the_value_is_unknown() -> None:
    assert "refund" not in _resolution_options(None)
    assert "refund" not in _resolution_options({"name": "card"})


def test_a_refund_is_offered_for_a_known_low_value_item_only() -> None:
    limit = Decimal(str(DESK.limits.high_value_item))
    assert "refund" in _resolution_options({"value": limit - 1})
    assert "refund" not in _resolution_options({"value": limit + 1})


def test_knows_names_reads_over_missing_values() -> None:
    assert not knows("item.value > 3", {"item": None})
    assert knows("item.value > 3", {"item": {"value": 4}})
    assert knows("true", {})


def test_an_unknown_placeholder_stops_the_render_and_names_the_value() -> None:
    facts = {
        "customer": {"first_name": "Ada", "name": "Ada L"},
        "item": {"name": "Rookie card", "value": Decimal("6.49"), "comp_value": None},
        "order": {"currency": "EUR"},
        "agent": {"first_name": ""},
    }
    context = template_context(facts, {})
    macro = DESK.macros["missing-item-credit"]
    with pytest.raises(InvalidInput) as raised:
        render_macro(macro, "en", DESK.default_language, context)
    assert "item.comp_value" in raised.value.message


def test_a_known_context_renders_the_credit_macro_with_the_comp_value() -> None:
    facts = {
        "customer": {"first_name": "Ada"},
        "item": {"name": "Rookie card", "comp_value": Decimal("40.00")},
        "order": {"currency": "EUR"},
        "agent": {"first_name": "Bo"},
    }
    text = render_macro(DESK.macros["missing-item-credit"], "en", "en", template_context(facts, {}))
    assert "40.00 EUR" in text.body and "{{" not in text.body
