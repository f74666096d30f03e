"""Scoring a triager on a held-out file: accuracy per category, confusions, signal catch rate.

The file is YAML: `messages: [{category: slug, text: ...}]` for categories, and
`messages: [{signals: [slug, ...], text: ...}]` for signals (an empty list states none), and
`messages: [{needs_triage: true, text: ...}]` for contacts that ask for nothing the taxonomy
names (a greeting, thanks, "call me"): triage should leave them to a person.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sopdesk.errors import InvalidInput
from sopdesk.triage.triager import Triager


class EvalMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str
    subject: str = ""
    category: str | None = None
    signals: list[str] | None = None
    needs_triage: bool = False  # no category fits: triage should not pick one with confidence


class EvalFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    messages: list[EvalMessage] = Field(min_length=1)


def read_eval_file(path: Path) -> list[EvalMessage]:
    """The messages of an eval file, or InvalidInput saying what is wrong with it."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return EvalFile.model_validate(data).messages
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InvalidInput(f"cannot read the eval file {path}: {exc}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InvalidInput(f"{path}: {where}: {first['msg']}") from None


@dataclass
class CategoryScore:
    total: int = 0
    correct: int = 0
    confused_with: Counter[str] = field(default_factory=Counter)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


@dataclass
class Evaluation:
    categories: dict[str, CategoryScore] = field(default_factory=dict)
    confident: int = 0  # messages over the desk's threshold
    confident_correct: int = 0
    signal_stated: int = 0  # (message, signal) pairs the file states
    signal_caught: int = 0
    signal_quiet: int = 0  # messages that state no signal
    signal_false: int = 0  # of those, how many raised one anyway
    unfit: int = 0  # messages no category fits (needs_triage: true)
    unfit_held: int = 0  # of those, how many triage left to a person
    misses: list[str] = field(default_factory=list)  # "text -> what triage said", for people

    @property
    def total(self) -> int:
        return sum(s.total for s in self.categories.values())

    @property
    def accuracy(self) -> float:
        return sum(s.correct for s in self.categories.values()) / self.total if self.total else 0.0

    @property
    def signal_recall(self) -> float:
        return self.signal_caught / self.signal_stated if self.signal_stated else 1.0

    @property
    def unfit_rate(self) -> float:
        """The share of messages no category fits that triage sent to "needs triage"."""
        return self.unfit_held / self.unfit if self.unfit else 1.0

    @property
    def false_alarm_rate(self) -> float:
        return self.signal_false / self.signal_quiet if self.signal_quiet else 0.0


def evaluate(triager: Triager, messages: list[EvalMessage]) -> Evaluation:
    result = Evaluation()
    scores: dict[str, CategoryScore] = defaultdict(CategoryScore)
    for message in messages:
        decision = triager.assess(message.subject, message.text)
        best = decision.categories[0].slug if decision.categories else "needs-triage"
        if message.category is not None:
            score = scores[message.category]
            score.total += 1
            if best == message.category:
                score.correct += 1
            else:
                score.confused_with[best] += 1
                result.misses.append(f"{message.text[:60]!r}: {message.category} -> {best}")
            if decision.confident:
                result.confident += 1
                result.confident_correct += best == message.category
        if message.needs_triage:
            result.unfit += 1
            result.unfit_held += not decision.confident
            if decision.confident:
                result.misses.append(f"{message.text[:60]!r}: no category fits -> {best}")
        if message.signals is not None:
            fired = {hit.slug for hit in decision.signals}
            result.signal_stated += len(message.signals)
            result.signal_caught += len(fired & set(message.signals))
            if not message.signals:
                result.signal_quiet += 1
                result.signal_false += bool(fired)
                if fired:
                    result.misses.append(f"{message.text[:60]!r}: false signal {sorted(fired)}")
            elif missed := set(message.signals) - fired:
                result.misses.append(f"{message.text[:60]!r}: missed {sorted(missed)}")
    result.categories = dict(sorted(scores.items()))
    return result
