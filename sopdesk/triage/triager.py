"""The triager of one desk version: its trained category model plus the desk's rules.

Trained from the taxonomy's example phrasings (and the desk's resolved and corrected cases),
saved under `<desk>/.models/` per desk version and loaded once per process.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import joblib

from sopdesk.domain.desk import Desk
from sopdesk.triage.decision import CategoryGuess, SignalHit, TriageDecision
from sopdesk.triage.embedded import EmbeddingModel, require_dense
from sopdesk.triage.language import detect_language, detector_for
from sopdesk.triage.model import CategoryModel
from sopdesk.triage.rules import match_signals, signal_rules, spam_markers, urgency
from sopdesk.triage.text import read_text

FORMAT = 2  # bump when what is saved changes; older files are retrained, not misread
SPAM_CATEGORY = "spam"
log = logging.getLogger(__name__)
_loaded: dict[tuple[Path, str], Triager] = {}
_lock = threading.Lock()
Model = CategoryModel | EmbeddingModel


@dataclass(frozen=True)
class Example:
    """One text the model learns from, and the category it belongs to."""

    text: str
    category: str


def desk_examples(desk: Desk) -> list[Example]:
    """The taxonomy's phrasings: each category's examples and those of the signals it takes."""
    found: list[Example] = []
    for slug, category in desk.categories.items():
        found.extend(Example(text, slug) for text in category.examples)
        for signal in category.signals:
            if signal in desk.signals:
                found.extend(Example(text, slug) for text in desk.signals[signal].examples)
    return found


def model_path(model_dir: Path, desk: Desk) -> Path:
    return model_dir / f"triage-{desk.triage.model}-{desk.version[:16]}.joblib"


class Triager:
    def __init__(self, desk: Desk, model: Model, trained_on: int) -> None:
        self.desk = desk
        self.model = model
        self.trained_on = trained_on
        self.rules = signal_rules(desk.signals)
        self.languages = detector_for(desk.languages)

    @classmethod
    def train(
        cls,
        desk: Desk,
        cases: Sequence[Example] = (),
        progress: Callable[[int, int], None] | None = None,
    ) -> Triager:
        """A triager learnt from the desk's phrasings plus `cases` of categories it still has;
        `progress(done, total)` follows the embedding of the examples (model `embeddings`)."""
        examples = desk_examples(desk) + [c for c in cases if c.category in desk.categories]
        texts = [read_text("", e.text).value for e in examples]
        labels = [e.category for e in examples]
        language = desk.languages[0] if desk.languages else "en"  # the word stems' language
        model: Model
        if desk.triage.model == "embeddings":
            model = EmbeddingModel(language=language).fit(texts, labels, progress=progress)
        else:
            model = CategoryModel(language=language).fit(texts, labels)
        return cls(desk, model, len(examples))

    def save(self, model_dir: Path) -> Path:
        model_dir.mkdir(parents=True, exist_ok=True)
        path = model_path(model_dir, self.desk)
        tmp = path.with_suffix(".tmp")
        saved = {"format": FORMAT, "version": self.desk.version, "trained_on": self.trained_on}
        joblib.dump({**saved, "model": self.model}, tmp)
        tmp.replace(path)  # readers never see half a file
        return path

    @classmethod
    def load(cls, desk: Desk, model_dir: Path) -> Triager | None:
        """The saved triager of this desk version, or None when there is none (or it is stale).
        Raises ConfigError when the desk's model needs an extra that is not installed."""
        kind = EmbeddingModel if desk.triage.model == "embeddings" else CategoryModel
        if kind is EmbeddingModel:
            require_dense()
        path = model_path(model_dir, desk)
        if not path.is_file():
            return None
        try:
            saved = joblib.load(path)
        except Exception:  # unpickling a damaged file can raise nearly anything; retrain
            return None
        if not isinstance(saved, dict) or saved.get("format") != FORMAT:
            return None
        if saved.get("version") != desk.version or not isinstance(saved["model"], kind):
            return None
        return cls(desk, saved["model"], int(saved["trained_on"]))

    @classmethod
    def for_desk(cls, desk: Desk, model_dir: Path) -> Triager:
        """The triager of this desk version: from memory, else from disk, else trained now
        from the taxonomy alone and saved (`sopdesk triage train` adds the desk's cases)."""
        key = (model_dir.resolve(), desk.version)
        with _lock:
            if key not in _loaded:
                triager = cls.load(desk, model_dir)
                if triager is None:
                    triager = cls.train(desk)
                    try:
                        triager.save(model_dir)
                    except OSError as exc:  # a read-only desk folder: keep it in memory only
                        log.warning("triage model not saved in %s: %s", model_dir, exc)
                _loaded[key] = triager
            return _loaded[key]

    def assess(self, subject: str, body: str) -> TriageDecision:
        """Language, spam score, urgency, signals and the top three categories of one contact."""
        settings = self.desk.triage
        text = read_text(subject, body)
        model = f"{settings.model}@{self.desk.version[:12]}"
        marker_score, marker_words = spam_markers(text.value)
        if not text.readable:
            return TriageDecision(
                None, 0.0, round(marker_score, 3), False, "normal", "", (), (), False,
                "needs triage: no readable text", model,
            )  # fmt: skip
        language = detect_language(self.languages, text.value)
        top = [CategoryGuess(slug, round(p, 3)) for slug, p in self.model.top(text.value)]
        matches = match_signals(self.rules, text.value)
        hits = [SignalHit(s, tuple(words), "rule") for s, words in matches.fired.items()]
        best = top[0]
        category = self.desk.categories.get(best.slug)
        if category and best.score >= settings.signal_threshold:
            # The classifier adds a signal the rules missed, never one they saw denied.
            hits.extend(
                SignalHit(s, (best.slug,), "classifier")
                for s in category.signals
                if s not in matches.fired and s not in matches.denied
            )
        spam_score = max(marker_score, best.score if best.slug == SPAM_CATEGORY else 0.0)
        spam = spam_score >= settings.spam_threshold
        priority, reason = urgency(text.value, [h.slug for h in hits], spam)
        foreign = language.code is not None and language.code not in self.desk.languages
        confident = best.score >= settings.category_threshold and not foreign and not spam
        return TriageDecision(
            language=language.code,
            language_confidence=language.confidence,
            spam_score=round(spam_score, 3),
            spam=spam,
            priority=priority,
            priority_reason=reason,
            signals=tuple(hits),
            categories=tuple(top),
            confident=confident,
            explanation=_explain(top, hits, confident, spam, marker_words, foreign, language.code),
            model=model,
        )


def _explain(
    top: list[CategoryGuess],
    hits: list[SignalHit],
    confident: bool,
    spam: bool,
    spam_words: list[str],
    foreign: bool,
    language: str | None,
) -> str:
    parts = [f"words: {', '.join(w for h in hits for w in h.words)}"] if hits else []
    best = top[0]
    if spam:
        parts.append("spam" + (f" ({', '.join(spam_words)})" if spam_words else ""))
    elif confident:
        parts.append(f"{best.slug}, confidence {best.score:.2f}")
    elif foreign:
        parts.append(f"needs triage: written in '{language}', not a desk language")
    else:
        parts.append(f"needs triage: best guess {best.slug} at {best.score:.2f}")
    return "; ".join(parts)
