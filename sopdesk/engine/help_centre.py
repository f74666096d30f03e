"""The help centre's search and feedback: full-text search over the article passages (the
index of sopdesk.engine.kb, which the bot also uses) grouped by article, and "Did this answer
your question?" answers counted per article.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sopdesk.domain.desk import Desk
from sopdesk.domain.kb import quote
from sopdesk.engine.kb import feedback_counts, record_feedback, search_passages
from sopdesk.errors import NotFound
from sopdesk.store.db import Database

RESULTS = 10  # articles a search lists
SNIPPET = 200  # characters of the best passage shown under a result
FEEDBACK_SOURCE = "article"


@dataclass(frozen=True)
class SearchResult:
    article: str
    title: str
    url: str  # /help/<slug>#<anchor> of the best passage
    heading: str
    snippet: str


def search_help(db: Database, desk: Desk, query: str, language: str) -> list[SearchResult]:
    """Public articles in `language` that match `query`, best first, each once with the section
    that matches best."""
    results: list[SearchResult] = []
    seen: set[str] = set()
    for hit in search_passages(db, query, languages=[language], limit=RESULTS * 4):
        if hit.article in seen or hit.article not in desk.articles:
            continue
        seen.add(hit.article)
        url = f"/help/{hit.article}" + (f"#{hit.anchor}" if hit.anchor else "")
        heading = hit.heading if hit.heading != hit.title else ""
        results.append(
            SearchResult(hit.article, hit.title, url, heading, quote(hit.body, query, SNIPPET))
        )
        if len(results) >= RESULTS:
            break
    return results


@dataclass(frozen=True)
class FeedbackCount:
    yes: int
    no: int


def answer_feedback(
    db: Database, desk: Desk, slug: str, helpful: bool, at: datetime
) -> FeedbackCount:
    """Counts one answer to "Did this answer your question?" on a public article."""
    article = desk.articles.get(slug)
    if article is None or article.audience != "public":
        raise NotFound(f"there is no help article '{slug}'")
    record_feedback(db, slug, helpful, FEEDBACK_SOURCE, at)
    return FeedbackCount(*feedback_counts(db, slug))
