"""Every report equals the same figure counted naively in Python over the rows that were loaded,
on SQLite and PostgreSQL; percentiles match `percentile_cont` (statistics' inclusive method);
filters narrow the cases; only agents of level 2+, leads and admins may read reports.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bench.reports_data import COLUMNS, load, sample
from sopdesk.domain.cases import ActorKind, Role
from sopdesk.domain.principal import Principal
from sopdesk.engine.reports import (
    BOT_ANSWERED,
    REPORTS,
    ReportFilter,
    parse_filter,
    run_all,
    run_report,
)
from sopdesk.errors import Forbidden, InvalidInput
from sopdesk.store.db import Database

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
N = 400
SYSTEM = Principal.system()
LEAD = Principal(kind=ActorKind.AGENT, id=1, level=1, roles=frozenset({Role.LEAD}))


def _rows() -> dict[str, list[dict[str, Any]]]:
    tables: dict[str, list[dict[str, Any]]] = {t: [] for t in COLUMNS}
    for table, row in sample(N, NOW):
        tables[table].append(dict(zip(COLUMNS[table].split(","), row, strict=True)))
    return tables


@pytest.fixture
def loaded(db: Database) -> dict[str, list[dict[str, Any]]]:
    load(db, N, NOW)
    return _rows()


def _quantile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    position = p * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


EVERYTHING = ReportFilter(NOW - timedelta(days=400), NOW + timedelta(days=1))


def test_volume_reports_count_cases_created_in_the_period(
    db: Database, loaded: dict[str, list[dict[str, Any]]]
) -> None:
    since = NOW - timedelta(days=30)
    f = ReportFilter(since, NOW)
    cases = [c for c in loaded["cases"] if since <= c["created_at"] < NOW]
    for dimension in ("category", "level", "channel"):
        report = run_report(db, SYSTEM, f"volume-{dimension}", f, NOW)
        assert dict(report.rows) == dict(Counter(c[dimension] for c in cases))
    days = run_report(db, SYSTEM, "volume-day", f, NOW)
    assert dict(days.rows) == dict(Counter(c["created_at"].date().isoformat() for c in cases))
    assert sum(n for _, n in days.rows) == len(cases) > 0


def test_filters_narrow_the_cases(db: Database, loaded: dict[str, list[dict[str, Any]]]) -> None:
    f = ReportFilter(EVERYTHING.since, EVERYTHING.until, level=2, channel="chat", shop_id=3)
    want = [
        c
        for c in loaded["cases"]
        if c["level"] == 2 and c["channel"] == "chat" and c["partner_id"] == 3
    ]
    report = run_report(db, SYSTEM, "volume-level", f, NOW)
    assert report.rows == ([(2, len(want))] if want else [])
    agent = ReportFilter(EVERYTHING.since, EVERYTHING.until, agent_id=4, category="cat-1")
    mine = [c for c in loaded["cases"] if c["assignee_id"] == 4 and c["category"] == "cat-1"]
    assert sum(n for _, n in run_report(db, SYSTEM, "volume-channel", agent, NOW).rows) == len(mine)


def test_sla_attainment_and_time_spreads(
    db: Database, loaded: dict[str, list[dict[str, Any]]]
) -> None:
    report = run_report(db, SYSTEM, "sla", EVERYTHING, NOW)
    clocks = loaded["sla_clocks"]
    for policy, metric, n, met, breached, warned, running, share in report.rows:
        mine = [c for c in clocks if c["policy"] == policy and c["metric"] == metric]
        assert n == len(mine)
        assert met == sum(1 for c in mine if c["stopped_at"] and not c["breached"])
        assert breached == sum(1 for c in mine if c["breached"])
        assert warned == sum(1 for c in mine if c["warned"])
        assert running == sum(1 for c in mine if not c["stopped_at"] and not c["breached"])
        assert share == round(100 * met / (met + breached), 1)
    assert sum(row[2] for row in report.rows) == len(clocks)
    times = run_report(db, SYSTEM, "times", EVERYTHING, NOW)
    assert [r[0] for r in times.rows] == ["first_response", "resolution"]
    for metric, stopped, median, p90 in times.rows:
        values = [
            c["consumed_seconds"] for c in clocks if c["metric"] == metric and c["stopped_at"]
        ]
        assert stopped == len(values)
        assert median == pytest.approx(round(statistics.median(values), 1), abs=0.06)
        assert p90 == pytest.approx(round(_quantile(values, 0.9), 1), abs=0.06)


def test_backlog_escalations_partners_and_resolutions(
    db: Database, loaded: dict[str, list[dict[str, Any]]]
) -> None:
    open_cases = [c for c in loaded["cases"] if c["closed_at"] is None]
    backlog = run_report(db, SYSTEM, "backlog", EVERYTHING, NOW)
    assert sum(r[2] for r in backlog.rows) == len(open_cases) > 0
    young = sum(1 for c in open_cases if NOW - c["created_at"] < timedelta(days=7))
    assert sum(r[2] for r in backlog.rows if r[1] != "over 7 days") == young

    events = loaded["case_events"]
    moves = [e for e in events if e["kind"] == "routing" and "from" in json.loads(str(e["data"]))]
    escalations = run_report(db, SYSTEM, "escalations", EVERYTHING, NOW)
    assert sum(r[3] for r in escalations.rows) == len(moves) > 0
    manual = sum(1 for e in moves if e["actor_kind"] == "agent")
    assert sum(r[3] for r in escalations.rows if r[2] == "manual") == manual

    shop_of = {c["id"]: c["partner_id"] for c in loaded["cases"]}
    tasks = {e["id"]: e for e in events if str(e["body"]).startswith("task for partner:")}
    answers = [e for e in events if "task_id" in json.loads(str(e["data"]))]
    partners = {r[0]: r for r in run_report(db, SYSTEM, "partners", EVERYTHING, NOW).rows}
    assert sum(r[1] for r in partners.values()) == len(tasks) > 0
    for shop, (_, n, answered, median, _p90) in partners.items():
        took = [
            (a["at"] - tasks[a["data_id"]]["at"]).total_seconds()
            for a in ({**a, "data_id": json.loads(str(a["data"]))["task_id"]} for a in answers)
            if shop_of[tasks[a["data_id"]]["case_id"]] == shop
        ]
        assert n == sum(1 for t in tasks.values() if shop_of[t["case_id"]] == shop)
        assert answered == len(took)
        if took:
            assert median == pytest.approx(statistics.median(took), abs=0.1)

    resolutions = run_report(db, SYSTEM, "resolutions", EVERYTHING, NOW)
    for kind, paid_by, _currency, n, total in resolutions.rows:
        mine = [r for r in loaded["ledger"] if r["kind"] == kind and r["paid_by"] == paid_by]
        assert n == len(mine)
        assert total == f"{sum(float(str(r['amount'])) for r in mine):.2f}"


def test_only_level_two_leads_and_admins_read_reports(db: Database) -> None:
    junior = Principal(kind=ActorKind.AGENT, id=2, level=1, roles=frozenset({Role.AGENT}))
    with pytest.raises(Forbidden):
        run_report(db, junior, "backlog", EVERYTHING, NOW)
    customer = Principal(kind=ActorKind.CUSTOMER, id=1)
    with pytest.raises(Forbidden):
        run_all(db, customer, EVERYTHING, NOW)
    senior = Principal(kind=ActorKind.AGENT, id=3, level=2, roles=frozenset({Role.AGENT}))
    assert len(run_all(db, senior, EVERYTHING, NOW)) == len(REPORTS)
    assert run_report(db, LEAD, "backlog", EVERYTHING, NOW).rows == []


def test_level_two_agents_see_only_cases_of_their_levels(
    db: Database, loaded: dict[str, list[dict[str, Any]]]
) -> None:
    senior = Principal(kind=ActorKind.AGENT, id=3, level=2, roles=frozenset({Role.AGENT}))
    report = run_report(db, senior, "volume-level", EVERYTHING, NOW)
    assert dict(report.rows) == dict(
        Counter(c["level"] for c in loaded["cases"] if c["level"] <= 2)
    )


def _bot_rows(conversations: list[dict[str, Any]]) -> list[tuple[str, int, float]]:
    counted = Counter(c["handoff_reason"] or BOT_ANSWERED for c in conversations)
    total = sum(counted.values())
    order = sorted(counted, key=lambda k: (k != BOT_ANSWERED, -counted[k], k))
    return [(k, counted[k], round(100 * counted[k] / total, 1)) for k in order]


def test_bot_deflection_and_hand_offs(
    db: Database, loaded: dict[str, list[dict[str, Any]]]
) -> None:
    since = NOW - timedelta(days=30)
    talks = [c for c in loaded["bot_conversations"] if since <= c["created_at"] < NOW]
    assert any(c["case_id"] is None for c in talks) and any(c["case_id"] for c in talks)
    report = run_report(db, SYSTEM, "bot", ReportFilter(since, NOW), NOW)
    assert report.rows == _bot_rows(talks)
    assert report.rows[0][0] == BOT_ANSWERED
    # A filter on the cases keeps the hand-offs that became such a case.
    cases = {c["id"]: c for c in loaded["cases"]}
    in_cat = [c for c in talks if c["case_id"] and cases[c["case_id"]]["category"] == "cat-2"]
    narrowed = run_report(db, SYSTEM, "bot", ReportFilter(since, NOW, category="cat-2"), NOW)
    assert narrowed.rows == _bot_rows(in_cat)
    # A level-2 agent: the hand-offs to levels 1-2 and every conversation without a case.
    senior = Principal(kind=ActorKind.AGENT, id=3, level=2, roles=frozenset({Role.AGENT}))
    seen = [c for c in talks if c["case_id"] is None or cases[c["case_id"]]["level"] <= 2]
    assert len(seen) < len(talks)
    assert run_report(db, senior, "bot", ReportFilter(since, NOW), NOW).rows == _bot_rows(seen)


def test_bad_filters_are_refused_with_a_clear_message() -> None:
    with pytest.raises(InvalidInput, match="from must be before to"):
        parse_filter({"from": "2026-11-20", "to": "2026-11-10"}, NOW)
    with pytest.raises(InvalidInput, match="level must be a whole number"):
        parse_filter({"level": "two"}, NOW)
    with pytest.raises(InvalidInput, match="date like"):
        parse_filter({"from": "yesterday"}, NOW)
    f = parse_filter({"from": "2026-11-01", "to": "2026-11-10", "shop": "4"}, NOW)
    assert (f.since, f.until, f.shop_id) == (
        datetime(2026, 11, 1, tzinfo=UTC),
        datetime(2026, 11, 11, tzinfo=UTC),
        4,
    )
    assert parse_filter({}, NOW).until == datetime(2026, 11, 24, tzinfo=UTC)
