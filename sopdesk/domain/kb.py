"""Help articles as passages: split by heading, anchors, plain text, and short quotations.

Pure text rules; the index that stores the passages is in sopdesk.engine.kb.
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
WORD = re.compile(r"[^\W_]+", re.UNICODE)
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÄÖÜ0-9*\"'(])")
MARKUP = re.compile(r"(\*\*|__|`|^\s*[-*+]\s+|^\s*\d+\.\s+|^>\s?)", re.MULTILINE)
LINK = re.compile(r"\[([^\]]+)\]\([^)]+\)")


@dataclass(frozen=True)
class Passage:
    anchor: str  # "" for the text above the first heading
    heading: str
    body: str  # Markdown source of this section
    position: int


def anchor_for(heading: str) -> str:
    """A stable URL fragment for a heading: lower-case ASCII words joined by '-'."""
    folded = unicodedata.normalize("NFKD", heading.replace("ß", "ss"))
    folded = folded.encode("ascii", "ignore").decode()
    return "-".join(w.lower() for w in WORD.findall(folded))[:80] or "section"


def split_passages(body: str) -> list[Passage]:
    """The sections of an article body; each heading starts one, repeated anchors get -2, -3."""
    sections: list[tuple[str, list[str]]] = [("", [])]
    for line in body.splitlines():
        match = HEADING.match(line)
        if match:
            sections.append((match.group(2), []))
        else:
            sections[-1][1].append(line)
    passages: list[Passage] = []
    seen: dict[str, int] = {}
    for heading, lines in sections:
        text = "\n".join(lines).strip()
        if not text and not heading:
            continue
        anchor = ""
        if heading:
            base = anchor_for(heading)
            seen[base] = seen.get(base, 0) + 1
            anchor = base if seen[base] == 1 else f"{base}-{seen[base]}"
        passages.append(Passage(anchor, heading, text, len(passages)))
    return passages


def plain_text(markdown: str) -> str:
    """Markdown without its markup: what a person reads, on one line per paragraph."""
    text = LINK.sub(r"\1", markdown)
    text = MARKUP.sub("", text)
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
    return "\n".join(p for p in paragraphs if p)


def words(text: str) -> list[str]:
    """Lower-case words of `text` (letters and digits, any script)."""
    return [w.lower() for w in WORD.findall(text)]


def quote(markdown: str, question: str, limit: int = 320) -> str:
    """The passage shortened to its sentences that share most words with the question.

    Only whole sentences of the passage, in their order: never a word the article lacks.
    """
    text = plain_text(markdown)
    if len(text) <= limit:
        return text
    sentences = [s for line in text.splitlines() for s in SENTENCE_END.split(line) if s.strip()]
    asked = set(words(question))
    ranked = sorted(
        range(len(sentences)), key=lambda i: (-len(asked & set(words(sentences[i]))), i)
    )
    chosen: list[int] = []
    used = 0
    for i in ranked:
        if used + len(sentences[i]) > limit and chosen:
            continue
        chosen.append(i)
        used += len(sentences[i]) + 1
    picked = " ".join(sentences[i] for i in sorted(chosen))
    if len(picked) > limit:
        picked = picked[: limit - 1].rsplit(" ", 1)[0] + "…"
    return picked


def article_hash(title: str, language: str, audience: str, body: str) -> str:
    return hashlib.sha256(f"{title}\0{language}\0{audience}\0{body}".encode()).hexdigest()


# A few frequent function words per language: enough to tell a question's language apart from
# the desk's languages, not a general language identifier.
_FUNCTION_WORDS = {
    "en": "the is are my i how do does what where when can you to a of and it not",
    "de": "der die das ist ich mein meine wie wo was kann nicht und ein eine zu mit",
    "fr": "le la les est je mon ma comment où que pas et un une des pour avec",
    "es": "el la los es mi cómo como dónde qué no y un una para con por está",
    "it": "il lo la gli è mio mia come dove che non e un una per con sono",
    "nl": "de het een is mijn hoe waar wat niet en ik kan met voor van",
    "pt": "o a os é meu minha como onde que não e um uma para com está",
}
STOPWORDS = {lang: frozenset(text.split(" ")) for lang, text in _FUNCTION_WORDS.items()}


def guess_language(text: str) -> str | None:
    """The language whose function words the text uses most; None when it is unclear."""
    tokens = words(text[:2000])
    if len(tokens) < 3:
        return None
    counts = {lang: sum(t in stop for t in tokens) for lang, stop in STOPWORDS.items()}
    best = max(counts, key=lambda lang: counts[lang])
    ordered = sorted(counts.values(), reverse=True)
    if ordered[0] < 2 or ordered[0] == ordered[1]:
        return None
    return best


def terms(text: str) -> list[str]:
    """Index terms of a text: its words cut to five letters (a crude stemmer for any language)."""
    return [w[:5] for w in words(text)]


@dataclass(frozen=True)
class CorpusStats:
    documents: int
    average_length: float
    frequencies: dict[str, int]  # term -> how many passages have it


def passage_terms(title: str, heading: str, body: str) -> list[str]:
    """A passage as a bag of terms; the title and heading count twice, as a reader weighs them."""
    head = terms(title) + terms(heading)
    return head + head + terms(body)


@dataclass(frozen=True)
class TermBag:
    """A passage's terms counted once: what BM25 reads (never changed after it is made)."""

    counts: dict[str, int]
    length: int


@functools.lru_cache(maxsize=4096)
def passage_bag(title: str, heading: str, body: str) -> TermBag:
    """`passage_terms` counted; kept for the passages asked about most (the same passages come
    back for question after question, and cutting them into terms was most of a search)."""
    bag = passage_terms(title, heading, body)
    return TermBag(dict(Counter(bag)), len(bag))


def corpus_stats(passages: list[TermBag]) -> CorpusStats:
    frequencies = dict(Counter(term for bag in passages for term in bag.counts))
    total = sum(bag.length for bag in passages)
    return CorpusStats(len(passages), total / max(len(passages), 1), frequencies)


def bm25(
    query: list[str], bag: TermBag, stats: CorpusStats, k1: float = 1.2, b: float = 0.75
) -> float:
    """Okapi BM25 of one passage for the query terms, over the corpus statistics."""
    counts = bag.counts
    norm = k1 * (1 - b + b * bag.length / (stats.average_length or 1.0))
    score = 0.0
    for term in set(query):
        tf = counts.get(term, 0)
        if tf:
            df = stats.frequencies.get(term, 0)
            idf = math.log(1 + (stats.documents - df + 0.5) / (df + 0.5))
            score += idf * tf * (k1 + 1) / (tf + norm)
    return score
