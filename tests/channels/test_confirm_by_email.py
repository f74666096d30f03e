"""A customer confirms by e-mail: the starter's cancel-order run reads the yes from the words
above the quoted mail, records them verbatim, and the orders connector cancels the order."""

from __future__ import annotations

from email.message import EmailMessage

from fastapi.testclient import TestClient
from sqlalchemy import select

from sopdesk.channels.email.inbound import MailReceiver
from sopdesk.domain.principal import Principal
from sopdesk.engine.playbooks import get_run, list_case_runs
from sopdesk.engine.worker import HANDLERS, WorkContext, Worker
from sopdesk.runtime import Runtime
from sopdesk.store.models import Order
from tests.web.conftest import Persona, client, desk_dir, people, runtime  # noqa: F401
from tests.web.test_playbooks_api import _case

SYSTEM = Principal.system()


def test_a_yes_by_email_cancels_the_order(
    client: TestClient,  # noqa: F811
    people: dict[str, Persona],  # noqa: F811
    runtime: Runtime,  # noqa: F811
) -> None:
    case_id = _case(client, people["admin"], "cancel-order", runtime)
    [run] = list_case_runs(runtime.db, SYSTEM, case_id)
    assert run.step == "confirm-cancel"
    reply = EmailMessage()
    reply["From"] = "Cleo <c@example.com>"
    reply["To"] = "support@desk.example"
    reply["Subject"] = f"Re: Cancel order? Please confirm [#{case_id}]"
    reply["Message-ID"] = "<confirm-1@example.com>"
    reply.set_content(
        "Ja, bitte stornieren.\n\nOn Mon, 23 Nov 2026, Support wrote:\n"
        "> Please reply YES to cancel the order, or NO to keep it.\n"
    )
    result = MailReceiver(runtime).receive(reply.as_bytes())
    assert (result.outcome, result.case_id) == ("appended", case_id)
    Worker(WorkContext(runtime.db, runtime.clock, runtime.desk), HANDLERS).tick()
    done = get_run(runtime.db, SYSTEM, run.id)
    assert done.variables["confirmed"] == "yes"
    assert done.variables["customer_answer"].startswith("Ja, bitte stornieren.")
    assert done.outcome == "cancelled" and done.answers["cancel"]["outcome"] == "ok"
    with runtime.db.transaction(write=False) as session:
        assert session.scalars(select(Order)).one().status == "cancelled"
