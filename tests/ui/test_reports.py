"""The reports page's charts say what the database holds: SLA compliance per metric over the
last 7 days, and open cases by level and status, as inline SVG with accessible titles.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from sopdesk.domain.cases import CaseStatus, Priority
from sopdesk.domain.clock import ManualClock
from sopdesk.domain.principal import Principal
from sopdesk.engine.cases import CreateCase, check_create_case, do_create_case
from sopdesk.engine.worker import WorkContext, Worker
from sopdesk.runtime import Runtime
from sopdesk.store.models import Case, SlaClockRow
from sopdesk.web.ui.report_charts import SCALE
from tests.ui.conftest import csrf_of

SYSTEM = Principal.system()


def _case(runtime: Runtime, subject: str, priority: Priority) -> int:
    command = CreateCase(
        customer_email="casey@example.com", subject=subject, body="Help.", priority=priority
    )
    plan = check_create_case(runtime.db, SYSTEM, runtime.desk, command)
    return do_create_case(runtime.db, runtime.clock, runtime.desk, SYSTEM, command, plan).id


def _chart(html: str, chart: str) -> str:
    found = re.search(rf'<figure class="chart" id="{chart}">(.*?)</figure>', html, re.S)
    assert found, f"no {chart} on the page"
    return found.group(1)


def test_sla_compliance_counts_the_last_seven_days_as_the_database_does(
    runtime: Runtime, signed_in: Callable[[str], TestClient]
) -> None:
    clock = runtime.clock
    assert isinstance(clock, ManualClock)
    worker = Worker(WorkContext(runtime.db, clock, runtime.desk))
    _case(runtime, "Breached long ago", Priority.CRITICAL)
    clock.advance(timedelta(minutes=70))
    worker.tick()  # breached 8 days before the report: outside its window
    clock.advance(timedelta(days=8))
    answered = [_case(runtime, f"Answered {n}", Priority.CRITICAL) for n in range(2)]
    _case(runtime, "Nobody answered", Priority.CRITICAL)
    normal = _case(runtime, "Normal, answered", Priority.NORMAL)
    admin = signed_in("admin")
    token = csrf_of(admin.get("/").text)
    clock.advance(timedelta(minutes=20))
    for case_id in [*answered, normal]:
        reply = {"kind": "reply", "body": "We are on it.", "csrf_token": token}
        assert admin.post(f"/cases/{case_id}/messages", data=reply).status_code == 303
    clock.advance(timedelta(minutes=50))
    worker.tick()  # the unanswered critical case breaches now
    chart = _chart(admin.get("/reports").text, "sla-chart")
    assert '<title id="sla-title">SLA compliance per metric, last 7 days</title>' in chart
    shown = {(metric, "met"): 0 for metric in ("first_response", "next_response", "resolution")} | {
        (metric, "breached"): 0 for metric in ("first_response", "next_response", "resolution")
    }
    for metric, body in re.findall(r'<g [^>]*data-metric="([a-z_]+)">(.*?)</g>', chart, re.S):
        for what, n in re.findall(r'data-(met|breached)="(\d+)"', body):
            shown[(metric, what)] = int(n)
    since = clock.now() - timedelta(days=7)
    with runtime.db.transaction(write=False) as session:
        breached = dict(
            session.execute(
                select(SlaClockRow.metric, func.count())
                .where(SlaClockRow.breached.is_(True), SlaClockRow.breached_at >= since)
                .group_by(SlaClockRow.metric)
            ).all()
        )
        met = dict(
            session.execute(
                select(SlaClockRow.metric, func.count())
                .where(SlaClockRow.breached.is_(False), SlaClockRow.stopped_at >= since)
                .group_by(SlaClockRow.metric)
            ).all()
        )
    for (metric, what), n in shown.items():
        assert n == (met if what == "met" else breached).get(metric, 0), (metric, what)
    assert shown[("first_response", "met")] == 3
    assert shown[("first_response", "breached")] == 1
    assert "first response: 3 met, 1 breached." in chart


def test_open_cases_chart_equals_the_database_counts(
    runtime: Runtime, signed_in: Callable[[str], TestClient]
) -> None:
    ids = [_case(runtime, f"Case {n}", Priority.NORMAL) for n in range(7)]
    admin = signed_in("admin")
    token = csrf_of(admin.get("/").text)
    moves = [
        (ids[0], {"status": "waiting_customer"}),
        (ids[1], {"status": "waiting_customer"}),
        (ids[2], {"status": "solved"}),
        (ids[3], {"status": "open"}),
    ]
    for case_id, data in moves:
        posted = admin.post(f"/cases/{case_id}/fields", data={**data, "csrf_token": token})
        assert posted.status_code == 303
    for case_id, level in ((ids[4], "3"), (ids[5], "2")):
        data = {"level": level, "reason": "testing the chart", "csrf_token": token}
        assert admin.post(f"/cases/{case_id}/escalate", data=data).status_code == 303
    chart = _chart(admin.get("/reports").text, "open-chart")
    shown: dict[tuple[int, str], int] = {}
    for level, body in re.findall(r'<g [^>]*data-level="(\d)">(.*?)</g>', chart, re.S):
        for status, n in re.findall(r'data-status="([a-z_]+)" data-count="(\d+)"', body):
            shown[(int(level), status)] = int(n)
    open_statuses = [s.value for s in CaseStatus if s.is_open]
    with runtime.db.transaction(write=False) as session:
        counted = {
            (int(level), str(status)): int(n)
            for level, status, n in session.execute(
                select(Case.level, Case.status, func.count())
                .where(Case.status.in_(open_statuses))
                .group_by(Case.level, Case.status)
            )
        }
    assert shown == counted
    assert sum(counted.values()) == 6  # the solved one is not open
    assert '<title id="open-title">Open cases by level and status</title>' in chart


def test_database_reports_are_shown_to_level_two_with_filters(
    runtime: Runtime, signed_in: Callable[[str], TestClient]
) -> None:
    for n in range(3):
        _case(runtime, f"Report case {n}", Priority.NORMAL)
    senior = signed_in("senior")
    page = senior.get("/reports").text
    chart = _chart(page, "report-volume-channel")
    with runtime.db.transaction(write=False) as session:
        by_channel = dict(
            session.execute(
                select(Case.channel, func.count()).group_by(Case.channel).order_by(Case.channel)
            ).all()
        )
    shown = re.findall(r'<g transform="translate\(0 \d+\)" data-value="(\d+)">', chart)
    assert [int(n) for n in shown] == list(by_channel.values())
    assert "Cases by channel: cases" in chart
    assert '<figure class="chart" id="report-backlog">' in page
    later = senior.get("/reports?from=2030-01-01&to=2030-01-31").text
    assert "Nothing in this period." in _chart(later, "report-volume-channel")
    refused = senior.get("/reports?level=nine").text
    assert "level must be a whole number" in refused
    junior = signed_in("agent").get("/reports").text
    assert "report-volume-channel" not in junior
    assert "for agents of level 2 and up" in junior


def test_a_report_chart_is_drawn_at_a_fixed_scale_not_the_pages_width(
    signed_in: Callable[[str], TestClient], make_case: Callable[..., int]
) -> None:
    make_case()
    page = signed_in("admin").get("/reports").text
    chart = _chart(page, "report-volume-channel")
    svg = re.search(r'<svg role="img"[^>]*>', chart)
    assert svg is not None
    width = re.search(r' width="(\d+)"', svg.group(0))
    view = re.search(r'viewBox="0 0 (\d+) (\d+)"', svg.group(0))
    assert width is not None and view is not None  # not width="100%"
    assert int(width.group(1)) / int(view.group(1)) == SCALE
