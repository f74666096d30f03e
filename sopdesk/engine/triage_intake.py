"""Triage at the door: every new contact that arrives without a category is read once by the
desk's triage model, and what it finds becomes the new case's facts before routing.

The model is sopdesk.triage (loaded once per process per desk version); this module only maps
its decision onto the command that creates the case.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sopdesk.domain.cases import Priority
from sopdesk.domain.desk import Desk
from sopdesk.triage import TriageDecision, Triager

log = logging.getLogger("sopdesk.triage")
NEEDS_TRIAGE = "needs-triage"
SPAM_CATEGORY = "spam"


@dataclass(frozen=True)
class Triaged:
    """What a new case takes from triage, and the decision for its timeline."""

    category: str | None
    signals: list[str]
    priority: Priority | None  # a suggestion, taken only when the door set none
    language: str | None
    tags: list[str]
    decision: TriageDecision

    def event_data(self) -> dict[str, Any]:
        return self.decision.as_event_data()


_UNTRAINABLE: set[str] = set()  # desk versions whose taxonomy gives triage nothing to learn


def triager_of(desk: Desk) -> Triager | None:
    """The desk's triager; its models live beside the desk (or, for an in-memory desk, in a
    temporary folder). None for a desk whose taxonomy has example phrasings of fewer than two
    categories: such a desk is triaged by people only (logged once per desk version)."""
    if desk.version in _UNTRAINABLE:
        return None
    folder = Path(desk.folder) / ".models" if desk.folder else Path(tempfile.gettempdir())
    try:
        return Triager.for_desk(desk, folder)
    except ValueError as exc:
        log.warning("no triage for desk %s: %s", desk.name, exc)
        _UNTRAINABLE.add(desk.version)
        return None


def triage_contact(desk: Desk, subject: str, body: str) -> Triaged | None:
    """Reads one contact; a decision below the desk's threshold leaves the category to a
    person (the needs-triage queue, with the top three guesses on the timeline). None when
    the desk has no triage model."""
    triager = triager_of(desk)
    if triager is None:
        return None
    decision = triager.assess(subject, body)
    category = decision.category
    tags = [NEEDS_TRIAGE] if decision.needs_triage else []
    if decision.spam and SPAM_CATEGORY in desk.categories:
        category = SPAM_CATEGORY  # level 2's spam queue; never deleted by the model
    suggested = Priority(decision.priority) if decision.priority else None
    return Triaged(
        category=category,
        signals=sorted({hit.slug for hit in decision.signals if hit.slug in desk.signals}),
        priority=suggested,
        language=decision.language if decision.language in desk.languages else None,
        tags=tags,
        decision=decision,
    )
