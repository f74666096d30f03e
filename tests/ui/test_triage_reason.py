"""Issue 14: the case page says why triage decided (its words and confidence, the top guesses)
and marks a decision an agent corrected; the triage report counts corrections per category."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient

from sopdesk.domain.cases import ActorKind, Role
from sopdesk.domain.principal import Principal
from sopdesk.engine.cases import ChangeCase, check_change_case, do_change_case
from sopdesk.engine.new_cases import CreateCase
from sopdesk.engine.reports import parse_filter, run_report
from sopdesk.engine.triage_intake import NEEDS_TRIAGE
from sopdesk.runtime import Runtime
from sopdesk.store.models import Case as CaseRow
from tests.ui.conftest import csrf_of, open_case


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


def test_a_case_triage_left_unsure_offers_its_guesses_as_one_click_choices(
    signed_in: Callable[[str], TestClient],
    runtime: Runtime,
) -> None:
    def contact(subject: str, body: str) -> int:
        command = CreateCase(
            customer_email="casey@example.com", customer_name="Casey", subject=subject, body=body
        )
        return open_case(runtime, command)

    unsure = contact("Hi", "Please call me back.")
    sure = contact("Where is my order?", "My order has not arrived yet, where is it?")
    with runtime.db.transaction(write=False) as session:
        categories = {c.id: c.category for c in session.query(CaseRow).all()}
    assert categories[unsure] is None and categories[sure] is not None  # triage's own call

    agent = signed_in("agent")
    queue = agent.get("/", params={"view": "all", "category": NEEDS_TRIAGE}).text
    assert f'href="/cases/{unsure}"' in queue and f'href="/cases/{sure}"' not in queue
    page = agent.get(f"/cases/{unsure}").text
    choices = re.findall(r'data-triage-choice="([^"]+)"', page)
    # The timeline says triage's explanation once (its body), not twice.
    assert page.count("needs triage: best guess") == 2  # the header's Triage line and the event
    assert len(choices) == 3 and all(c in runtime.desk.categories for c in choices)
    assert "data-triage-choices" not in agent.get(f"/cases/{sure}").text  # it has one

    # One click on a guess level 1 keeps: the case is categorised, counted as corrected by
    # an agent, leaves the needs-triage queue and offers no more choices.
    pick = next(c for c in choices if runtime.desk.categories[c].level == 1)
    answer = agent.post(
        f"/cases/{unsure}/fields",
        data={"category": pick, "reason": "chosen", "csrf_token": csrf_of(page)},
    )
    assert answer.status_code == 303
    page = agent.get(f"/cases/{unsure}").text
    assert "data-triage-choices" not in page and "data-triage-corrected" in page
    with runtime.db.transaction(write=False) as session:
        assert session.get(CaseRow, unsure).category == pick  # type: ignore[union-attr]
    queue = agent.get("/", params={"view": "all", "category": NEEDS_TRIAGE}).text
    assert f'href="/cases/{unsure}"' not in queue
