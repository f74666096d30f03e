"""Building blocks shared by every desk file: strict models, slugs, and durations.

A duration is written the way a support lead says it: "5 business days", "1 week", "1 hour".
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints, model_serializer, model_validator

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)]
Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-[A-Za-z0-9]+)?$")]
Text = Annotated[str, StringConstraints(min_length=1, max_length=20_000)]

Unit = Literal["minutes", "hours", "days", "weeks"]
_UNITS: dict[str, Unit] = {
    "minute": "minutes",
    "minutes": "minutes",
    "min": "minutes",
    "mins": "minutes",
    "hour": "hours",
    "hours": "hours",
    "h": "hours",
    "day": "days",
    "days": "days",
    "week": "weeks",
    "weeks": "weeks",
}
_MINUTES: dict[Unit, int] = {"minutes": 1, "hours": 60, "days": 1440, "weeks": 10080}
_DURATION = re.compile(r"^\s*(\d{1,5})\s+(business\s+)?([a-z]+)\s*$")


class DeskModel(BaseModel):
    """Every desk model refuses unknown keys, so a typo is reported, not ignored."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Duration(BaseModel):
    """An amount of calendar time, or of business time on the desk's calendar.

    "5 business days" counts only open days of the calendar; "5 days" counts every day.
    """

    model_config = ConfigDict(frozen=True)

    amount: int
    unit: Unit
    business: bool = False

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, value: Any) -> Any:
        if isinstance(value, str):
            match = _DURATION.match(value.lower())
            unit = _UNITS.get(match.group(3)) if match else None
            if match is None or unit is None:
                raise ValueError(
                    f"'{value}' is not a duration; write e.g. '1 hour', '5 business days', '1 week'"
                )
            return {"amount": int(match.group(1)), "unit": unit, "business": bool(match.group(2))}
        return value

    @model_validator(mode="after")
    def _positive(self) -> Duration:
        if self.amount <= 0:
            raise ValueError("a duration must be longer than zero")
        return self

    @model_serializer
    def _text(self) -> str:
        return str(self)

    def __str__(self) -> str:
        unit = self.unit[:-1] if self.amount == 1 else self.unit
        return f"{self.amount} {'business ' if self.business else ''}{unit}"

    @property
    def minutes(self) -> int:
        """Nominal length in minutes (calendar time; business time needs the calendar)."""
        return self.amount * _MINUTES[self.unit]
