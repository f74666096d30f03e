"""The rule part of triage: the desk's signal patterns, spam markers and urgency words.

Rules explain themselves (the words that fired), which is what an agent needs to trust them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from sopdesk.domain.desk.taxonomy import Signal

# A match right after one of these words in the same clause is denied, not stated:
# "no one was hurt", "I will not sue".
_NEGATION = re.compile(
    r"(\b(no|not|never|without|nobody|none|nothing|wont)\b|n't)[^,.;!?]*$", re.IGNORECASE
)
_NEGATION_WINDOW = 25  # characters before a match

_SPAM_MARKERS = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"\b(crypto|bitcoin|forex|casino|viagra|cialis|loan offer)\b",
        r"\b(seo|backlinks?|rank(ing)? (your|on) google|web traffic)\b",
        r"\b(buy|cheap|get) (\w+ )?(followers|likes|subscribers)\b",
        r"\b(you have won|winner|lottery|jackpot|prize claim)\b",
        r"\b(click (here|the link|below)|limited time offer|act now|100% free)\b",
        r"\b(investment opportunity|double your money|guaranteed (income|returns?))\b",
        r"\b(dear (sir|madam|friend)|kindly reply|beneficiary|inheritance)\b",
        r"\b(hot singles|adult content|dating site)\b",
        r"\b(we (offer|provide) (cheap|affordable) (web|seo|marketing|design))\b",
        r"(https?://\S+.*){3,}",
    )
]
_SPAM_WEIGHT = 0.55  # each marker; three markers make 0.91

_CRITICAL = re.compile(
    r"\b(outage|emergency|down for (all|every)\w*|cannot \w+ (at all|anything)|"
    r"nothing works|completely (down|broken))\b",
    re.IGNORECASE,
)
_URGENT = re.compile(
    r"\b(urgent\w*|asap|immediately|right away|as soon as possible|today|tomorrow|"
    r"deadline|time[- ]sensitive)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class SignalRule:
    slug: str
    patterns: tuple[re.Pattern[str], ...]


def signal_rules(signals: Mapping[str, Signal]) -> list[SignalRule]:
    return [
        SignalRule(slug, tuple(re.compile(p, re.IGNORECASE) for p in signal.patterns))
        for slug, signal in signals.items()
        if signal.patterns
    ]


def _stated(text: str, match: re.Match[str]) -> bool:
    before = text[max(0, match.start() - _NEGATION_WINDOW) : match.start()]
    return _NEGATION.search(before) is None


@dataclass(frozen=True)
class SignalMatches:
    fired: dict[str, list[str]]  # signal → the words that matched
    denied: set[str]  # signals whose words occur only denied ("I will not sue")


def match_signals(rules: list[SignalRule], text: str) -> SignalMatches:
    """Each signal whose patterns occur (not denied) in `text`, with the words that matched."""
    fired: dict[str, list[str]] = {}
    denied: set[str] = set()
    for rule in rules:
        words: list[str] = []
        for pattern in rule.patterns:
            for match in pattern.finditer(text):
                word = match.group(0).lower()
                if not _stated(text, match):
                    denied.add(rule.slug)
                elif word not in words:
                    words.append(word)
        if words:
            fired[rule.slug] = words
    return SignalMatches(fired, denied - fired.keys())


def spam_markers(text: str) -> tuple[float, list[str]]:
    """A score in 0..1 from the spam markers present, and the words that fired."""
    words = [m.group(0)[:40].lower() for p in _SPAM_MARKERS if (m := p.search(text))]
    return 1 - (1 - _SPAM_WEIGHT) ** len(words), words


def urgency(text: str, signals: list[str], spam: bool) -> tuple[str, str]:
    """A priority suggestion and the reason for it, in words."""
    if spam:
        return "low", "looks like spam"
    if m := _CRITICAL.search(text):
        return "critical", f"words: {m.group(0).lower()}"
    if signals:
        return "high", "signals: " + ", ".join(signals)
    if m := _URGENT.search(text):
        return "high", f"words: {m.group(0).lower()}"
    return "normal", ""
