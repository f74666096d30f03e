"""Customer links: a signed, expiring token naming a case and its customer (itsdangerous).

Every message to a customer carries `<public_url>/my/case/<token>`; the page checks the
signature and the expiry against the injected clock, never the wall clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer

from sopdesk.errors import SopdeskError

SALT = "sopdesk.customer-link"


class LinkError(SopdeskError):
    """A customer link that is forged, damaged or expired."""

    status = 403
    title = "This link does not work"


@dataclass(frozen=True)
class CaseLink:
    case_id: int
    customer_id: int
    expires_at: datetime
    issued_at: datetime | None = None  # None for links made before links carried it


def make_link_token(
    secret: str,
    case_id: int,
    customer_id: int,
    expires_at: datetime,
    issued_at: datetime | None = None,
) -> str:
    serializer = URLSafeSerializer(secret, salt=SALT)
    data = {"c": case_id, "u": customer_id, "e": int(expires_at.timestamp())}
    if issued_at is not None:
        # Whole seconds: a link issued in the second of a revocation counts as revoked.
        data["i"] = int(issued_at.timestamp())
    return str(serializer.dumps(data))


def case_link(
    public_url: str, secret: str, case_id: int, customer_id: int, now: datetime, days: int
) -> str:
    token = make_link_token(secret, case_id, customer_id, now + timedelta(days=days), now)
    return f"{public_url.rstrip('/')}/my/case/{token}"


def read_link_token(secret: str, token: str, now: datetime) -> CaseLink:
    """The case the token names; LinkError when forged or expired."""
    try:
        data = URLSafeSerializer(secret, salt=SALT).loads(token)
        issued = data.get("i")
        link = CaseLink(
            int(data["c"]),
            int(data["u"]),
            datetime.fromtimestamp(data["e"], now.tzinfo),
            datetime.fromtimestamp(issued, now.tzinfo) if issued is not None else None,
        )
    except (BadSignature, KeyError, TypeError, ValueError) as exc:
        raise LinkError(
            "This link is not valid. Please use the link from our latest e-mail."
        ) from exc
    if link.expires_at <= now:
        raise LinkError(
            "This link has expired. Reply to our latest e-mail and we will send you a new one."
        )
    return link
