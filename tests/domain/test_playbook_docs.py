"""docs/playbooks.md keeps up: every step kind, event type and expectation kind is documented."""

from __future__ import annotations

import typing
from pathlib import Path

from sopdesk.domain.desk.playbook import STEP_KINDS
from sopdesk.domain.playbooks.events import Event
from sopdesk.domain.playbooks.expectations import CHECKS

DOC = Path(__file__).resolve().parents[2] / "docs" / "playbooks.md"


def test_every_step_kind_event_and_expectation_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    union = typing.get_args(typing.get_args(Event)[0])
    event_types = [model.model_fields["type"].default for model in union]
    missing = [f"step {k}" for k in STEP_KINDS if f"| `{k}` |" not in text]
    missing += [f"event {t}" for t in event_types if f"`{t}`" not in text]
    missing += [f"expectation {k}" for k in CHECKS if f"`{k}`" not in text]
    assert missing == []
