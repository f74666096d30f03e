"""The desk models refuse what a desk cannot mean: bad durations, hours, steps and branches."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from sopdesk.domain.desk import CalendarSpec, Playbook, Step
from sopdesk.domain.desk.playbook import STEP_KINDS
from sopdesk.domain.desk.sla import Fulfilment
from sopdesk.domain.duration import DurationUnit


def _step(**data: Any) -> Step:
    return Step.model_validate({"id": "s", **data})


def test_durations_read_as_spoken() -> None:
    step = _step(wait={"for": "customer-reply", "timeout": "5 business days"}, on_timeout="s")
    assert step.wait is not None and step.wait.timeout is not None
    timeout = step.wait.timeout
    assert (timeout.amount, timeout.unit, timeout.business) == (5, DurationUnit.DAY, True)
    assert str(timeout) == "5 business days"


@pytest.mark.parametrize("text", ["soon", "0 days", "5 business weeks", "-1 hour"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(ValidationError):
        _step(wait={"for": "customer-reply", "timeout": text})


def test_a_step_has_exactly_one_kind() -> None:
    with pytest.raises(ValidationError, match="exactly one kind"):
        _step(send={"to": "customer", "macro": "m"}, end={"outcome": "x"})
    with pytest.raises(ValidationError, match="exactly one kind"):
        _step(next="x")


def test_a_step_takes_only_its_own_branches() -> None:
    with pytest.raises(ValidationError, match="a send step takes next, not `on_timeout`"):
        _step(send={"to": "customer", "macro": "m"}, on_timeout="x")


def test_every_kind_has_a_body_model() -> None:
    assert set(STEP_KINDS) <= set(Step.model_fields)


def test_targets_include_the_fall_through() -> None:
    playbook = Playbook.model_validate(
        {
            "playbook": "p",
            "title": "P",
            "steps": [
                {"id": "a", "send": {"to": "customer", "macro": "m"}},
                {"id": "b", "end": {"outcome": "done"}},
            ],
        }
    )
    first = playbook.steps[0]
    assert first.targets(playbook.following(0)) == [("(the step listed after it)", "b")]
    assert playbook.steps[1].targets(None) == []


def test_an_approval_names_one_approver_or_a_role() -> None:
    with pytest.raises(ValidationError, match="exactly one of"):
        _step(approval={"ask": "ok?", "approver": "a", "role": "lead"})


def test_overlapping_hours_are_refused() -> None:
    with pytest.raises(ValidationError, match="overlap"):
        CalendarSpec.model_validate({"hours": {"monday": ["09:00-13:00", "12:00-17:00"]}})


def test_several_intervals_a_day_and_24_00() -> None:
    spec = CalendarSpec.model_validate(
        {"hours": {"monday": ["13:00-17:00", "08:00-12:00"], "friday": "22:00-24:00"}}
    )
    assert [str(i) for i in spec.hours.monday] == ["08:00-12:00", "13:00-17:00"]
    assert spec.hours.open_minutes_per_week == 8 * 60 + 2 * 60


def test_a_date_cannot_be_closed_and_open() -> None:
    with pytest.raises(ValidationError, match="both as closed and as open"):
        CalendarSpec.model_validate(
            {
                "holidays": {
                    "closed": ["2026-12-24"],
                    "open": [{"date": "2026-12-24", "hours": ["10:00-12:00"]}],
                }
            }
        )


def test_fulfilment_promises_are_business_days() -> None:
    data = {
        "processing": "4 business days",
        "domestic_shipping": "10 business days",
        "international_shipping": "20 business days",
    }
    promise = Fulfilment.model_validate(data).promise()
    assert (promise.processing_days, promise.international_shipping_days) == (4, 20)
    with pytest.raises(ValidationError, match="counted in business days"):
        Fulfilment.model_validate({**data, "processing": "4 days"})
