"""Stale macros and SOPs: a reply records how much its macro was edited; a macro rewritten in
most replies, a step where most runs were stopped, and a step most runs skip (its wait ran out)
or override (an agent records the customer's answer) are flagged on the admin page with
examples; a macro sent as is is not."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from sopdesk.domain.cases import ActorKind, Role
from sopdesk.domain.clock import ManualClock
from sopdesk.domain.playbooks.events import Confirmed, Ticked
from sopdesk.domain.principal import Principal
from sopdesk.engine.cases import AddMessage, check_add_message, check_macro, do_add_message
from sopdesk.engine.macro_context import case_facts, render_case_macro, template_context
from sopdesk.engine.playbook_checks import check_start_run
from sopdesk.engine.playbooks import (
    StartRun,
    do_send_event,
    do_start_run,
    do_stop_run,
)
from sopdesk.engine.stale import review_desk
from sopdesk.engine.worker import WorkContext, Worker
from sopdesk.errors import InvalidInput
from sopdesk.runtime import Runtime
from sopdesk.store.models import Case, CaseEvent

MACRO = "support-request-received"


def _rendered(runtime: Runtime, case_id: int) -> str:
    with runtime.db.transaction(write=False) as session:
        case = session.get(Case, case_id)
        assert case is not None
        facts = case_facts(session, runtime.desk, case, runtime.clock.now())
        macro = runtime.desk.macros[MACRO]
        return render_case_macro(macro, case, runtime.desk, template_context(facts, {})).body


def test_heavily_edited_macros_and_often_stopped_steps_are_flagged(
    signed_in: Callable[[str], TestClient],
    make_case: Callable[..., int],
    runtime: Runtime,
    people: dict[str, int],
) -> None:
    admin = Principal(
        kind=ActorKind.AGENT, id=people["admin"], level=4, roles=frozenset({Role.ADMIN})
    )
    cases = [make_case(subject=f"Question {i}") for i in range(6)]
    for i, case_id in enumerate(cases):
        text = _rendered(runtime, case_id)
        body = text if i == 0 else "Hello, we looked at this and here is a new answer entirely."
        command = AddMessage(kind="reply", body=body, macro=MACRO)
        check_macro(runtime.desk, command)
        check_add_message(runtime.db, admin, case_id, command)
        do_add_message(runtime.db, runtime.clock, admin, case_id, command, runtime.desk)
    with runtime.db.transaction(write=False) as session:
        shares = [
            e.data.get("macro_edit_share")
            for e in session.scalars(select(CaseEvent).where(CaseEvent.kind == "message_out"))
            if e.data.get("macro") == MACRO
        ]
    assert shares[0] == 0.0 and all(s is not None and s > 0.5 for s in shares[1:])
    try:
        check_macro(runtime.desk, AddMessage(kind="reply", body="b", macro="no-such-macro"))
        raise AssertionError("an unknown macro must be refused")
    except InvalidInput as exc:
        assert "no-such-macro" in exc.message

    for case_id in cases[:5]:
        run = check_start_run(
            runtime.db, admin, runtime.desk, case_id, StartRun(playbook="critical-issue")
        )
        started = do_start_run(runtime.db, runtime.clock, runtime.desk, admin, case_id, run)
        do_stop_run(runtime.db, runtime.clock, runtime.desk, admin, started.id, "not needed")

    # A trade-in's V-number left blank (seed 001's checklist) is refused when it is ticked (typed
    # recorded values), so no run holds a tick without its value and nothing is flagged for it.
    for case_id in cases[:5]:
        hold = check_start_run(
            runtime.db, admin, runtime.desk, case_id, StartRun(playbook="proof-of-purchase-hold")
        )
        run = do_start_run(runtime.db, runtime.clock, runtime.desk, admin, case_id, hold)
        # The case has no order: after the first checklist the numbers are typed.
        do_send_event(runtime.db, runtime.clock, runtime.desk, admin, run.id, Ticked(item="all"))
        values = {"v_number": " ", "s_number": "S-1"}
        tick = Ticked(item=0, values=values)
        with pytest.raises(InvalidInput, match="must not be empty"):
            do_send_event(runtime.db, runtime.clock, runtime.desk, admin, run.id, tick)

    page = signed_in("admin").get("/admin/desk").text
    assert 'data-blank="proof-of-purchase-hold/note-numbers" data-flagged' not in page
    assert f'data-macro="{MACRO}" data-flagged' in page
    assert f'<a href="/cases/{cases[1]}">case #{cases[1]}</a>' in page  # an example
    assert 'data-step="critical-issue/' in page and "5 of 5" in page


def test_steps_runs_skip_or_override_are_counted_and_flagged(
    signed_in: Callable[[str], TestClient],
    make_case: Callable[..., int],
    runtime: Runtime,
    people: dict[str, int],
) -> None:
    admin = Principal(
        kind=ActorKind.AGENT, id=people["admin"], level=4, roles=frozenset({Role.ADMIN})
    )
    runs = []
    for i in range(5):
        case_id = make_case(subject=f"A question {i}")
        plan = check_start_run(
            runtime.db, admin, runtime.desk, case_id, StartRun(playbook="cancel-order")
        )
        runs.append(do_start_run(runtime.db, runtime.clock, runtime.desk, admin, case_id, plan).id)
    # Two runs: the agent records the customer's no (the customer's part, done by an agent).
    for run_id in runs[:2]:
        answer = Confirmed(answer="no", text="keep it, by phone")
        do_send_event(runtime.db, runtime.clock, runtime.desk, admin, run_id, answer)
    # Three runs: nobody answers within the 3 business days, the wait runs out.
    clock = runtime.clock
    assert isinstance(clock, ManualClock)
    clock.advance(timedelta(days=7))
    worker = Worker(WorkContext(runtime.db, runtime.clock, runtime.desk))
    for _ in range(10):  # every due timer and mail, batch by batch
        if not worker.tick().claimed:
            break

    review = review_desk(runtime.db, admin, runtime.desk)
    confirm = [
        s for s in review.skips if (s.playbook, s.step) == ("cancel-order", "confirm-cancel")
    ]
    assert [(s.runs, s.skipped, s.overridden, s.flagged) for s in confirm] == [(5, 3, 2, True)]
    assert not [s for s in review.skips if s.step == "keep-order"]  # entered, never skipped
    page = signed_in("admin").get("/admin/desk").text
    row = page.split('data-skip="cancel-order/confirm-cancel"')[1].split("</tr>")[0]
    assert row.startswith(" data-flagged") and "3 of 5" in row and "2 of 5" in row
    assert 'flagged</b>: <a href="/cases/' in row  # example cases
