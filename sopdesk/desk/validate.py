"""Turning Pydantic validation errors into problems that point at a file, line and column.

Each error's `loc` is looked up in the file's source map; messages are put in plain words.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from sopdesk.desk.problems import Problem
from sopdesk.desk.source import SourceMap

M = TypeVar("M", bound=BaseModel)


def _message(error: Any) -> tuple[str, bool]:
    """The words of one error, and whether it points at a key rather than a value."""
    loc = [str(p) for p in error["loc"]]
    kind = error["type"]
    where = ".".join(loc)
    if kind == "extra_forbidden":
        return f"unknown key '{loc[-1]}'" + (f" in {'.'.join(loc[:-1])}" if loc[:-1] else ""), True
    if kind == "missing":
        return f"missing required key '{loc[-1]}'" + (
            f" in {'.'.join(loc[:-1])}" if loc[:-1] else ""
        ), False
    msg = str(error["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        msg = msg.removeprefix(prefix)
    return (f"{where}: {msg}" if where else msg), False


def _model_loc(loc: tuple[Any, ...]) -> tuple[str | int, ...]:
    # Pydantic adds the validator name ("function-after[...]") to some locs; drop those parts.
    return tuple(p for p in loc if not (isinstance(p, str) and "[" in p))


def validate(model: type[M], data: Any, where: SourceMap) -> tuple[M | None, list[Problem]]:
    """Validates `data` as `model`; on failure returns the problems, each with its position."""
    if not isinstance(data, dict):
        return None, [where.problem((), "the file must hold a mapping of keys to values")]
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            error["loc"] = _model_loc(error["loc"])
            message, is_key = _message(error)
            path = error["loc"]
            if error["type"] == "missing":
                path = path[:-1]
            problems.append(where.problem(path, message, key=is_key))
        return None, sorted(set(problems))
