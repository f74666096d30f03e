"""The public help centre at /help: topics, article pages with anchors, related articles, the
language switch, full-text search, feedback counted, and the desk reloaded when it changes."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from sopdesk.desk import load_desk
from sopdesk.domain.clock import ManualClock
from sopdesk.engine.kb import feedback_counts, sync_kb
from sopdesk.runtime import Runtime, desk_signature
from sopdesk.settings import Settings
from sopdesk.store.db import Database
from sopdesk.web.app import create_app


@pytest.fixture
def help_runtime(db: Database, desk_dir: Path, clock: ManualClock) -> Runtime:
    desk = load_desk(desk_dir)
    sync_kb(db, desk)
    runtime = Runtime(
        settings=Settings(desk=desk_dir, database_url=db.url), db=db, desk=desk, clock=clock
    )
    runtime._signature = desk_signature(desk_dir)
    return runtime


@pytest.fixture
def help_client(help_runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(help_runtime), raise_server_exceptions=False) as test_client:
        yield test_client


def test_the_list_groups_the_public_articles_of_the_default_language_by_topic(
    help_client: TestClient,
) -> None:
    page = help_client.get("/help")
    assert page.status_code == 200
    assert "Premium consultation" in page.text or "premium-consultation" in page.text
    assert 'href="/help/premium-consultation"' in page.text
    assert 'href="/help/paket-verloren"' not in page.text  # German, listed under Deutsch
    assert 'href="/help/research-offenses"' not in page.text  # agents only
    assert re.search(r"<h2[^>]*>Delivery</h2>", page.text)  # the first tag names the topic
    assert 'hreflang="de"' in page.text


def test_the_language_switch_lists_the_articles_in_that_language(help_client: TestClient) -> None:
    page = help_client.get("/help?lang=de")
    assert 'href="/help/paket-verloren"' in page.text
    assert 'href="/help/premium-consultation"' not in page.text
    assert '<html lang="de">' in page.text
    unknown = help_client.get("/help?lang=xx")
    assert unknown.status_code == 200 and 'href="/help/premium-consultation"' in unknown.text


def test_an_article_page_has_its_headings_as_anchors_related_articles_and_a_translation(
    help_client: TestClient, help_runtime: Runtime
) -> None:
    page = help_client.get("/help/lost-or-stolen-package")
    assert page.status_code == 200
    assert "<h1>My package was lost or stolen</h1>" in page.text
    assert 'href="/help/paket-verloren" hreflang="de"' in page.text
    assert "Did this answer your question?" in page.text
    article = help_runtime.desk.articles["billing"]
    page = help_client.get("/help/billing")
    headings = re.findall(r"^#{1,6}\s+(.+)$", article.body, re.MULTILINE)
    assert headings, "the fixture article has headings"
    for anchor in re.findall(r'<section class="help-section" id="([^"]+)"', page.text):
        assert f'href="#{anchor}"' in page.text
    assert len(re.findall(r'<section class="help-section" id=', page.text)) == len(headings)
    assert "Related articles" in help_client.get("/help/critical-issues").text


def test_agent_only_and_unknown_articles_are_not_found(help_client: TestClient) -> None:
    assert help_client.get("/help/research-offenses").status_code == 404
    assert help_client.get("/help/no-such-article").status_code == 404
    assert "no help article" in help_client.get("/help/no-such-article").text


def test_search_finds_the_article_and_links_the_matching_section(help_client: TestClient) -> None:
    page = help_client.get("/help/search", params={"q": "premium consultation price per hour"})
    assert page.status_code == 200
    first = re.search(r'<li class="help-result"><a href="([^"]+)"', page.text)
    assert first and first.group(1).startswith("/help/premium-consultation")
    none = help_client.get("/help/search", params={"q": "zzqx unobtainium"})
    assert "No article matches" in none.text
    huge = help_client.get("/help/search", params={"q": "stamp " * 5000})
    assert huge.status_code == 200


def _csrf(client: TestClient, path: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found
    return found.group(1)


def test_did_this_answer_your_question_is_counted_per_article(
    help_client: TestClient, help_runtime: Runtime
) -> None:
    token = _csrf(help_client, "/help/billing")
    yes = help_client.post("/help/billing/feedback", data={"helpful": "yes", "csrf_token": token})
    no = help_client.post("/help/billing/feedback", data={"helpful": "no", "csrf_token": token})
    assert yes.status_code == 200 and "Thank you" in yes.text
    assert no.status_code == 200 and "write to us" in no.text
    assert feedback_counts(help_runtime.db, "billing") == (1, 1)
    forged = help_client.post("/help/billing/feedback", data={"helpful": "yes", "csrf_token": "x"})
    bad = help_client.post("/help/billing/feedback", data={"helpful": "maybe", "csrf_token": token})
    hidden = help_client.post(
        "/help/research-offenses/feedback", data={"helpful": "yes", "csrf_token": token}
    )
    assert forged.status_code == 403 and bad.status_code == 422 and hidden.status_code == 404
    assert feedback_counts(help_runtime.db, "billing") == (1, 1)
    assert feedback_counts(help_runtime.db, "research-offenses") == (0, 0)


def _touch_later(path: Path) -> None:
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))


def test_a_changed_desk_is_served_without_a_restart_and_a_broken_one_is_refused(
    help_client: TestClient, help_runtime: Runtime, desk_dir: Path
) -> None:
    new = desk_dir / "kb" / "gift-cards.md"
    new.write_text("---\ntitle: Gift cards\ntags: [gifts]\n---\nGift cards never expire.\n")
    help_runtime._checked = 0.0
    assert help_client.get("/help/gift-cards").status_code == 200
    found = help_client.get("/help/search", params={"q": "gift cards expire"})
    assert 'href="/help/gift-cards"' in found.text
    broken = desk_dir / "kb" / "broken.md"
    broken.write_text("no front matter here\n")
    help_runtime._checked = 0.0
    assert help_client.get("/help/gift-cards").status_code == 200  # the running desk is kept
    assert help_client.get("/help/broken").status_code == 404
    broken.unlink()
    new.unlink()
    _touch_later(desk_dir / "desk.yaml")
    help_runtime._checked = 0.0
    assert help_client.get("/help/gift-cards").status_code == 404


def test_files_beside_the_desk_do_not_reload_it(desk_dir: Path) -> None:
    """The database, attachments and trained models often live in the desk folder and change
    on every write: they are not the desk, so they never make a request re-read it (bench/load.py
    found every inbound mail's attachment reloading the whole desk once a second)."""
    before = desk_signature(desk_dir)
    (desk_dir / "attachments" / "ab").mkdir(parents=True, exist_ok=True)
    (desk_dir / "attachments" / "ab" / "abcdef").write_bytes(b"a blob")
    (desk_dir / "sopdesk.db-wal").write_bytes(b"wal")
    (desk_dir / "notes.txt").write_text("not a desk file")
    (desk_dir / "kb" / "draft.txt").write_text("not an article")
    assert desk_signature(desk_dir) == before
    (desk_dir / "kb" / "gift-cards.md").write_text("---\ntitle: Gift cards\n---\nNever expire.\n")
    assert desk_signature(desk_dir) != before
