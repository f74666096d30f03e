"""The fact model: every name a playbook condition, amount or macro may read about a case.

One table, typed and described, is the contract between the engine that builds the facts
(engine/macro_context.case_facts), the simulation (domain/playbooks/simulation.scenario_facts),
`sopdesk check` (desk/templates.py rejects any other name with file:line) and the expression
evaluator (a name outside the model is an error, never a silent "unknown").
docs/desk-reference.md "Facts" is written from this table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class FactType(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    MONEY = "money"  # a Decimal in the order's currency
    DATE = "date"  # a calendar date in the desk's timezone; `today - order.date` is days
    YES_NO = "yes/no"
    LIST = "list"
    MAPPING = "mapping"  # names below it, read with a dot (offense kinds, limits)


@dataclass(frozen=True)
class Fact:
    type: FactType
    about: str


def _f(type_: FactType, about: str) -> Fact:
    return Fact(type_, about)


T, N, M, D, B, L, MAP = (
    FactType.TEXT,
    FactType.NUMBER,
    FactType.MONEY,
    FactType.DATE,
    FactType.YES_NO,
    FactType.LIST,
    FactType.MAPPING,
)

ITEM: dict[str, Fact] = {
    "id": _f(N, "the order line's id"),
    "name": _f(T, "the item's name"),
    "sku": _f(T, "the item's SKU"),
    "serial": _f(T, "the SKU as the device's serial (seed 001's S-number); unknown when blank"),
    "variant": _f(T, "size, grade, colour... when the shop sends one"),
    "value": _f(M, "what the customer paid for one"),
    "comp_value": _f(M, "what the desk credits when it is lost (seed 000's comp amount)"),
    "quantity": _f(N, "how many of it the order has"),
}

# Group -> attribute -> fact. A group whose value is unknown (no order, no partner) is None.
FACTS: dict[str, dict[str, Fact]] = {
    "case": {
        "number": _f(N, "the case number"),
        "subject": _f(T, "the subject of the first message"),
        "status": _f(T, "new, open, pending, on-hold, solved, closed, spam"),
        "priority": _f(T, "low, normal, high, urgent, critical"),
        "level": _f(N, "the support level that owns it, 1 to 4"),
        "category": _f(T, "the category slug"),
        "channel": _f(T, "email, web, api, phone, chat, bot"),
        "language": _f(T, "the case's language code"),
        "tags": _f(L, "the case's tags"),
        "signals": _f(L, "fraud, chargeback, legal-threat..."),
        "link": _f(T, "the customer's signed link to the case (when one is made)"),
        "created": _f(D, "the day the case was opened"),
    },
    "customer": {
        "name": _f(T, "the customer's name"),
        "first_name": _f(T, "the first word of the name"),
        "email": _f(T, "the customer's e-mail address"),
        "phone": _f(T, "the phone number in E.164"),
        "membership": _f(T, "the customer's tier (standard, premium...)"),
        "linked_accounts": _f(N, "how many other accounts are linked to this one"),
        "offense_count": _f(N, "offenses in their windows, across linked accounts"),
        "offenses": _f(MAP, "offenses by kind, e.g. customer.offenses.dnr"),
        "verified": _f(B, "whether the customer's identity was verified on this case"),
    },
    "earlier": {
        "count": _f(N, "the customer's earlier cases (linked accounts included)"),
        "open": _f(N, "how many of them are still open"),
        "categories": _f(L, "their categories"),
        "last": _f(D, "the day the latest earlier case was opened"),
    },
    "order": {
        "number": _f(T, "the order's reference"),
        "date": _f(D, "the day it was placed"),
        "total": _f(M, "the order's total"),
        "currency": _f(T, "its currency code"),
        "country": _f(T, "the destination country (ISO code)"),
        "status": _f(T, "the order's status as the shop reports it (e.g. pending, delivered)"),
        "payment_methods": _f(L, "how it was paid, e.g. ['card', 'gift-card']"),
        "refund_ref": _f(T, "the refund's reference a connector answered"),
        "shipping_address": _f(T, "where it is shipped (a connector may change it)"),
        "delivered": _f(D, "the day its last shipment was delivered"),
        "item_count": _f(N, "how many lines it has"),
        "items": _f(L, "every line, each with the item facts"),
    },
    # Seed 002's promises for the case's order (sla.yaml `fulfilment`), counted in business
    # days of its calendar: unknown (None) without an order or without promises.
    "fulfilment": {
        "stage": _f(T, "processing, shipping or delivered: the promise that applies now"),
        "domestic": _f(B, "whether the order goes to a domestic country (US by default)"),
        "processing_days": _f(N, "the processing promise in business days (4)"),
        "shipping_days": _f(N, "the shipping promise to the order's destination (10 or 20)"),
        "ships_by": _f(D, "the day it is promised to leave: placed + processing days"),
        "arrives_by": _f(D, "the promised arrival: shipped (or ships_by) + shipping days"),
        "age_days": _f(N, "business days since the current stage began"),
        "promise_days": _f(N, "the current stage's promise in business days"),
        "due": _f(D, "the day the current stage's promise ends"),
        "inside": _f(B, "whether the current stage is inside its promise"),
    },
    "item": ITEM,
    "items": {},  # the lines the case is about (a list of item records)
    "shipment": {
        "carrier": _f(T, "the carrier of the last shipment"),
        "tracking_number": _f(T, "its tracking number"),
        "tracking_url": _f(T, "its tracking page"),
        "state": _f(T, "pending, shipped or delivered"),
        "shipped": _f(D, "the day it left"),
        "delivered": _f(D, "the day it was delivered"),
        "country": _f(T, "where it went"),
    },
    "agent": {
        "name": _f(T, "the assignee, or the desk's team"),
        "first_name": _f(T, "the assignee's first name"),
        "email": _f(T, "the assignee's e-mail address"),
    },
    "desk": {
        "name": _f(T, "the desk's name"),
        "support_email": _f(T, "the desk's first support address"),
        "limits": _f(MAP, "money limits of desk.yaml, e.g. desk.limits.high_value_item"),
    },
    "today": {},  # the desk's local date
    # taxonomy.yaml's case limits by name (`-` read as `_`), each with count, max, reached
    # (yes/no) and cases (the numbers of the counted cases); `sopdesk check` knows the names.
    "case_limits": {},
}
# Under each `case_limits.<name>`.
CASE_LIMIT_FACTS: dict[str, Fact] = {
    "count": _f(N, "how many earlier cases count against the limit"),
    "max": _f(N, "how many the limit allows"),
    "reached": _f(B, "whether that many were counted: `case_limits.<name>.reached`"),
    "cases": _f(L, "the numbers of the counted cases"),
}
# The tag a case carries once the customer's identity was verified on it (a step
# `set: {verified: true}`, e.g. the end of a verification block, or an agent adding it).
VERIFIED_TAG = "identity-verified"
# Only for some audiences (see desk/templates.py BY_AUDIENCE).
AUDIENCE_FACTS: dict[str, dict[str, Fact]] = {
    "partner": {"name": _f(T, "the shop's name"), "email": _f(T, "the shop's address")},
    "recipient": {
        "name": _f(T, "the other customer's name"),
        "email": _f(T, "the other customer's address"),
    },
}
# What the run adds: recorded checklist values, the options chosen so far, and connector
# answers by call step (`answers.<step>.<field>`: the fields are the connector's).
RUN_NAMES = ("fields", "choices", "answers")


class UnknownFact(LookupError):
    """A name outside the fact model; the message says which and what is there."""


def check_facts(facts: Mapping[str, Any]) -> None:
    """Raises UnknownFact when a builder's facts do not have exactly the model's names (the
    test of every builder: the engine's and the simulation's)."""
    for group, attrs in FACTS.items():
        if group not in facts:
            raise UnknownFact(f"the facts have no '{group}'")
        value = facts[group]
        if attrs and isinstance(value, Mapping) and set(value) != set(attrs):
            odd = sorted(set(value) ^ set(attrs))
            raise UnknownFact(f"'{group}' has other names than the model: {', '.join(odd)}")
