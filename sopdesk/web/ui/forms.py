"""Posted console forms into the engine's typed commands, and errors back onto their fields.

A refused form is shown again with each message next to its field and what the user typed.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from sopdesk.errors import SopdeskError

M = TypeVar("M", bound=BaseModel)


class FormRefused(Exception):
    """Carries the messages by field name; "" holds a message for the whole form."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def text_fields(form: FormData) -> dict[str, str]:
    """Every text field of the form (last value wins), for showing it again."""
    return {key: value for key, value in form.items() if isinstance(value, str)}


def parse(model: type[M], data: dict[str, Any]) -> M:
    """The command, or FormRefused with pydantic's messages placed on the fields."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else ""
            message = str(error["msg"]).removeprefix("Value error, ")
            errors.setdefault(name, message)
        raise FormRefused(errors) from None


def refused(exc: SopdeskError, default_field: str = "") -> FormRefused:
    """A service's refusal, placed on the field it names (its `errors` loc) or on the form."""
    errors: dict[str, str] = {}
    for error in exc.errors:
        loc = error.get("loc") if isinstance(error, dict) else None
        if isinstance(loc, list) and loc:
            errors.setdefault(str(loc[-1]), exc.message)
    return FormRefused(errors or {default_field: exc.message})
