"""The starter desk encodes the five seed SOPs faithfully: checked against the seed texts."""

from __future__ import annotations

import re
from datetime import date

import pytest

from sopdesk.desk import load_desk
from sopdesk.desk.templates import render, render_macro
from sopdesk.domain.desk import Desk
from sopdesk.errors import InvalidInput
from sopdesk.packs import pack_path

# Seed 001's "On hold" EN text, copied verbatim from the seed (its "π" included).
ON_HOLD_EN = (
    "Hi,We have your [product name]. Thanks for following the shipping instructions so well! π\n"
    "We would like to give you some additional information about the current situation. "
    "Sometimes we perform a spot check on products that appear to be in almost new condition. "
    "This is a standard procedure and nothing to worry about. For this check we only need proof "
    "of purchase. Therefore, we would like to kindly ask you to send the proof of purchase to us. "
    "The faster we receive the proof of payment, the faster we can put the payout in order. π\n"
    "Thank you for your cooperation and we look forward to hearing from you!\n"
    "Kind regards,"
)


@pytest.fixture(scope="module")
def desk() -> Desk:
    return load_desk(pack_path("starter"))


# Seed 002, every numbered or dashed category, with the level that owns it.
SEED_002 = {
    1: [
        "Donations/ Sponsorship",
        "Wholesale Inquiry",
        "Social Media/PR/Press Inquiry",
        "Product Information",
        "FAQ/Sales T&C updates",
        "Website Navigation",
        "Order Status",
        "Change order",
        "Cancel order",
        "Address Updates",
        "Order confirmation",
        "New Order",
        "Did not like",
        "Minor Damage",
        "Minor Defect",
        "Minor Adverse/Allergic Reaction",
        "Delivered - not Received (DNR)",
        "Gift card balance",
        "Honor Promo (not applied before checkout)",
        "Restock Inquires",
        "Missing/Incomplete Order",
        "Outside Processing SLA- under 4 business days old",
        "US - Outside Shipping SLA- under 10 business days",
        "INTL - Outside Shipping SLA- under 20 business days",
        "US - Lost in Transit",
        "Orders marked as Return to Sender",
        "How to create a rewards account",
        "Exchange with proof of purchase",
        "Shop runner",
    ],
    3: [
        "Damage",
        "Defective",
        "Adverse Reaction",
        "Multiple DNR",
        "Returns Outside of Warranty",
        "Repeated Incomplete, Damaged, Defective or Reaction",
        "Ingredients",
        "Specific Product Inquiry",
        "Website Issues",
        "Promo Issue",
        "Afterpay/Klarna",
        "Gift card not found",
        "Promo not working",
        "Multiple International Issues",
        "Invalid Tracking",
        "Label Created, 5+ Days",
        "Pre-paid label (PPL) request",
        "Backorder",
        "Unsubscribe- Emails",
        "Brand feedback",
        "Influencer Feedback/Issues",
        "Missing Points",
        "Redeeming Points",
        "Expired Points",
        "Merge Accounts",
        "Negative Shopping Experience",
        "Damage/Defective Purchase, without proof of purchase",
        "Purchased from 3rd Party",
        "HR/Employee Verification",
    ],
    4: [
        "Fraud",
        "Chargebacks",
        "Repeated Incomplete, DNR, Damages more than 3 times",
        "Foreign Objects",
        "Injury & Legal Threats",
        "Wholesale/Reseller Issues",
    ],
}


@pytest.mark.parametrize("level", [1, 3, 4])
def test_seed_002_every_category_is_owned_by_its_level(desk: Desk, level: int) -> None:
    owned = {c.title for c in desk.categories.values() if c.level == level}
    for title in SEED_002[level]:
        assert title in owned, f"{title!r} is not a level-{level} category"


def test_seed_002_levels_and_level_2_duties(desk: Desk) -> None:
    names = {n: level.name for n, level in desk.levels.items()}
    assert names == {
        1: "CallCare Agent",
        2: "CallCare Leads",
        3: "Escalations Agents",
        4: "Escalations Leadership",
    }
    assert desk.levels[2].duties == [
        "Clear Spam tickets",
        "Callout for trends/issues",
        "Callout canned responses or SOPs that need to be updated",
        "Provide 2nd opinion to CallCare agents and empower them to use best judgment to better "
        "customer experience",
    ]


def test_seed_002_first_offense_vs_repeat_offense(desk: Desk) -> None:
    minor, repeat = desk.categories["minor-damage"], desk.categories["damage"]
    assert minor.offense == repeat.offense == "damage"
    assert (minor.level, repeat.level) == (1, 3)
    assert minor.offense_count is not None and minor.offense_count.covers(1)
    assert repeat.offense_count is not None and repeat.offense_count.covers(2)
    assert repeat.offense_count.covers(3) and not repeat.offense_count.covers(4)
    rules = {r.id: r for r in desk.escalation_rules}
    assert rules["second-or-third-offense"].level == 3
    assert rules["more-than-three-offenses"].when.offense_kinds == ["incomplete", "dnr", "damage"]
    for signal in ("fraud", "chargeback", "legal-threat", "injury", "foreign-object"):
        assert rules[signal].level == 4
    assert desk.count_offenses_across_linked_accounts is True


def test_seed_002_fulfilment_promises(desk: Desk) -> None:
    assert desk.fulfilment is not None
    promise = desk.fulfilment.promise()
    assert (promise.processing_days, promise.domestic_shipping_days) == (4, 10)
    assert promise.international_shipping_days == 20
    assert promise.domestic_countries == frozenset({"US"})


def test_seed_001_on_hold_en_is_the_seed_text(desk: Desk) -> None:
    body = desk.macros["on-hold"].translations["en"].body
    filled = body.replace("{{ item.name }}", "[product name]")
    assert filled.startswith(ON_HOLD_EN)
    assert "de" in desk.macros["on-hold"].translations


def test_seed_001_the_hold_runs_as_written(desk: Desk) -> None:
    playbook = desk.playbooks["proof-of-purchase-hold"]
    step = {s.id: s for s in playbook.steps}
    assert step["email-customer"].send is not None
    assert step["email-customer"].send.macro == "on-hold"
    assert step["email-customer"].note == "email sent"
    assert step["move-to-waiting"].set is not None
    assert step["move-to-waiting"].set.column == "waiting-for-response"
    approval = step["ask-approval"].approval
    assert approval is not None and desk.approvers[str(approval.approver)].name == "Arvin"
    assert step["mark-approved"].note == "Approved"
    assert step["mark-approved"].set is not None and step["mark-approved"].set.column == "pre-check"
    pre_check = desk.column("pre-check")
    assert pre_check is not None
    assert pre_check.title.startswith("1. (C2B + C2C) Received orders, do pre-check(IMEI/serial)")
    notify = step["tell-cs-handling"].notify
    assert notify is not None and notify.channel == "#cs-handling"
    # The V-number and S-number are the case's order number and device serial; what the agent
    # typed is read only when the case does not know them.
    known = {"order": {"number": "V-1"}, "item": {"serial": "S-2"}, "fields": {}}
    assert render(notify.message, known) == "V-1 | S-2 | Proof of Purchase approved"
    typed = {"order": None, "item": None, "fields": {"v_number": "V123", "s_number": "S456"}}
    message = render(notify.message, typed)
    assert message == "V123 | S456 | Proof of Purchase approved"
    neither = {"order": None, "item": None, "fields": {}}
    with pytest.raises(InvalidInput):
        render(notify.message, neither)
    options = step["trade-in-numbers"].choice
    assert options is not None and set(options.options) == {"from-order", "type-them"}
    wait = step["wait-for-proof"].wait
    assert wait is not None and str(wait.timeout) == "1 week"
    assert step["wait-for-proof"].on_timeout == "send-reminder"
    note = render(str(step["send-reminder"].note), {"today": date(2026, 11, 23)})
    assert note == "Reminder sent 23-11-2026"


def test_seed_000_missing_item(desk: Desk) -> None:
    playbook = desk.playbooks["missing-item"]
    step = {s.id: s for s in playbook.steps}
    assert step["ask-shop"].task is not None and step["ask-shop"].task.to == "partner"
    choice = step["what-happened"].choice
    assert choice is not None
    assert set(choice.options) == {
        "missed-in-sorting",
        "shipped-to-another-customer",
        "missed-during-break",
        "unknown",
    }
    wait = step["wait-for-return"].wait
    assert wait is not None and str(wait.timeout) == "5 days"
    assert step["wait-for-return"].on_timeout == "offer-resolution"
    options = step["offer-resolution"].choice
    assert options is not None and set(options.options) == {"replace", "refund", "platform-credit"}
    assert options.options["refund"].unless == "item.value > desk.limits.high_value_item"
    credit = step["credit-from-payout"].resolve
    assert credit is not None and (credit.kind, credit.paid_by) == ("credit", "partner-payout")
    assert choice.options["unknown"].goto == "offer-resolution"


def test_seed_003_sla_bot_status_page_and_articles(desk: Desk) -> None:
    policies = {p.id: p for p in desk.sla_policies}
    assert str(policies["critical"].targets.first_response) == "1 hour"
    assert str(policies["standard"].targets.first_response) == "24 hours"
    assert desk.bot.enabled and desk.bot.feedback_question == "Did this answer your question?"
    assert desk.bot.handoff.playbook == "bot-handoff"
    assert {c.slug for c in desk.status_page.components} >= {"stamp-cards", "integrations"}
    assert "$195/hour" in desk.articles["premium-consultation"].body
    assert "1 hour" in desk.articles["critical-issues"].body


def test_seed_004_guided_checklist_in_order(desk: Desk) -> None:
    playbook = desk.playbooks["lost-stolen-package"]
    checklists = [s.id for s in playbook.steps if s.checklist is not None]
    assert checklists == [
        "greet",
        "listen",
        "empathise",
        "verify",
        "guide",
        "assure",
        "close",
        "document",
    ]
    verify = next(s for s in playbook.steps if s.id == "verify")
    assert verify.checklist is not None
    recorded = [name for item in verify.checklist.items for name in item.record]
    assert recorded == ["full_name", "contact", "order_number", "tracking_number"]


def test_every_macro_has_en_and_de_and_renders(desk: Desk) -> None:
    context = {
        "customer": {"name": "Ana Lima", "first_name": "Ana"},
        "agent": {"first_name": "Sam"},
        "partner": {"name": "Card Shop"},
        "recipient": {"name": "Bo"},
        "item": {"name": "iPhone 16", "value": 20, "comp_value": 18},
        "order": {"number": "O-1", "currency": "EUR", "date": date(2026, 11, 20), "country": "US"},
        "shipment": {"carrier": "DHL", "tracking_number": "T1", "shipped": date(2026, 11, 23)},
        "fulfilment": {
            "processing_days": 4,
            "shipping_days": 10,
            "ships_by": date(2026, 11, 27),
            "arrives_by": date(2026, 12, 11),
        },
        "case": {"number": 7, "subject": "Help"},
        "desk": {"name": desk.name},
        "answers": {"cancel": {"outcome": "refused", "reason": "it has shipped"}},
    }
    for macro in desk.macros.values():
        assert {"en", "de"} <= set(macro.translations), macro.slug
        for lang in ("en", "de"):
            rendered = render_macro(macro, lang, "en", context)
            assert rendered.body and not re.search(r"\{\{|\}\}", rendered.body)
