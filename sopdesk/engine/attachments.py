"""Reading a case's attachments (e.g. a proof of purchase) for people allowed to see the case.

The rows say what the files are; the bytes live in the blob store under their SHA-256.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from sopdesk.domain.principal import Principal
from sopdesk.engine.cases import load_case
from sopdesk.engine.customers import require_staff
from sopdesk.errors import NotFound
from sopdesk.store.blobs import BlobStore
from sopdesk.store.db import Database
from sopdesk.store.models import Attachment

MAX_LISTED = 50


@dataclass(frozen=True)
class AttachmentView:
    id: int
    case_id: int
    event_id: int
    filename: str
    content_type: str
    size: int
    sha256: str

    @property
    def is_image(self) -> bool:
        return self.content_type in ("image/png", "image/jpeg", "image/gif", "image/webp")

    @classmethod
    def of(cls, row: Attachment) -> AttachmentView:
        return cls(
            row.id,
            row.case_id,
            row.event_id,
            row.filename,
            row.content_type,
            row.size,
            row.sha256,
        )


def case_attachments(db: Database, principal: Principal, case_id: int) -> list[AttachmentView]:
    require_staff(principal)
    query = (
        select(Attachment)
        .where(Attachment.case_id == case_id)
        .order_by(Attachment.id.desc())
        .limit(MAX_LISTED)
    )
    with db.transaction(write=False) as session:
        load_case(session, principal, case_id)
        return [AttachmentView.of(row) for row in session.scalars(query)]


def read_attachment(
    db: Database, principal: Principal, blobs_root: Path, attachment_id: int
) -> tuple[AttachmentView, bytes]:
    require_staff(principal)
    with db.transaction(write=False) as session:
        row = session.get(Attachment, attachment_id)
        if row is None:
            raise NotFound(f"no attachment with id {attachment_id}")
        load_case(session, principal, row.case_id)
        view = AttachmentView.of(row)
    try:
        return view, BlobStore(blobs_root).read(view.sha256)
    except FileNotFoundError:
        raise NotFound(f"the file of attachment {attachment_id} is missing from storage") from None
