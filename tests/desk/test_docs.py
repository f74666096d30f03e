"""The desk reference documents every step kind and every key of every desk file."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel

from sopdesk.domain.desk import DeskSettings, Macro, Playbook, Step, Taxonomy
from sopdesk.domain.desk.playbook import STEP_KINDS
from sopdesk.domain.desk.sla import SlaFile, SlaPolicy

REFERENCE = Path(__file__).parent.parent.parent / "docs" / "desk-reference.md"


@pytest.mark.parametrize("kind", STEP_KINDS)
def test_every_step_kind_is_in_the_reference(kind: str) -> None:
    assert f"| `{kind}` |" in REFERENCE.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "model", [DeskSettings, Taxonomy, SlaFile, SlaPolicy, Playbook, Step, Macro]
)
def test_every_key_is_in_the_reference(model: type[BaseModel]) -> None:
    text = REFERENCE.read_text(encoding="utf-8")
    for name, field in model.model_fields.items():
        key = field.alias or name
        assert f"{key}" in text, f"{model.__name__}.{key} is not documented"
