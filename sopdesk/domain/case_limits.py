"""Counting a case limit (taxonomy.yaml `case_limits`) over earlier cases: pure rules.

The engine counts in SQL (engine/case_limits.py) and the simulation counts the scenario's
earlier cases with `counted_cases`; both shape the facts with `limit_facts`, so a desk test
and the live desk read the same `case_limits.<name>`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sopdesk.domain.desk.base import nominal
from sopdesk.domain.desk.case_limits import CaseLimit

# `case_limits.one_exchange_per_order` reads the limit `one-exchange-per-order`.
READS = re.compile(r"\bcase_limits\.([a-z][a-z0-9_]*)")


def fact_name(slug: str) -> str:
    return slug.replace("-", "_")


@dataclass(frozen=True)
class PastCase:
    """An earlier case as a limit sees it."""

    number: int
    category: str | None
    created_at: datetime
    same_order: bool
    resolutions: tuple[str, ...] = ()


def matches(limit: CaseLimit, category: str | None, resolutions: Iterable[str]) -> bool:
    """Whether a case counts: of a listed category (if any are listed) and with a listed
    resolution (if any are listed)."""
    if limit.categories and category not in limit.categories:
        return False
    return not limit.resolutions or bool(set(limit.resolutions) & set(resolutions))


def since(limit: CaseLimit, now: datetime) -> datetime | None:
    return None if limit.within is None else now - nominal(limit.within)


def counted_cases(limit: CaseLimit, cases: Sequence[PastCase], now: datetime) -> list[int]:
    """The numbers of the earlier cases that count against `limit` (a per-order limit needs
    the case's order; without one nothing counts)."""
    start = since(limit, now)
    return sorted(
        c.number
        for c in cases
        if (limit.per == "customer" or c.same_order)
        and (start is None or c.created_at >= start)
        and matches(limit, c.category, c.resolutions)
    )


def limit_facts(
    limits: Mapping[str, CaseLimit], counted: Mapping[str, Sequence[int]]
) -> dict[str, Any]:
    """`case_limits.<name>`: `count`, `max`, `reached` (yes/no) and `cases` (their numbers)."""
    facts = {}
    for slug, limit in limits.items():
        cases = list(counted.get(slug, ()))
        facts[fact_name(slug)] = {
            "count": len(cases),
            "max": limit.max,
            "reached": len(cases) >= limit.max,
            "cases": cases,
        }
    return facts


def limits_read(texts: Iterable[str | None]) -> list[str]:
    """The fact names of the limits some conditions read, in order of first use."""
    found: list[str] = []
    for text in texts:
        for name in READS.findall(text or ""):
            if name not in found:
                found.append(name)
    return found


def in_words(name: str, fact: Mapping[str, Any]) -> str:
    """A limit's count for the timeline: "case limit one_exchange_per_order: 1 of 1 (case 12)"."""
    cases = fact.get("cases") or []
    which = f" (case{'s' if len(cases) != 1 else ''} {', '.join(map(str, cases))})" if cases else ""
    state = "reached" if fact.get("reached") else "not reached"
    return f"case limit {name}: {fact.get('count', 0)} of {fact.get('max')}, {state}{which}"
