"""Typed values an agent records at a checklist item: text, number, money, date, yes/no or a
choice from a list, validated when entered and read back typed by conditions.

A run stores each value in one plain form (text; a number or money as its decimal text; a date
as YYYY-MM-DD; yes/no as true/false), so the stored run stays JSON and reads back the same.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from sopdesk.errors import InvalidInput

Kind = Literal["text", "number", "money", "date", "yes/no"]
_YES = {"yes", "y", "true", "ja", "1"}
_NO = {"no", "n", "false", "nein", "0"}
_DMY = re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$")


class Choice(BaseModel):
    """A value from a list, e.g. `{choice: [sealed, opened, damaged]}`."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    choice: list[str] = Field(min_length=1)


RecordType = Kind | Choice


def type_name(kind: RecordType) -> str:
    return f"one of {', '.join(kind.choice)}" if isinstance(kind, Choice) else kind


def _date(text: str) -> date:
    found = _DMY.match(text)
    if found:
        day, month, year = (int(g) for g in found.groups())
        return date(year, month, day)
    return date.fromisoformat(text)


def normalise(name: str, kind: RecordType, value: Any) -> Any:
    """The stored form of `value` for a field of `kind`; InvalidInput says what is expected."""
    text = str(value).strip() if value is not None else ""
    if isinstance(kind, Choice):
        if text not in kind.choice:
            raise InvalidInput(f"'{name}' must be one of {', '.join(kind.choice)}, not {text!r}")
        return text
    if kind == "text":
        if not text:
            raise InvalidInput(f"'{name}' must not be empty")
        return text
    if kind == "yes/no":
        if isinstance(value, bool):
            return value
        if text.casefold() in _YES | _NO:
            return text.casefold() in _YES
        raise InvalidInput(f"'{name}' must be yes or no, not {text!r}")
    if kind == "date":
        try:
            return _date(text).isoformat()
        except ValueError:
            raise InvalidInput(
                f"'{name}' must be a date like 2026-11-23 or 23.11.2026, not {text!r}"
            ) from None
    try:
        number = Decimal(text.replace(",", ".") if text.count(",") == 1 else text)
    except InvalidOperation:
        raise InvalidInput(f"'{name}' must be a {kind}, not {text!r}") from None
    if not number.is_finite():
        raise InvalidInput(f"'{name}' must be a {kind}, not {text!r}")
    if kind == "money":
        if number < 0:
            raise InvalidInput(f"'{name}' is an amount of money and cannot be negative")
        return str(number.quantize(Decimal("0.01")))
    return str(number)


def normalise_all(types: Mapping[str, RecordType], values: Mapping[str, Any]) -> dict[str, Any]:
    """Every value in its stored form; values of fields without a declared type pass as given."""
    return {
        name: normalise(name, types[name], value) if name in types else value
        for name, value in values.items()
    }


def read_back(types: Mapping[str, RecordType], values: Mapping[str, Any]) -> dict[str, Any]:
    """Stored values typed for conditions: numbers and money as Decimal, dates as dates."""
    typed: dict[str, Any] = {}
    for name, value in values.items():
        kind = types.get(name)
        try:
            if kind in ("number", "money") and value is not None:
                typed[name] = Decimal(str(value))
            elif kind == "date" and isinstance(value, str):
                typed[name] = date.fromisoformat(value)
            else:
                typed[name] = value
        except (InvalidOperation, ValueError):
            typed[name] = value  # recorded before the desk typed it: as it was written
    return typed
