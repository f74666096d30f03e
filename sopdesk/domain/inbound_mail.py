"""Inbound mail as intake sees it: the parsed message and the files it carried.

The e-mail adapter (sopdesk/channels/email) parses raw bytes into these values; the engine's
intake reads only them, so the engine never imports the adapter.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class StoredFile:
    filename: str
    content_type: str
    size: int
    sha256: str
    inline: bool
    content_id: str | None


@dataclass(frozen=True)
class DroppedFile:
    filename: str
    content_type: str
    reason: str


@dataclass(frozen=True)
class ParsedMail:
    """Everything intake needs from one message; `raw_sha256` names the stored original."""

    message_id: str
    has_message_id: bool
    sender: str | None
    sender_name: str
    recipients: tuple[str, ...]
    subject: str
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    case_headers: tuple[str, ...]
    text: str
    reply_text: str
    html_only: bool
    auto: str | None
    attachments: tuple[StoredFile, ...]
    dropped: tuple[DroppedFile, ...]
    defects: tuple[str, ...]
    raw_sha256: str
    raw_size: int
    notes: tuple[str, ...] = field(default=())

    @property
    def thread_ids(self) -> tuple[str, ...]:
        """Message-IDs this mail answers: In-Reply-To first, then References newest first."""
        seen: list[str] = []
        for mid in (*self.in_reply_to, *reversed(self.references)):
            if mid not in seen:
                seen.append(mid)
        return tuple(seen)
