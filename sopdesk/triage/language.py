"""Which language a customer wrote in, with lingua restricted to a small set of languages.

The desk's languages plus the common European ones: a detector over every language is slower
and guesses rare languages for short messages.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from lingua import IsoCode639_1, Language, LanguageDetector, LanguageDetectorBuilder

COMMON = ("en", "de", "fr", "es", "it", "nl", "pt", "pl")
MIN_CONFIDENCE = 0.5  # below this the text is mixed or too short to say
_SAMPLE = 600  # characters; enough to tell a language, cheap on a megabyte of text
_detectors: dict[tuple[str, ...], LanguageDetector] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class LanguageGuess:
    code: str | None  # ISO 639-1, None when it cannot be told
    confidence: float


def _language(code: str) -> Language | None:
    try:
        return Language.from_iso_code_639_1(IsoCode639_1.from_str(code.split("-")[0]))
    except ValueError:
        return None


def language_name(code: str) -> str:
    """The English name of an ISO 639-1 code in lower case ("de" -> "german"), or the code."""
    language = _language(code)
    return language.name.lower() if language is not None else code


def detector_for(languages: list[str]) -> LanguageDetector:
    """One detector per set of languages, built once per process."""
    codes = tuple(sorted({*(c.split("-")[0] for c in languages), *COMMON}))
    with _lock:
        if codes not in _detectors:
            known = [lang for c in codes if (lang := _language(c)) is not None]
            _detectors[codes] = (
                LanguageDetectorBuilder.from_languages(*known)
                .with_preloaded_language_models()
                .build()
            )
        return _detectors[codes]


def detect_language(detector: LanguageDetector, text: str) -> LanguageGuess:
    sample = text[:_SAMPLE]
    values = detector.compute_language_confidence_values(sample) if sample.strip() else []
    if not values or values[0].value < MIN_CONFIDENCE:
        return LanguageGuess(None, round(values[0].value, 3) if values else 0.0)
    best = values[0]
    return LanguageGuess(best.language.iso_code_639_1.name.lower(), round(best.value, 3))
