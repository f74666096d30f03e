"""Triage: the first pass over an incoming contact (language, spam, urgency, signals, category).

`Triager.for_desk(desk, model_dir).assess(subject, body)` is the one entry point.
"""

from sopdesk.triage.decision import CategoryGuess, SignalHit, TriageDecision
from sopdesk.triage.triager import Triager

__all__ = ["CategoryGuess", "SignalHit", "TriageDecision", "Triager"]
