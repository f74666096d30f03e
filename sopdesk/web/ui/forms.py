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
    """The command, or FormRefused with the messages placed on the fields, in words an agent
    acts on (pydantic's own wording, "String should have at least 1 character", never shows)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else ""
            errors.setdefault(name, say(error))
        raise FormRefused(errors) from None


def say(error: Any) -> str:
    """One validation error as a person would say it."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    name = str(error["loc"][0]).replace("_", " ") if error.get("loc") else "this"
    if kind == "missing" or (kind == "string_too_short" and ctx.get("min_length") == 1):
        return f"fill in the {name}"
    if kind == "string_too_short":
        return f"the {name} needs at least {ctx.get('min_length')} characters"
    if kind == "string_too_long":
        return f"the {name} is too long: at most {ctx.get('max_length')} characters"
    if kind in ("int_parsing", "int_type", "greater_than_equal", "less_than_equal"):
        return f"enter a whole number for the {name}"
    if kind == "enum":
        return f"choose the {name} from the list ({ctx.get('expected', '')})"
    if kind == "string_pattern_mismatch":
        return f"the {name} has characters it may not have"
    message = str(error.get("msg", "")).removeprefix("Value error, ")
    if "email" in name and "value is not a valid email address" in message:
        return "enter an e-mail address like name@example.com"
    return message


def refused(exc: SopdeskError, default_field: str = "") -> FormRefused:
    """A service's refusal, placed on the field it names (its `errors` loc) or on the form."""
    errors: dict[str, str] = {}
    for error in exc.errors:
        loc = error.get("loc") if isinstance(error, dict) else None
        if isinstance(loc, list) and loc:
            errors.setdefault(str(loc[-1]), exc.message)
    return FormRefused(errors or {default_field: exc.message})
