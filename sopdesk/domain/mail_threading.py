"""E-mail threading: reply tokens, case tags and the rule that picks the case a mail belongs to.

Pure: the engine gathers the clues (tokens, referenced cases, the sender's customers) and asks.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

TOKEN_RE = re.compile(r"c(\d{1,18})-([0-9a-f]{12})", re.IGNORECASE)
TAG_RE = re.compile(r"\[#(\d{1,18})\]")
CASE_HEADER = "X-Sopdesk-Case"
SUBJECT_WINDOW = timedelta(days=7)
# Subjects too generic to thread on by themselves ("hi", "help", "question").
MIN_SUBJECT_KEY = 8

_PREFIX_RE = re.compile(
    r"^\s*(?:(?:re|fw|fwd|aw|wg|sv|vs|antw|tr|rif|r|enc|odp|vl|ynt|回复|答复|转发)"
    r"\s*(?:\[\d+\])?\s*[:\uff1a]\s*)+",
    re.IGNORECASE,
)
_BRACKETS_RE = re.compile(r"\[(?:#\d+|ext|external|spam)\]", re.IGNORECASE)
CLOSED_FOR_GOOD = frozenset({"closed", "spam"})


def _signature(case_id: int, secret: str) -> str:
    digest = hmac.new(secret.encode(), f"sopdesk-case:{case_id}".encode(), hashlib.sha256)
    return digest.hexdigest()[:12]


def make_reply_token(case_id: int, secret: str) -> str:
    """`c<case id>-<hmac>`: unforgeable, so a token alone may route a mail to its case."""
    return f"c{case_id}-{_signature(case_id, secret)}"


def read_reply_tokens(texts: Iterable[str], secret: str) -> list[int]:
    """Case ids of every valid token found in `texts` (addresses, headers, Message-IDs)."""
    found: list[int] = []
    for text in texts:
        for match in TOKEN_RE.finditer(text or ""):
            case_id = int(match.group(1))
            valid = hmac.compare_digest(match.group(2).lower(), _signature(case_id, secret))
            if valid and case_id not in found:
                found.append(case_id)
    return found


def reply_address(mailbox: str, case_id: int, secret: str) -> str:
    """`support@desk` becomes `support+c12-…@desk`: the reply comes back with its token."""
    local, _, domain = mailbox.partition("@")
    return f"{local}+{make_reply_token(case_id, secret)}@{domain}"


def delivery_key(
    message_id: str, sender: str, subject: str, text: str, files: Iterable[str]
) -> str:
    """What makes two deliveries the same mail: its Message-ID, its sender and its content.

    A Message-ID alone is chosen by the sender, so another sender reusing one (by accident or
    to have a message dropped) must not make theirs a duplicate; the same mail delivered twice
    (a retry, a second route) has all three alike. `files` are the attachments' SHA-256.
    """
    content = "\x00".join([subject, text, *sorted(files)])
    digest = hashlib.sha256(content.encode("utf-8", "surrogatepass")).hexdigest()
    whole = "\x00".join([message_id, sender.strip().lower(), digest])
    return hashlib.sha256(whole.encode("utf-8", "surrogatepass")).hexdigest()


def outgoing_message_id(case_id: int, event_id: int, secret: str, domain: str) -> str:
    """Deterministic per event, so a resend after a crash carries the same Message-ID."""
    return f"<sopdesk.{make_reply_token(case_id, secret)}.e{event_id}@{domain}>"


def case_tag(case_id: int) -> str:
    return f"[#{case_id}]"


def one_line(text: str) -> str:
    """The text on one line: CR, LF and every other run of whitespace become one space, so a
    subject can never break the header it goes into."""
    return " ".join(text.split())


def subject_with_tag(subject: str, case_id: int) -> str:
    tag = case_tag(case_id)
    subject = one_line(subject)
    return subject if tag in subject else f"{subject} {tag}".strip()


def tagged_case(subject: str) -> int | None:
    match = TAG_RE.search(subject or "")
    return int(match.group(1)) if match else None


def subject_key(subject: str) -> str:
    """The subject without reply/forward prefixes, case tags and spacing, case-folded."""
    text = _BRACKETS_RE.sub(" ", subject or "")
    previous = None
    while previous != text:
        previous = text
        text = _PREFIX_RE.sub("", text)
    return " ".join(text.split()).casefold()


@dataclass(frozen=True)
class CaseFacts:
    """What threading needs to know of one existing case."""

    id: int
    customer_id: int
    subject: str
    status: str
    last_activity: datetime


@dataclass(frozen=True)
class ThreadClues:
    """What the mail says about where it belongs, already checked against the database."""

    token_case_ids: tuple[int, ...] = ()
    # In-Reply-To first, then References newest first.
    referenced_case_ids: tuple[int, ...] = ()
    tagged_case_id: int | None = None
    sender_customer_ids: frozenset[int] = frozenset()
    subject: str = ""
    received_at: datetime | None = None


Via = Literal["token", "reference", "subject-tag", "subject", "new"]


@dataclass(frozen=True)
class ThreadDecision:
    case_id: int | None
    via: Via
    reason: str
    # Set when the mail answers a closed case: it opens a new case that follows that one.
    follows_case_id: int | None = None


def decide_thread(
    clues: ThreadClues,
    known: Mapping[int, CaseFacts],
    recent: Sequence[CaseFacts] = (),
    window: timedelta = SUBJECT_WINDOW,
) -> ThreadDecision:
    """Token, then references, then a conservative subject match, else a new case.

    `known` holds the cases the clues name; `recent` the sender's customers' recent cases.
    """
    for case_id in clues.token_case_ids:
        if case_id in known:
            return _attach(known[case_id], "token", "reply token of the case in an address")
    for case_id in clues.referenced_case_ids:
        if case_id in known:
            return _attach(known[case_id], "reference", "In-Reply-To/References name the case")
    tagged = known.get(clues.tagged_case_id) if clues.tagged_case_id is not None else None
    if tagged is not None and tagged.customer_id in clues.sender_customer_ids:
        return _attach(tagged, "subject-tag", f"subject carries [#{tagged.id}] from its customer")
    key = subject_key(clues.subject)
    if len(key) >= MIN_SUBJECT_KEY and clues.received_at is not None:
        matches = [
            case
            for case in recent
            if case.customer_id in clues.sender_customer_ids
            and case.status not in CLOSED_FOR_GOOD
            and clues.received_at - case.last_activity <= window
            and subject_key(case.subject) == key
        ]
        if matches:
            best = max(matches, key=lambda case: (case.last_activity, case.id))
            return _attach(best, "subject", "same subject from the same customer recently")
    return ThreadDecision(None, "new", "no token, reference or matching subject")


def _attach(case: CaseFacts, via: Via, reason: str) -> ThreadDecision:
    if case.status in CLOSED_FOR_GOOD:
        return ThreadDecision(
            None, "new", f"{reason}, but case {case.id} is {case.status}", case.id
        )
    return ThreadDecision(case.id, via, reason)
