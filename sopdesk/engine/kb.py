"""The knowledge base in the database: passages synced from the desk's kb/*.md, full-text search.

SQLite keeps an FTS5 table, PostgreSQL a tsvector column with a GIN index; the index picks the
candidates (by bm25() / ts_rank_cd) and one Okapi BM25 over corpus statistics ranks them.
Feedback on articles ("Did this answer your question?") is counted here.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    bindparam,
    column,
    delete,
    func,
    insert,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from sopdesk.domain.desk import Article, Desk
from sopdesk.domain.kb import (
    CorpusStats,
    article_hash,
    bm25,
    corpus_stats,
    passage_bag,
    split_passages,
    words,
)
from sopdesk.store.db import Database
from sopdesk.store.models.kb import SQLITE_FTS_TABLE, KbFeedback, KbPassage

CANDIDATES = 100  # passages the index hands to BM25 for one question
MAX_QUERY_WORDS = 48  # a 1 MB question is searched by its first words, not by all of them
PG_CONFIG = "simple"  # one configuration for every language: no stemming, no stop words
SYNC_LOCK = 0x6B62  # PostgreSQL advisory lock: one process at a time rewrites the passages


@dataclass(frozen=True)
class PassageHit:
    id: int
    article: str
    title: str
    anchor: str
    heading: str
    body: str
    language: str
    score: float  # BM25, higher is better


@dataclass(frozen=True)
class SyncResult:
    written: int  # articles (re)indexed
    removed: int
    unchanged: int


def article_language(article: Article, desk: Desk) -> str:
    return article.language or desk.default_language


def _hash(article: Article, desk: Desk) -> str:
    return article_hash(
        article.title, article_language(article, desk), article.audience, article.body
    )


def sync_kb(db: Database, desk: Desk) -> SyncResult:
    """Makes the passages match the desk's articles: changed ones rewritten, gone ones removed."""
    with db.transaction() as session:
        if not db.is_sqlite:
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SYNC_LOCK})
        stored = dict(session.execute(select(KbPassage.article, KbPassage.article_hash)).all())
        wanted = {slug: _hash(a, desk) for slug, a in desk.articles.items()}
        stale = [slug for slug, h in stored.items() if wanted.get(slug) != h]
        fresh = [slug for slug, h in wanted.items() if stored.get(slug) != h]
        _delete_articles(session, db.is_sqlite, stale)
        for slug in fresh:
            _insert_article(session, db.is_sqlite, desk, desk.articles[slug], wanted[slug])
        removed = len(set(stale) - set(wanted))
        return SyncResult(len(fresh), removed, len(wanted) - len(fresh))


def _delete_articles(session: Session, sqlite: bool, slugs: list[str]) -> None:
    if not slugs:
        return
    if sqlite:
        ids = session.scalars(select(KbPassage.id).where(KbPassage.article.in_(slugs))).all()
        if ids:
            session.execute(
                text(f"DELETE FROM {SQLITE_FTS_TABLE} WHERE rowid = :id"),
                [{"id": i} for i in ids],
            )
    session.execute(delete(KbPassage).where(KbPassage.article.in_(slugs)))


def _insert_article(
    session: Session, sqlite: bool, desk: Desk, article: Article, digest: str
) -> None:
    for passage in split_passages(article.body) or []:
        heading = passage.heading or article.title
        values = {
            "article": article.slug,
            "language": article_language(article, desk),
            "audience": article.audience,
            "title": article.title,
            "anchor": passage.anchor,
            "heading": heading,
            "body": passage.body,
            "position": passage.position,
            "article_hash": digest,
        }
        if not sqlite:
            values["search"] = (
                func.setweight(func.to_tsvector(PG_CONFIG, article.title), literal_column("'A'"))
                .op("||")(
                    func.setweight(func.to_tsvector(PG_CONFIG, heading), literal_column("'B'"))
                )
                .op("||")(func.to_tsvector(PG_CONFIG, passage.body))
            )
        new_id = session.execute(insert(KbPassage).values(**values).returning(KbPassage.id))
        if sqlite:
            session.execute(
                text(
                    f"INSERT INTO {SQLITE_FTS_TABLE} (rowid, title, heading, body) "
                    "VALUES (:id, :title, :heading, :body)"
                ),
                {
                    "id": new_id.scalar_one(),
                    "title": article.title,
                    "heading": heading,
                    "body": passage.body,
                },
            )


def query_words(question: str) -> list[str]:
    """The distinct words a search uses, in order, at most MAX_QUERY_WORDS of them."""
    seen: dict[str, None] = {}
    for word in words(question[:20_000]):
        if len(word) > 1 and len(word) <= 40:
            seen.setdefault(word, None)
        if len(seen) >= MAX_QUERY_WORDS:
            break
    return list(seen)


def search_passages(
    db: Database,
    question: str,
    *,
    languages: list[str] | None = None,
    audience: str = "public",
    limit: int = 10,
) -> list[PassageHit]:
    """Passages matching any word of the question, best first by BM25."""
    terms = query_words(question)
    if not terms:
        return []
    columns = (
        KbPassage.id,
        KbPassage.article,
        KbPassage.title,
        KbPassage.anchor,
        KbPassage.heading,
        KbPassage.body,
        KbPassage.language,
    )
    with db.transaction(write=False) as session:
        if db.is_sqlite:
            # bm25() is lower-is-better; a word in the title or heading weighs more than in the body
            rank: ColumnElement[float] = literal_column(f"bm25({SQLITE_FTS_TABLE}, 4.0, 2.0, 1.0)")
            fts = table(SQLITE_FTS_TABLE, column("rowid"))
            stmt = (
                select(*columns, (-rank).label("score"))
                .join_from(KbPassage, fts, fts.c.rowid == KbPassage.id)
                .where(literal_column(SQLITE_FTS_TABLE).op("MATCH")(bindparam("match")))
                .order_by(rank, KbPassage.id)
            )
            params = {"match": " OR ".join(f'"{t}"' for t in terms)}
        else:
            query = func.to_tsquery(PG_CONFIG, " | ".join(terms))
            score = func.ts_rank_cd(KbPassage.search, query)
            stmt = (
                select(*columns, score.label("score"))
                .where(KbPassage.search.op("@@")(query))
                .order_by(score.desc(), KbPassage.id)
            )
            params = {}
        stmt = stmt.where(KbPassage.audience == audience).limit(max(limit * 5, CANDIDATES))
        if languages:
            stmt = stmt.where(KbPassage.language.in_(languages))
        rows = session.execute(stmt, params).all()
        stats = corpus_statistics(session, db.url, audience)
    # The index finds the candidates; one BM25 over the same terms ranks them on both
    # databases, so the bot's fitted weights mean the same on SQLite and PostgreSQL.
    wanted = [t[:5] for t in terms]
    hits = [_hit(row, bm25(wanted, passage_bag(row[2], row[4], row[5]), stats)) for row in rows]
    hits.sort(key=lambda h: (-h.score, h.id))
    return hits[:limit]


_stats: dict[tuple[str, str], tuple[tuple[int, int], CorpusStats]] = {}
_stats_lock = threading.Lock()


def corpus_statistics(session: Session, url: str, audience: str) -> CorpusStats:
    """Document frequencies of every term of `audience`'s passages, rebuilt when they change."""
    where = KbPassage.audience == audience
    count, last = session.execute(
        select(func.count(), func.coalesce(func.max(KbPassage.id), 0)).where(where)
    ).one()
    signature = (int(count), int(last))
    with _stats_lock:
        cached = _stats.get((url, audience))
        if cached is None or cached[0] != signature:
            rows = session.execute(
                select(KbPassage.title, KbPassage.heading, KbPassage.body).where(where)
            ).all()
            cached = (signature, corpus_stats([passage_bag(*row) for row in rows]))
            _stats[(url, audience)] = cached
        return cached[1]


def all_passages(db: Database, *, audience: str = "public") -> list[PassageHit]:
    """Every passage of `audience`, in article and position order (for the dense index)."""
    with db.transaction(write=False) as session:
        rows = session.execute(
            select(
                KbPassage.id,
                KbPassage.article,
                KbPassage.title,
                KbPassage.anchor,
                KbPassage.heading,
                KbPassage.body,
                KbPassage.language,
            )
            .where(KbPassage.audience == audience)
            .order_by(KbPassage.article, KbPassage.position)
        ).all()
    return [_hit(row, 0.0) for row in rows]


def _hit(row: Any, score: float) -> PassageHit:
    return PassageHit(row[0], row[1], row[2], row[3], row[4], row[5], row[6], score)


def record_feedback(db: Database, article: str, helpful: bool, source: str, at: datetime) -> None:
    with db.transaction() as session:
        session.add(KbFeedback(article=article, helpful=helpful, source=source, created_at=at))


def feedback_counts(db: Database, article: str) -> tuple[int, int]:
    """(yes, no) answers to "Did this answer your question?" for one article."""
    with db.transaction(write=False) as session:
        rows = dict(
            session.execute(
                select(KbFeedback.helpful, func.count())
                .where(KbFeedback.article == article)
                .group_by(KbFeedback.helpful)
            ).all()
        )
    return int(rows.get(True, 0)), int(rows.get(False, 0))
