"""Issue 14: the case page says why triage decided (its words and confidence, the top guesses)
and marks a decision an agent corrected; the triage report counts corrections per category."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient

from sopdesk.domain.cases import ActorKind, Role
from sopdesk.domain.principal import Principal
from sopdesk.engine.cases import ChangeCase, check_change_case, do_change_case
from sopdesk.engine.reports import parse_filter, run_report
from sopdesk.runtime import Runtime


def test_the_case_page_says_why_triage_decided_and_the_report_counts_corrections(
    signed_in: Callable[[str], TestClient],
    make_case: Callable[..., int],
    runtime: Runtime,
    people: dict[str, int],
) -> None:
    chargeback = make_case(subject="Chargeback notice: I filed a chargeback and a dispute")
    other = make_case(subject="Chargeback filed with my bank, dispute open")
    admin = signed_in("admin")
    page = admin.get(f"/cases/{chargeback}").text
    assert "data-triage>" in page and "words: chargeback" in page
    assert "top guesses: chargebacks 1.00, " in page
    assert "corrected by an agent" not in page

    # An agent re-categorises one of them: the page says so, and the report counts it.
    agent = Principal(
        kind=ActorKind.AGENT, id=people["admin"], level=4, roles=frozenset({Role.ADMIN})
    )
    command = ChangeCase(category="order-status", reason="not a chargeback")
    changes = check_change_case(runtime.db, agent, runtime.desk, other, command)
    do_change_case(runtime.db, runtime.clock, agent, other, changes, "fix", runtime.desk)
    assert "data-triage-corrected" in admin.get(f"/cases/{other}").text
    assert "data-triage-corrected" not in admin.get(f"/cases/{chargeback}").text

    now = runtime.clock.now()
    f = parse_filter({}, now + timedelta(seconds=1))
    report = run_report(runtime.db, Principal.system(), "triage", f, now)
    assert ("chargebacks", 2, 1, 50.0) in report.rows
    assert "Triage corrected by agents" in admin.get("/reports").text
