"""The public help centre: `/help` (articles by topic, in each language the desk lists),
`/help/search`, `/help/<slug>` (headings as anchors, related articles) and its feedback form.

Served from the desk's kb/*.md, reloaded when the desk folder changes; no sign-in.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from markdown_it import MarkdownIt
from starlette.responses import Response

from sopdesk.domain.desk import Article, Desk
from sopdesk.domain.help import language_links, language_of, related_articles, topic_of, topics
from sopdesk.domain.kb import split_passages
from sopdesk.engine.help_centre import answer_feedback, search_help
from sopdesk.errors import NotFound, TooManyRequests
from sopdesk.runtime import Runtime
from sopdesk.web.ratelimit import RateLimit
from sopdesk.web.ui.rendering import PageRoute, render
from sopdesk.web.ui.viewer import PostedForm, Rt, page_needs

router = APIRouter(route_class=PageRoute, include_in_schema=False)
# CommonMark without raw HTML and with only safe link schemes: an article cannot inject markup.
MARKDOWN = MarkdownIt("js-default")
LANGUAGE_NAMES = {
    "en": "English",
    "de": "Deutsch",
    "fr": "Français",
    "es": "Español",
    "it": "Italiano",
    "nl": "Nederlands",
    "pt": "Português",
}
MAX_QUERY = 500
FEEDBACK_PER_HOUR = 30  # per client address


def _desk(runtime: Runtime) -> Desk:
    runtime.reload_desk_if_changed()
    return runtime.desk


def _language(desk: Desk, asked: str | None) -> str:
    return asked if asked in desk.languages else desk.default_language


def _common(desk: Desk, language: str, links: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "desk_name": desk.name,
        "language": language,
        "page_language": language,
        "language_links": links or {code: f"/help?lang={code}" for code in desk.languages},
        "language_names": LANGUAGE_NAMES,
    }


@router.get("/help", dependencies=[page_needs("public")])
def help_home(request: Request, runtime: Rt, lang: str | None = None) -> Response:
    desk = _desk(runtime)
    language = _language(desk, lang)
    return render(
        request, "help.html", {**_common(desk, language), "topics": topics(desk, language)}
    )


@router.get("/help/search", dependencies=[page_needs("public")])
def help_search(request: Request, runtime: Rt, q: str = "", lang: str | None = None) -> Response:
    desk = _desk(runtime)
    language = _language(desk, lang)
    query = q[:MAX_QUERY].strip()
    results = search_help(runtime.db, desk, query, language) if query else []
    context = {**_common(desk, language), "query": query, "results": results}
    return render(request, "help.html", context)


def _public_article(desk: Desk, slug: str) -> Article:
    article = desk.articles.get(slug)
    if article is None or article.audience != "public":
        raise NotFound(f"there is no help article '{slug}'")
    return article


def _article_page(
    request: Request, desk: Desk, article: Article, *, thanks: str = "", status: int = 200
) -> Response:
    language = language_of(article, desk)
    sections = [
        {"anchor": p.anchor, "heading": p.heading, "html": MARKDOWN.render(p.body)}
        for p in split_passages(article.body)
    ]
    context = {
        **_common(desk, language, language_links(desk, article)),
        "article": article,
        "topic": topic_of(article),
        "sections": sections,
        "contents": [s for s in sections if s["heading"]],
        "related": related_articles(desk, article),
        "feedback_question": desk.bot.feedback_question,
        "thanks": thanks,
    }
    return render(request, "help_article.html", context, status=status)


@router.get("/help/{slug}", dependencies=[page_needs("public")])
def help_article(request: Request, slug: str, runtime: Rt) -> Response:
    desk = _desk(runtime)
    return _article_page(request, desk, _public_article(desk, slug))


def _feedback_limit(request: Request) -> RateLimit:
    limit: RateLimit | None = getattr(request.app.state, "help_feedback_limit", None)
    if limit is None:
        limit = RateLimit(FEEDBACK_PER_HOUR, timedelta(hours=1))
        request.app.state.help_feedback_limit = limit
    return limit


@router.post("/help/{slug}/feedback", dependencies=[page_needs("public")])
def help_feedback(request: Request, slug: str, form: PostedForm, runtime: Rt) -> Response:
    desk = _desk(runtime)
    article = _public_article(desk, slug)
    answer = str(form.get("helpful") or "")
    if answer not in ("yes", "no"):
        return _article_page(request, desk, article, status=422)
    host = request.client.host if request.client else "unknown"
    try:
        _feedback_limit(request).hit(f"help|{host}", runtime.clock.now())
    except TooManyRequests:
        return _article_page(
            request, desk, article, thanks="Thank you; we already have your answers.", status=429
        )
    answer_feedback(runtime.db, desk, slug, answer == "yes", runtime.clock.now())
    thanks = (
        "Thank you for telling us."
        if answer == "yes"
        else "Thank you. Sorry it did not help: write to us and our team will answer you."
    )
    return _article_page(request, desk, article, thanks=thanks)
