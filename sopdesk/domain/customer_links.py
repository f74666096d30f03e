"""When a customer's case link stops working, besides its own expiry: an agent revoked the
links of the case, or the case has been closed for longer than the desk allows."""

from __future__ import annotations

from datetime import datetime, timedelta

REVOKED = "This link was withdrawn. Reply to our latest e-mail and we will send you a new one."
CLOSED = (
    "This case was closed a while ago, so its link no longer works. "
    "Reply to our latest e-mail or write to us again if you need more help."
)


def link_refusal(
    *,
    issued_at: datetime | None,
    revoked_at: datetime | None,
    closed_at: datetime | None,
    closed_days: int,
    now: datetime,
) -> str | None:
    """Why the link no longer opens the case, or None when it does.

    A link whose issue time is unknown (made before links carried it) counts as issued before
    any revocation. Links are stamped in whole seconds, so a link issued in the second of the
    revocation is withdrawn too.
    """
    if revoked_at is not None and (
        issued_at is None or issued_at <= revoked_at.replace(microsecond=0)
    ):
        return REVOKED
    if closed_at is not None and now >= closed_at + timedelta(days=closed_days):
        return CLOSED
    return None
