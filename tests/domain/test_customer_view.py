"""What a customer sees behind the signed link (domain/access.customer_sees_event)."""

from __future__ import annotations

import pytest

from sopdesk.domain.access import customer_sees_event

ME = 5


@pytest.mark.parametrize(
    ("kind", "actor", "actor_id", "data", "seen"),
    [
        ("case_created", "system", None, {}, True),
        ("message_out", "agent", 1, {"recipient": "customer"}, True),
        ("message_out", "agent", 1, {}, True),
        ("message_out", "agent", 1, {"recipient": "partner"}, False),
        ("message_out", "system", None, {"recipient": "other-customer"}, False),
        ("message_out", "agent", 1, {"recipient": "team"}, False),
        ("message_in", "customer", ME, {}, True),
        ("message_in", "customer", ME + 1, {}, False),
        ("message_in", "partner", 2, {"task_id": 1}, False),
        ("message_in", "agent", 1, {"task_id": 1}, False),
        ("message_in", "agent", 1, {}, True),
        ("note", "agent", 1, {}, False),
        ("routing", "system", None, {}, False),
        ("playbook_step", "system", None, {}, False),
    ],
)
def test_the_customer_sees_only_their_conversation(
    kind: str, actor: str, actor_id: int | None, data: dict[str, object], seen: bool
) -> None:
    assert customer_sees_event(kind, actor, actor_id, data, ME) is seen
