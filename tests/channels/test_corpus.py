"""The corpus of real-world-shaped mail: what the parser must read from each file.

One row per .eml file in tests/channels/corpus; intake of every file is checked too.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from sopdesk.channels.email.inbound import MailReceiver
from sopdesk.channels.email.parse import parse_mail
from sopdesk.errors import InvalidInput
from sopdesk.store.blobs import BlobStore
from sopdesk.store.models import Attachment, Case
from tests.channels.conftest import CORPUS

# file: (sender, subject, auto, files, text the case view shows, text it must not show)
EXPECTED = {
    "01-gmail-plain.eml": (
        "ann@example.com",
        "Card missing from my order #A1001",
        None,
        0,
        "Charizard card",
        None,
    ),
    "02-gmail-alternative.eml": (
        "ann@example.com",
        "Where is my package?",
        None,
        0,
        "Tracking says delivered but nothing here.",
        "<b>",
    ),
    "03-gmail-reply-top.eml": (
        "ann@example.com",
        "Re: Card missing from my order #A1001 [#1]",
        None,
        0,
        "here is the photo",
        "Could you send",
    ),
    "04-thunderbird-bottom-reply.eml": (
        "bruno@example.org",
        "Re: Refund for damaged slab",
        None,
        0,
        "the case is cracked",
        "Keller Cards GmbH",
    ),
    "05-outlook-top-reply.eml": (
        "carla@example.net",
        "RE: Order never arrived",
        None,
        0,
        "send a replacement",
        "We are looking into it",
    ),
    "06-apple-mail-inline-image.eml": (
        "dana@example.com",
        "Photo of the damage",
        None,
        1,
        "Here is the dent",
        "Sent from my iPhone",
    ),
    "07-attachment-pdf.eml": ("eve@example.com", "Proof of purchase", None, 1, "my receipt", None),
    "08-latin1.eml": (
        "francois@example.fr",
        "Problème de livraison",
        None,
        0,
        "arrivé abîmé",
        None,
    ),
    "09-windows1252-labelled-latin1.eml": (
        "gerd@example.de",
        "Preis 50 Euro",
        None,
        0,
        "50 € und kam „beschädigt“",
        None,
    ),
    "10-mislabelled-utf8.eml": (
        "hana@example.com",
        "Wrong label",
        None,
        0,
        "Naïve café order — still",
        None,
    ),
    "11-shift-jis.eml": (
        "yamada@example.jp",
        "カード未着",
        None,
        0,
        "注文したカードが届いていません",
        None,
    ),
    "12-utf8-base64.eml": ("ivan@example.com", "Заказ не пришёл", None, 0, "Здравствуйте", None),
    "13-html-only.eml": (
        "jo@example.com",
        "HTML only please",
        None,
        0,
        "* Order A2002",
        "color:red",
    ),
    "14-forwarded-gmail.eml": (
        "kim@example.com",
        "Fwd: Your order has shipped",
        None,
        0,
        "Tracking: 1Z999",
        None,
    ),
    "15-forward-as-attachment.eml": (
        "lea@example.com",
        "FW: complaint",
        None,
        1,
        "See the attached mail.",
        None,
    ),
    "16-calendar-invite.eml": (
        "mia@example.com",
        "Invitation: Call about case",
        None,
        2,
        "invited to a call",
        "BEGIN:VCALENDAR",
    ),
    "17-bounce-dsn.eml": (
        "mailer-daemon@mx.example.net",
        "Undelivered Mail Returned to Sender",
        "bounce",
        0,
        "could not be delivered",
        None,
    ),
    "18-auto-reply-ooo.eml": (
        "nina@example.com",
        "Automatic reply: Your case",
        "auto-reply",
        0,
        "out of the office",
        None,
    ),
    "19-precedence-bulk.eml": ("news@example.com", "Weekly deals", "bulk", 0, "Deals!", None),
    "20-x-autoreply.eml": (
        "otto@example.com",
        "Thanks for your mail",
        "auto-reply",
        0,
        "We received",
        None,
    ),
    "21-malformed-no-boundary.eml": ("pia@example.com", "broken", None, 1, "", None),
    "22-malformed-bad-base64.eml": ("quinn@example.com", "bad base64", None, 1, "see file", None),
    "23-unknown-charset.eml": ("rita@example.com", "odd charset", None, 0, "Grüße", None),
    "24-no-from.eml": (None, "who am I", None, 0, "No sender here.", None),
    "25-missing-message-id.eml": (
        "sam@example.com",
        "no id",
        None,
        0,
        "forgot the Message-ID",
        None,
    ),
    "26-outlook-german.eml": (
        "tom@example.de",
        "AW: Lieferung",
        None,
        0,
        "fehlt noch immer",
        "Wir prüfen",
    ),
    "27-gmail-mobile-signature.eml": (
        "uma@example.com",
        "Quick question",
        None,
        0,
        "ship to Canada?",
        "iPhone",
    ),
    "28-qp-soft-breaks.eml": (
        "vera@example.com",
        "Long line",
        None,
        0,
        "soft line breaks and contains an € sign",
        None,
    ),
    "29-rfc2231-filename.eml": ("walt@example.com", "Rechnung", None, 1, "Invoice attached.", None),
    "30-encoded-subject-tag.eml": (
        "xena@example.com",
        "Re: Bestellung für Karten [#42]",
        None,
        0,
        "Any update?",
        None,
    ),
    "31-apple-mail-mixed-attachment.eml": (
        "yara@example.com",
        "Two photos",
        None,
        2,
        "Both photos",
        None,
    ),
    "32-lf-only-line-endings.eml": ("zoe@example.com", "unix newlines", None, 0, "bare LF", None),
    "33-null-sender-header.eml": (
        "postmaster@example.net",
        "Delivery delayed",
        "bounce",
        0,
        "delayed",
        None,
    ),
}


def test_every_corpus_file_has_an_expectation() -> None:
    assert sorted(p.name for p in CORPUS.glob("*.eml")) == sorted(EXPECTED)
    assert len(EXPECTED) >= 30


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file_parses_as_expected(name: str, tmp_path: Path) -> None:
    sender, subject, auto, files, shows, hides = EXPECTED[name]
    raw = (CORPUS / name).read_bytes()
    mail = parse_mail(raw, BlobStore(tmp_path), max_attachment_bytes=1 << 20, max_body_chars=10_000)
    assert mail.sender == sender
    assert mail.subject == subject
    assert mail.auto == auto
    assert len(mail.attachments) == files
    assert shows in mail.reply_text
    if hides:
        assert hides not in mail.reply_text
        assert hides in mail.text or hides in raw.decode("utf-8", "replace")
    # The original is kept byte for byte.
    assert BlobStore(tmp_path).read(mail.raw_sha256) == raw


def test_inline_image_keeps_its_content_id(tmp_path: Path) -> None:
    raw = (CORPUS / "06-apple-mail-inline-image.eml").read_bytes()
    mail = parse_mail(raw, BlobStore(tmp_path), max_attachment_bytes=1 << 20, max_body_chars=10_000)
    (image,) = mail.attachments
    assert image.inline and image.content_id == "part1.ABC@example.com"
    assert BlobStore(tmp_path).read(image.sha256).startswith(b"\x89PNG")


def test_bounce_names_the_case_of_the_returned_mail(tmp_path: Path) -> None:
    raw = (CORPUS / "17-bounce-dsn.eml").read_bytes()
    mail = parse_mail(raw, BlobStore(tmp_path), max_attachment_bytes=1 << 20, max_body_chars=10_000)
    assert "sopdesk.c7-000000000000.e9@desk.example" in mail.thread_ids
    assert "c7-000000000000" in mail.case_headers


def test_whole_corpus_goes_through_intake(receiver: MailReceiver) -> None:
    outcomes: dict[str, str] = {}
    for path in sorted(CORPUS.glob("*.eml")):
        try:
            outcomes[path.name] = receiver.receive(path.read_bytes()).outcome
        except InvalidInput:
            outcomes[path.name] = "refused"
    assert outcomes["24-no-from.eml"] == "refused"
    ignored = {n for n, o in outcomes.items() if o == "ignored"}
    assert ignored == {n for n, row in EXPECTED.items() if row[2] is not None}
    created = [n for n, o in outcomes.items() if o == "created"]
    with receiver.runtime.db.transaction(write=False) as session:
        assert session.scalar(select(func.count()).select_from(Case)) == len(created)
        originals = session.scalar(
            select(func.count())
            .select_from(Attachment)
            .where(Attachment.filename == "original.eml")
        )
    appended = [n for n, o in outcomes.items() if o == "appended"]
    # Ann's reply carries [#1] and case 1 is her first mail: it joins that case.
    assert appended == ["03-gmail-reply-top.eml"]
    assert originals == len(created) + len(appended)
    # The same files again are all duplicates (or still refused / ignored): nothing new.
    again = {p.name: _outcome(receiver, p) for p in sorted(CORPUS.glob("*.eml"))}
    assert {n for n, o in again.items() if o == "duplicate"} == {*created, *appended}


def _outcome(receiver: MailReceiver, path: Path) -> str:
    try:
        return receiver.receive(path.read_bytes()).outcome
    except InvalidInput:
        return "refused"
