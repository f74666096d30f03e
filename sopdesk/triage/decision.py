"""What triage decided about one contact, as plain values the case core can apply.

`as_event_data()` is the JSON the timeline keeps; `explanation` is what the case page says.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal


@dataclass(frozen=True)
class CategoryGuess:
    slug: str
    score: float  # calibrated probability


@dataclass(frozen=True)
class SignalHit:
    slug: str
    words: tuple[str, ...]  # what fired: matched words, or the category the classifier chose
    source: Literal["rule", "classifier"]


@dataclass(frozen=True)
class TriageDecision:
    language: str | None  # ISO 639-1; None when it cannot be told (mixed, too short, noise)
    language_confidence: float
    spam_score: float
    spam: bool  # at or over the desk's spam threshold: level 2's spam queue, never deleted
    priority: str  # low | normal | high | critical (a suggestion)
    priority_reason: str
    signals: tuple[SignalHit, ...]
    categories: tuple[CategoryGuess, ...]  # the top three, best first
    confident: bool  # the best category reached the desk's threshold
    explanation: str
    model: str  # which model decided, with the desk version it was trained for

    @property
    def category(self) -> str | None:
        """The category to set on the case; None sends it to "needs triage"."""
        return self.categories[0].slug if self.confident and self.categories else None

    @property
    def needs_triage(self) -> bool:
        return self.category is None and not self.spam

    def as_event_data(self) -> dict[str, Any]:
        data = asdict(self)
        data["category"] = self.category
        data["needs_triage"] = self.needs_triage
        return data
