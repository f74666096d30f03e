"""What a search-box query means: its words and "quoted phrases", and the references it may be
(a case number, an e-mail, a phone, an order or tracking number); and how snippets are cut.

Pure: text in, plain data out. `engine/search.py` turns a SearchQuery into SQL on either database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sopdesk.domain.cases import IdentityKind
from sopdesk.domain.identity import identity_form
from sopdesk.errors import InvalidInput

MAX_QUERY_CHARS = 200
MAX_TERMS = 12
# Markers the database puts around a hit in a snippet; control characters no reader types.
HIT_START = "\x02"
HIT_END = "\x03"

_PHRASE = re.compile(r'"([^"]*)"')
_WORD = re.compile(r"\w+")
_CASE_NUMBER = re.compile(r"^#?(\d{1,12})$")
_PHONE_LIKE = re.compile(r"^\+?[\d\s().\-/]{7,30}$")
_REFERENCE = re.compile(r"^[\w][\w\-./]{1,99}$")
_SEPARATORS = re.compile(r"[\s\-]+")  # between the groups of a reference typed in groups
GROUPED_DIGITS = 6  # digits a grouped text needs to be taken for one reference
MAX_CASE_ID = 2**53  # beyond any id: larger numbers are only order or tracking numbers


@dataclass(frozen=True)
class SearchQuery:
    """A query, read: full-text terms, and the exact references to look up by index."""

    text: str
    words: tuple[str, ...] = ()
    phrases: tuple[tuple[str, ...], ...] = ()
    case_ids: tuple[int, ...] = ()
    emails: tuple[str, ...] = ()  # identity normal forms (domain/identity.normalise_email)
    phones: tuple[str, ...] = ()  # E.164
    references: tuple[str, ...] = ()  # order or tracking numbers, as typed and upper-cased

    @property
    def has_text(self) -> bool:
        return bool(self.words or self.phrases)

    @property
    def is_empty(self) -> bool:
        return not (self.has_text or self.case_ids or self.emails or self.phones or self.references)

    def terms(self) -> list[tuple[str, ...]]:
        """Every full-text term: a word is a one-word phrase. All of them must match."""
        return [(w,) for w in self.words] + list(self.phrases)

    def fts5_match(self) -> str:
        """The SQLite FTS5 MATCH expression: each term a quoted phrase (no operator syntax
        reaches FTS5 from the user), implicitly ANDed."""
        return " ".join('"' + " ".join(term) + '"' for term in self.terms())

    def websearch(self) -> str:
        """The text for PostgreSQL's websearch_to_tsquery: words, and phrases in quotes."""
        return " ".join(
            term[0] if len(term) == 1 else '"' + " ".join(term) + '"' for term in self.terms()
        )


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text) if len(w) <= 60]


def _identity(kind: IdentityKind, value: str, region: str | None) -> str | None:
    try:
        return identity_form(kind, value, region)
    except InvalidInput:
        return None


def parse_query(text: str, region: str | None) -> SearchQuery:
    """Reads what a person typed. A reference (order number, e-mail, …) is also searched as a
    phrase, so a message that mentions it is found as well as the order or customer."""
    text = text.replace("\x00", "").strip()[:MAX_QUERY_CHARS]
    words: list[str] = []
    phrases: list[tuple[str, ...]] = []
    case_ids: list[int] = []
    emails: list[str] = []
    phones: list[str] = []
    references: list[str] = []

    def add_term(chunk: str) -> None:
        found = tuple(_words(chunk))
        if len(found) == 1 and found[0] not in words:
            words.append(found[0])
        elif len(found) > 1 and found not in phrases:
            phrases.append(found)

    for quoted in _PHRASE.findall(text):
        add_term(quoted)
    rest = _PHRASE.sub(" ", text).replace('"', " ")
    whole = rest.strip()
    if _PHONE_LIKE.match(whole) and sum(c.isdigit() for c in rest) >= 7:
        phone = _identity(IdentityKind.PHONE, whole, region)
        if phone:
            phones.append(phone)
    grouped = _SEPARATORS.sub("", whole)
    if (
        grouped != whole
        and _REFERENCE.match(grouped)
        and sum(c.isdigit() for c in grouped) >= GROUPED_DIGITS
    ):
        # A reference typed or pasted in groups ("JJD 0144 1234", "1Z 999 AA1 0123"), as
        # carriers print tracking numbers: looked up as one.
        references.extend(dict.fromkeys((grouped, grouped.upper())))
    for token in rest.split():
        number = _CASE_NUMBER.match(token)
        if number and int(number.group(1)) < MAX_CASE_ID:
            case_ids.append(int(number.group(1)))
        if "@" in token:
            email = _identity(IdentityKind.EMAIL, token.strip("<>,;()"), region)
            if email and email not in emails:
                emails.append(email)
        elif _REFERENCE.match(token) and any(c.isdigit() for c in token):
            for form in dict.fromkeys((token, token.upper())):
                references.append(form)
            phone = _identity(IdentityKind.PHONE, token, region)
            if phone and phone not in phones and sum(c.isdigit() for c in token) >= 7:
                phones.append(phone)
        if not token.startswith("#"):
            add_term(token)
    return SearchQuery(
        text=text,
        words=tuple(words[:MAX_TERMS]),
        phrases=tuple(phrases[: max(0, MAX_TERMS - len(words))]),
        case_ids=tuple(dict.fromkeys(case_ids)),
        emails=tuple(emails),
        phones=tuple(dict.fromkeys(phones)),
        references=tuple(dict.fromkeys(references)),
    )


@dataclass(frozen=True)
class SnippetPart:
    """A piece of a snippet; `hit` when it is what the query matched (shown highlighted)."""

    text: str
    hit: bool


def snippet_parts(marked: str) -> list[SnippetPart]:
    """Cuts a snippet the database marked with HIT_START/HIT_END into plain parts, so the page
    escapes the text and adds the highlight itself (no markup from the database reaches HTML)."""
    parts: list[SnippetPart] = []
    hit = False
    for piece in re.split(f"([{HIT_START}{HIT_END}])", marked):
        if piece == HIT_START:
            hit = True
        elif piece == HIT_END:
            hit = False
        elif piece:
            parts.append(SnippetPart(piece, hit))
    return parts
