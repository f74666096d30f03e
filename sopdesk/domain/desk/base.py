"""Building blocks shared by every desk file: strict models, slugs, and durations.

A duration is written the way a support lead says it: "5 business days", "1 week", "1 hour".
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, PlainSerializer, PlainValidator, StringConstraints

from sopdesk.domain.duration import Duration, DurationUnit

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)]
Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-[A-Za-z0-9]+)?$")]
Text = Annotated[str, StringConstraints(min_length=1, max_length=20_000)]


def _duration(value: Any) -> Duration:
    if isinstance(value, Duration):
        return value
    if not isinstance(value, str):
        raise ValueError("a duration is text such as '1 hour', '5 business days' or '1 week'")
    duration = Duration.parse(value)  # InvalidDuration is a ValueError: pydantic reports it
    if duration.amount == 0:
        raise ValueError("a duration must be longer than zero")
    return duration


# A duration as desk files write it; the value is sopdesk.domain.duration.Duration.
DeskDuration = Annotated[Duration, PlainValidator(_duration), PlainSerializer(str)]

_DAYS = {DurationUnit.DAY: 1, DurationUnit.WEEK: 7}


def nominal(duration: Duration) -> timedelta:
    """The nominal length of a duration (a day is 24 hours; business time counted as calendar)."""
    elapsed = duration.elapsed
    return (
        elapsed if elapsed is not None else timedelta(days=duration.amount * _DAYS[duration.unit])
    )


class DeskModel(BaseModel):
    """Every desk model refuses unknown keys, so a typo is reported, not ignored."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
