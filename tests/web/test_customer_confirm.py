"""The case link answers a playbook's `confirm` step: Yes and No buttons while a run waits for
the customer's answer, none otherwise; the button decides, the words are recorded verbatim."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from sopdesk.domain.playbooks.state import RunState
from sopdesk.domain.principal import Principal
from sopdesk.engine.playbooks import start_run_in
from sopdesk.runtime import Runtime
from sopdesk.store.models import Case, PlaybookRun
from tests.web.test_customer_pages import _link_for_new_case, csrf


def _confirming(client: TestClient, runtime: Runtime) -> tuple[str, int]:
    case_id, token = _link_for_new_case(client, runtime)
    assert 'name="confirm"' not in client.get(f"/my/case/{token}").text
    with runtime.db.transaction() as session:
        case = session.get(Case, case_id)
        assert case is not None
        playbook = runtime.desk.playbooks["cancel-order"]
        run = start_run_in(
            session, runtime.desk, case, playbook, runtime.clock.now(), Principal.system()
        )
        return token, run.id


def _run(runtime: Runtime, run_id: int) -> RunState:
    with runtime.db.transaction(write=False) as session:
        row = session.scalar(select(PlaybookRun).where(PlaybookRun.id == run_id))
        assert row is not None
        return RunState.model_validate(row.state)


def test_the_no_button_answers_the_confirmation(client: TestClient, runtime: Runtime) -> None:
    token, run_id = _confirming(client, runtime)
    page = client.get(f"/my/case/{token}").text
    assert 'name="confirm" value="yes"' in page and 'name="confirm" value="no"' in page
    response = client.post(
        f"/my/case/{token}/reply",
        data={"body": "", "confirm": "no", "csrf_token": csrf(client, f"/my/case/{token}")},
        follow_redirects=False,
    )
    assert response.status_code == 303
    run = _run(runtime, run_id)
    assert run.outcome == "kept" and run.variables["confirmed"] == "no"
    assert run.variables["customer_answer"] == "No"
    assert 'name="confirm"' not in client.get(f"/my/case/{token}").text


def test_the_yes_button_wins_over_unclear_words(client: TestClient, runtime: Runtime) -> None:
    token, run_id = _confirming(client, runtime)
    words = "Hmm, whatever you think is best"
    client.post(
        f"/my/case/{token}/reply",
        data={"body": words, "confirm": "yes", "csrf_token": csrf(client, f"/my/case/{token}")},
        follow_redirects=False,
    )
    run = _run(runtime, run_id)
    assert run.variables["confirmed"] == "yes" and run.variables["customer_answer"] == words
    assert run.step != "confirm-cancel"
