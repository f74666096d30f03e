"""The support bot: answers a question only from the help articles, or says it hands off.

Retrieval is lexical (the full-text index) and, with the `dense` extra, dense (sentence
embeddings of every public passage, cached per process); sopdesk.domain.bot decides.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from sopdesk import embeddings
from sopdesk.domain.bot import ArticleScores, Scorer, asks_for_a_person, features, rank
from sopdesk.domain.desk import Desk
from sopdesk.domain.kb import guess_language, plain_text, quote
from sopdesk.domain.status import mentioned_components
from sopdesk.engine.kb import PassageHit, all_passages, search_passages
from sopdesk.engine.status_views import active_incidents_for
from sopdesk.store.db import Database
from sopdesk.store.models.kb import KbPassage

MODEL_FILE = Path(__file__).with_name("bot_model.json")
MAX_QUESTION = 2000  # characters read of a question; the rest cannot change the answer
LEXICAL_HITS = 30
DENSE_HITS = 10


@dataclass(frozen=True)
class Citation:
    article: str
    title: str
    url: str  # /help/<slug>#<anchor>


@dataclass(frozen=True)
class BotReply:
    answered: bool
    text: str  # the quoted passage(s), or what the bot says when it hands off
    citations: list[Citation] = field(default_factory=list)
    feedback_question: str | None = None
    handoff: bool = False
    reason: str | None = None  # why it hands off: no-answer, asked-for-person, language, ...
    confidence: float = 0.0
    path: str = "lexical"  # which retrieval decided: "lexical" or "dense"
    # Active status-page incidents on what the question is about, said before the answer:
    # {"id", "title", "phase", "latest", "url"} (see `with_incidents`).
    incidents: list[dict[str, Any]] = field(default_factory=list)


def load_scorers(path: Path = MODEL_FILE) -> dict[str, Scorer]:
    data = json.loads(path.read_text())
    return {name: Scorer(v["dense_weight"], v["coefficients"]) for name, v in data.items()}


_scorers: dict[str, Scorer] | None = None


def scorers() -> dict[str, Scorer]:
    global _scorers
    if _scorers is None:
        _scorers = load_scorers()
    return _scorers


class DenseIndex:
    """Embeddings of every public passage, rebuilt when the stored passages change."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._built: dict[str, tuple[tuple[int, int], list[PassageHit], Any]] = {}

    def search(self, db: Database, question: str, languages: list[str] | None) -> list[Any]:
        with db.transaction(write=False) as session:
            signature = tuple(session.execute(select(func.count(), func.max(KbPassage.id))).one())
        with self._lock:
            built = self._built.get(db.url)
            if built is None or built[0] != signature:
                passages = all_passages(db)
                texts = [f"{p.title}. {p.heading}. {plain_text(p.body)}" for p in passages]
                built = (signature, passages, embeddings.embed(texts))
                self._built[db.url] = built
        _, passages, matrix = built
        if not passages:
            return []
        similarity = matrix @ embeddings.embed([question])[0]
        order = similarity.argsort()[::-1]
        hits = []
        for i in order[: DENSE_HITS * 3]:
            p = passages[int(i)]
            if not languages or p.language in languages:
                hits.append((p, float(similarity[int(i)])))
        return hits[:DENSE_HITS]


dense_index = DenseIndex()


def _handoff(reason: str, text: str, path: str, confidence: float = 0.0) -> BotReply:
    return BotReply(
        answered=False, text=text, handoff=True, reason=reason, confidence=confidence, path=path
    )


HANDOFF_TEXT = "I could not find this in our help articles, so I will hand you to our team."


def ask(db: Database, desk: Desk, question: str, *, dense: bool | None = None) -> BotReply:
    """The bot's reply to one question: quoted passages with a citation, or a hand-off."""
    use_dense = embeddings.dense_available() if dense is None else dense
    path = "dense" if use_dense else "lexical"
    question = question[:MAX_QUESTION].strip()
    if not desk.bot.enabled:
        return _handoff("bot-disabled", "Our team will answer you.", path)
    if not question:
        return _handoff("empty-question", "Please tell us what you need help with.", path)
    if desk.bot.handoff.on_request and asks_for_a_person(question):
        return _handoff("asked-for-person", "I will hand you to our team.", path)
    language = guess_language(question)
    if language is not None and language not in desk.languages:
        return _handoff("language", HANDOFF_TEXT, path)
    languages = [language] if language else None
    ranked, passages = retrieve(db, desk, question, languages, use_dense)
    if not ranked:
        return _handoff("no-answer", HANDOFF_TEXT, path)
    scorer = scorers()[path]
    confidence = scorer.probability(features(question, ranked))
    if confidence < desk.bot.confidence:
        return _handoff("low-confidence", HANDOFF_TEXT, path, confidence)
    top = ranked[0]
    best = passages[top.passages[0]]
    url = f"/help/{best.article}" + (f"#{best.anchor}" if best.anchor else "")
    return BotReply(
        answered=True,
        text=quote(best.body, question),
        citations=[Citation(best.article, best.title, url)],
        feedback_question=desk.bot.feedback_question,
        confidence=confidence,
        path=path,
    )


def retrieve(
    db: Database, desk: Desk, question: str, languages: list[str] | None, use_dense: bool
) -> tuple[list[ArticleScores], dict[int, PassageHit]]:
    """Articles found for the question, ranked by the fused score, and their passages by id."""
    found: dict[str, ArticleScores] = {}
    passages: dict[int, PassageHit] = {}

    def candidate(hit: PassageHit) -> ArticleScores:
        passages[hit.id] = hit
        if hit.article not in found:
            article = desk.articles.get(hit.article)
            text = f"{article.title}\n{article.body}" if article else hit.body
            title = article.title if article else hit.title
            found[hit.article] = ArticleScores(hit.article, text=text, title=title)
        return found[hit.article]

    for hit in search_passages(db, question, languages=languages, limit=LEXICAL_HITS):
        c = candidate(hit)
        if hit.score > c.lexical:
            c.lexical, c.lexical_passage = hit.score, hit.id
    if use_dense:
        for hit, similarity in dense_index.search(db, question, languages):
            c = candidate(hit)
            if c.dense_passage is None or similarity > c.dense:
                c.dense, c.dense_passage = similarity, hit.id
    weight = scorers()["dense" if use_dense else "lexical"].dense_weight
    ranked = rank(list(found.values()), weight if use_dense else 0.0)
    for c in ranked:
        c.passages = [p for p in (c.lexical_passage, c.dense_passage) if p is not None]
        if use_dense and c.dense_passage is not None and c.dense >= 0.5:
            c.passages.sort(key=lambda p: p != c.dense_passage)
        if c.passages:
            best = passages[c.passages[0]]
            c.passage_text = f"{best.heading}\n{best.body}"
    return ranked, passages


def with_incidents(
    db: Database, desk: Desk, now: datetime, question: str, reply: BotReply
) -> BotReply:
    """The reply with the known active incidents on the components the question names or the
    cited articles cover, when the desk's bot answers from the status page too."""
    if "status_page" not in desk.bot.answers_from or not desk.status_page.components:
        return reply
    titles = {c.slug: c.title for c in desk.status_page.components}
    about = set(mentioned_components(question[:MAX_QUESTION], titles))
    for citation in reply.citations:
        article = desk.articles.get(citation.article)
        about.update(article.components if article else ())
    if not about:
        return reply
    found = active_incidents_for(db, desk, now, sorted(about))
    notices = [
        {
            "id": i["id"],
            "title": i["title"],
            "phase": i["phase"],
            "latest": i["latest"],
            "url": f"/status#incident-{i['id']}",
        }
        for i in found
    ]
    return replace(reply, incidents=notices) if notices else reply


def incident_text(incident: dict[str, Any]) -> str:
    """What the bot says first about a known incident (from the status page, not invented)."""
    text = f"Known incident: {incident['title']} ({incident['phase']})."
    return f"{text} {incident['latest']}" if incident["latest"] else text
