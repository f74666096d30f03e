"""Routing of a new case to the level that owns its category, with the reason spelled out.

The escalation matrix (seed 002) adds rules on top of this in a later step.
"""

from __future__ import annotations

from dataclasses import dataclass

from sopdesk.domain.cases import MIN_LEVEL


@dataclass(frozen=True)
class RoutingDecision:
    level: int
    reasons: tuple[str, ...]

    @property
    def explanation(self) -> str:
        return f"level {self.level} because: " + "; ".join(self.reasons)


def route_by_category(category_slug: str | None, owning_level: int | None) -> RoutingDecision:
    """A case goes to the level that owns its category; an uncategorised case to level 1."""
    if category_slug is None or owning_level is None:
        return RoutingDecision(MIN_LEVEL, ("no category yet, so the first level triages it",))
    return RoutingDecision(
        owning_level, (f"category '{category_slug}' is owned by level {owning_level}",)
    )
