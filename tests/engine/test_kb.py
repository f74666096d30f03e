"""The knowledge base in the database: passages synced from kb/*.md and searched full-text."""

from __future__ import annotations

import pytest

from sopdesk.desk import load_desk
from sopdesk.domain.clock import ManualClock
from sopdesk.domain.desk import Article, Desk
from sopdesk.engine.kb import (
    all_passages,
    feedback_counts,
    record_feedback,
    search_passages,
    sync_kb,
)
from sopdesk.packs import pack_path
from sopdesk.store.db import Database


@pytest.fixture(scope="module")
def starter() -> Desk:
    return load_desk(pack_path("starter"))


def test_sync_indexes_every_article_once(db: Database, starter: Desk) -> None:
    first = sync_kb(db, starter)
    assert first.written == len(starter.articles) and first.removed == 0
    again = sync_kb(db, starter)
    assert (again.written, again.removed, again.unchanged) == (0, 0, len(starter.articles))
    assert {p.article for p in all_passages(db)} == {
        slug for slug, a in starter.articles.items() if a.audience == "public"
    }


def test_search_finds_the_article_that_answers(db: Database, starter: Desk) -> None:
    sync_kb(db, starter)
    hits = search_passages(db, "how much does premium consultation cost per hour?")
    assert hits[0].article == "premium-consultation"
    assert hits[0].score > 0
    assert search_passages(db, "Paket gestohlen", languages=["de"])[0].article == "paket-verloren"


def test_agent_articles_are_not_public(db: Database, starter: Desk) -> None:
    sync_kb(db, starter)
    assert all(h.article != "research-offenses" for h in search_passages(db, "offenses research"))
    assert search_passages(db, "offenses research", audience="agents")[0].article == (
        "research-offenses"
    )


def test_a_changed_or_removed_article_is_reindexed(db: Database, starter: Desk) -> None:
    sync_kb(db, starter)
    articles = dict(starter.articles)
    del articles["premium-consultation"]
    old = articles["platform-status"]
    articles["platform-status"] = Article(
        **{**old.model_dump(), "body": "## Uptime\nZebras graze on the uptime dashboard."}
    )
    changed = starter.model_copy(update={"articles": articles})
    result = sync_kb(db, changed)
    assert (result.written, result.removed) == (1, 1)
    assert all(h.article != "premium-consultation" for h in search_passages(db, "premium hour"))
    hit = search_passages(db, "zebras")[0]
    assert (hit.article, hit.anchor, hit.heading) == ("platform-status", "uptime", "Uptime")


def test_questions_without_words_or_huge_ones_search_safely(db: Database, starter: Desk) -> None:
    sync_kb(db, starter)
    assert search_passages(db, "?!? ... ---") == []
    assert search_passages(db, 'stamp" OR card* NEAR(') != []
    huge = "stamp card " * 100_000
    assert search_passages(db, huge)[0].article == "first-stamp-card"


def test_an_empty_kb_finds_nothing(db: Database, starter: Desk) -> None:
    sync_kb(db, starter.model_copy(update={"articles": {}}))
    assert search_passages(db, "stamp card") == []


def test_feedback_is_counted(db: Database, clock: ManualClock) -> None:
    for helpful in (True, True, False):
        record_feedback(db, "premium-consultation", helpful, "article", clock.now())
    assert feedback_counts(db, "premium-consultation") == (2, 1)
    assert feedback_counts(db, "platform-status") == (0, 0)
