"""Security headers: no page may be framed, no script runs unless it is a file under /static,
and a customer-link page leaves its token in no Referer and no cache."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi.testclient import TestClient

from sopdesk.runtime import Runtime
from sopdesk.web.ui.rendering import TEMPLATES
from tests.web.conftest import Persona
from tests.web.test_customer_pages import _link_for_new_case


def _assert_not_frameable(response: httpx.Response) -> None:
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


@pytest.mark.parametrize("path", ["/login", "/partner/login", "/contact", "/status", "/"])
def test_console_pages_cannot_be_framed_and_run_no_inline_script(
    client: TestClient, path: str
) -> None:
    response = client.get(path, follow_redirects=False)
    _assert_not_frameable(response)
    csp = response.headers["content-security-policy"]
    script = re.search(r"script-src ([^;]*)", csp)
    assert script is not None and script.group(1).strip() == "'self'", csp
    assert "unsafe-eval" not in csp and response.headers["x-content-type-options"] == "nosniff"


def test_api_answers_and_problems_cannot_be_framed(
    client: TestClient, people: dict[str, Persona]
) -> None:
    _assert_not_frameable(client.get("/api/v1/cases", headers=people["agent"].headers))
    _assert_not_frameable(client.get("/api/v1/cases/1"))  # a 401 problem


def test_a_customer_link_page_is_not_cached_and_sends_no_referer(
    client: TestClient, runtime: Runtime
) -> None:
    _, token = _link_for_new_case(client, runtime)
    for path in (f"/my/case/{token}", "/my/case/forged"):
        response = client.get(path)
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["cache-control"] == "no-store"
        _assert_not_frameable(response)
    assert client.get("/contact").headers["referrer-policy"] == "same-origin"


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"\s(on[a-z]+|hx-on[:a-z-]*)\s*=", re.IGNORECASE)


@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATES.glob("*.html")))
def test_no_template_has_inline_script(template: str) -> None:
    text = (TEMPLATES / template).read_text(encoding="utf-8")
    assert not INLINE_SCRIPT.search(text), "move the script to a file under /static"
    assert not HANDLER.search(text), "an event handler attribute is inline script"
    assert "javascript:" not in text.lower()
