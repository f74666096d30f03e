"""A routing matrix (seed 002): many contacts in one scenario's world, each opened through the
desk's door at the scenario's start and checked against the level, category, priority and
explanation routing must give it. Each unmet row is named with what routing said instead."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sopdesk.desktests.entries import read_world
from sopdesk.desktests.world import World, open_contact
from sopdesk.domain.clock import ManualClock
from sopdesk.domain.desk import Desk
from sopdesk.domain.playbooks.scenario import MatrixRow, Scenario, Timeline
from sopdesk.errors import SopdeskError
from sopdesk.store.db import Database


def _verdict(row: MatrixRow, case: dict[str, Any]) -> list[str]:
    wrong = []
    if case["level"] != row.level:
        wrong.append(f"level {case['level']}, not {row.level}")
    category = row.becomes or row.category
    if case["category"] != category:
        wrong.append(f"category {case['category']!r}, not {category!r}")
    if row.priority is not None and case["priority"] != row.priority:
        wrong.append(f"priority {case['priority']!r}, not {row.priority!r}")
    why = "; ".join(case["routing"])
    if row.reason is not None and row.reason not in why:
        wrong.append(f"no {row.reason!r} in the routing explanation")
    return wrong


def run_matrix(
    db: Database,
    clock: ManualClock,
    desk: Desk,
    scenario: Scenario,
    world: World,
    settle: Callable[[], None],
) -> tuple[list[dict[str, Any]], list[str]]:
    """Opens and checks each row; returns the rows as routed and the problems."""
    times = Timeline(scenario.start, desk.business_calendar())
    opened: list[tuple[int, MatrixRow, int]] = []
    problems: list[str] = []
    for n, row in enumerate(scenario.matrix, start=1):
        try:
            case_id = open_contact(db, clock, desk, world, row.contact(n), row.earlier_cases)
        except SopdeskError as exc:
            problems.append(f"{_name(n, row)}: the contact was refused: {exc.message}")
            continue
        opened.append((n, row, case_id))
    settle()  # routing is part of opening a case; what it sets off runs here
    routed: list[dict[str, Any]] = []
    with db.transaction(write=False) as session:
        for n, row, case_id in opened:
            case = read_world(session, case_id, times)["case"]
            routed.append({"row": n, **case})
            wrong = _verdict(row, case)
            if wrong:
                why = "; ".join(case["routing"]) or "no routing recorded"
                problems.append(f"{_name(n, row)}: {', '.join(wrong)} (routing: {why})")
    return routed, problems


def _name(n: int, row: MatrixRow) -> str:
    return f"matrix row {n} ({row.category or 'no category'})"
