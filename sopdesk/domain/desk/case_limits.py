"""Limits that span cases (taxonomy.yaml `case_limits`): "one exchange per order", "no second
refund within 90 days". A limit counts the earlier cases of the same order or customer that
match it; conditions read the count as `case_limits.<name>` (sopdesk/domain/case_limits.py).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from sopdesk.domain.desk.base import DeskDuration, DeskModel, Slug

ResolutionKind = Literal["refund", "replacement", "credit", "reshipment"]


class CaseLimit(DeskModel):
    title: str = ""
    per: Literal["order", "customer"]  # customer: linked accounts included
    categories: list[Slug] = Field(default_factory=list)  # earlier cases of these categories
    resolutions: list[ResolutionKind] = Field(default_factory=list)  # with such a resolution
    within: DeskDuration | None = None  # only cases opened this long ago or less; none: ever
    max: int = Field(default=1, ge=1)  # earlier cases allowed; `reached` once this many count

    @model_validator(mode="after")
    def _counts_something(self) -> CaseLimit:
        if not self.categories and not self.resolutions:
            raise ValueError("a case limit counts cases of `categories` or with `resolutions`")
        return self
