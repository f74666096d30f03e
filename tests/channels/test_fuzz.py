"""Malformed MIME never crashes the parser and never leaves a half-created case (hypothesis)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from sopdesk.channels.email.inbound import MailReceiver
from sopdesk.channels.email.parse import parse_mail
from sopdesk.errors import SopdeskError
from sopdesk.store.blobs import BlobStore
from sopdesk.store.models import Attachment, Case, CaseEvent
from tests.channels.conftest import CORPUS

SEEDS = [p.read_bytes() for p in sorted(CORPUS.glob("*.eml"))]
FRAGMENTS = [
    b"\r\n",
    b"--",
    b"Content-Type: multipart/mixed; boundary=x\r\n",
    b"Content-Transfer-Encoding: base64\r\n",
    b"=?utf-8?q?=ZZ?=",
    b"\xff\xfe\x00",
    b"From: <@>\r\n",
    b'Content-Type: text/plain; charset="x-bogus"\r\n',
    b"Content-Disposition: attachment; filename*=UTF-8''%FF%FE\r\n",
]


@st.composite
def mangled_mail(draw: st.DrawFn) -> bytes:
    raw = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(0, 6))):
        where = draw(st.integers(0, len(raw)))
        action = draw(st.sampled_from(["cut", "insert", "flip", "fragment"]))
        if action == "cut":
            del raw[where : where + draw(st.integers(1, 200))]
        elif action == "insert":
            raw[where:where] = draw(st.binary(max_size=40))
        elif action == "flip" and raw:
            raw[min(where, len(raw) - 1)] = draw(st.integers(0, 255))
        else:
            raw[where:where] = draw(st.sampled_from(FRAGMENTS))
    return bytes(raw)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=st.one_of(mangled_mail(), st.binary(max_size=2000)))
def test_parser_never_crashes(tmp_path_factory: object, raw: bytes) -> None:
    store = BlobStore(Path(tmp_path_factory.mktemp("fuzz")))
    mail = parse_mail(raw, store, max_attachment_bytes=4096, max_body_chars=5000)
    assert store.read(mail.raw_sha256) == raw
    assert isinstance(mail.reply_text, str) and len(mail.text) <= 5000


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(raw=mangled_mail())
def test_intake_of_malformed_mail_is_all_or_nothing(receiver: MailReceiver, raw: bytes) -> None:
    db = receiver.runtime.db
    with db.transaction(write=False) as session:
        before = [session.scalar(select(func.count()).select_from(m)) for m in (Case, CaseEvent)]
    try:
        result = receiver.receive(raw)
    except SopdeskError:
        result = None
    with db.transaction(write=False) as session:
        cases, events = (
            session.scalar(select(func.count()).select_from(m)) for m in (Case, CaseEvent)
        )
        orphans = session.scalar(
            select(func.count())
            .select_from(Case)
            .where(~select(CaseEvent.id).where(CaseEvent.case_id == Case.id).exists())
        )
        originals = session.scalar(select(func.count()).select_from(Attachment))
    assert orphans == 0
    if result is None or result.outcome in ("duplicate", "ignored"):
        assert [cases, events] == before
    elif result.outcome == "created":
        # created, message and routing, then the base desk's SLA clocks starting
        assert cases == before[0] + 1 and events >= before[1] + 3
    else:
        assert cases == before[0] and events >= before[1] + 1
    assert originals is not None and originals >= cases
