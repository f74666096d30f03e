"""Reusable blocks: steps written once (playbooks/blocks/<slug>.yaml) and used by playbooks.

A playbook step `{use: verify-identity, with: {ask_macro: ask-identity}}` is replaced, when the
desk is loaded, by the block's steps with every `${name}` filled from `with` (or the
parameter's default). The steps keep the ids the block gives them; they are checked where they
are used, as the playbook's own steps are (sopdesk/desk/blocks.py expands them).
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field, model_validator

from sopdesk.domain.desk.base import DeskModel, Slug
from sopdesk.domain.desk.playbook import FieldName

# `${name}` in any text of a block's steps; the whole text `${name}` takes the value as given.
PLACEHOLDER = re.compile(r"\$\{\s*([a-z][a-z0-9_]*)\s*\}")


class BlockParam(DeskModel):
    about: str = ""  # what the parameter is, for the desk's readers
    default: Any = None  # None: a playbook using the block must give it

    @model_validator(mode="before")
    @classmethod
    def _bare(cls, value: Any) -> Any:
        return {"about": value} if isinstance(value, str) else value

    @property
    def required(self) -> bool:
        return self.default is None


class Block(DeskModel):
    """One block file: its parameters and its steps (kept as written until they are used)."""

    block: Slug
    title: str = ""
    description: str = ""
    params: dict[FieldName, BlockParam] = Field(default_factory=dict)
    steps: list[dict[str, Any]] = Field(min_length=1)


def fill(value: Any, given: dict[str, Any], missing: list[str]) -> Any:
    """`value` with every `${name}` replaced from `given`; names not given go to `missing`."""
    if isinstance(value, dict):
        return {k: fill(v, given, missing) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, given, missing) for v in value]
    if not isinstance(value, str):
        return value
    whole = PLACEHOLDER.fullmatch(value.strip())
    if whole is not None:
        name = whole.group(1)
        if name not in given:
            missing.append(name)
            return value
        return given[name]

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in given:
            missing.append(name)
            return match.group(0)
        return str(given[name])

    return PLACEHOLDER.sub(one, value)


def placeholders(value: Any, path: tuple[str | int, ...] = ()) -> list[tuple[str, tuple[Any, ...]]]:
    """(name, path) of every `${name}` in `value`."""
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in placeholders(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in placeholders(v, (*path, i))]
    if isinstance(value, str):
        return [(m.group(1), path) for m in PLACEHOLDER.finditer(value)]
    return []
