"""CSRF protection for console forms: the session's token, in a hidden field or a header.

Forms post `csrf_token`; HTMX requests send `X-CSRF-Token` (set once on <body> via hx-headers).
"""

from __future__ import annotations

import hmac

from starlette.datastructures import FormData
from starlette.requests import Request

from sopdesk.errors import Forbidden, InvalidInput

FIELD = "csrf_token"
HEADER = "x-csrf-token"


class CsrfRefused(Forbidden):
    title = "Form expired"


def check_csrf(expected: str, form: FormData, headers_value: str | None) -> None:
    """Raises CsrfRefused unless the form or the header carries the session's token."""
    given = form.get(FIELD)
    presented = given if isinstance(given, str) and given else headers_value
    if not presented or not hmac.compare_digest(presented.encode(), expected.encode()):
        raise CsrfRefused(
            "this form has expired or did not come from sopdesk; reload the page and try again"
        )


async def csrf_form(request: Request, expected: str) -> FormData:
    """The posted form, once its CSRF token has been checked against the session's."""
    form = await request.form()
    check_csrf(expected, form, request.headers.get(HEADER))
    if any(isinstance(value, str) and "\x00" in value for _, value in form.multi_items()):
        raise InvalidInput("a field has a NUL character (\\u0000); text may not contain one")
    return form
