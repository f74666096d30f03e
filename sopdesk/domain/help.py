"""The help centre's rules: topics, related articles and language links of help articles.

Pure: it gets the desk's articles and decides what the help centre lists; pages render it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sopdesk.domain.desk import Article, Desk

GENERAL = "General"
RELATED = 3  # related articles shown under an article


def language_of(article: Article, desk: Desk) -> str:
    return article.language or desk.default_language


def topic_of(article: Article) -> str:
    """The heading an article is listed under: its `topic`, else its first tag, capitalised."""
    if article.topic.strip():
        return article.topic.strip()
    if article.tags:
        return article.tags[0].replace("-", " ").capitalize()
    return GENERAL


def public_articles(desk: Desk, language: str) -> list[Article]:
    """The public articles in `language`, by title."""
    found = [
        a
        for a in desk.articles.values()
        if a.audience == "public" and language_of(a, desk) == language
    ]
    return sorted(found, key=lambda a: (a.title.lower(), a.slug))


@dataclass(frozen=True)
class Topic:
    title: str
    articles: list[Article]


def topics(desk: Desk, language: str) -> list[Topic]:
    """The public articles in `language` grouped by topic, topics by name (General last)."""
    grouped: dict[str, list[Article]] = {}
    for article in public_articles(desk, language):
        grouped.setdefault(topic_of(article), []).append(article)
    order = sorted(grouped, key=lambda t: (t == GENERAL, t.lower()))
    return [Topic(t, grouped[t]) for t in order]


def related_articles(desk: Desk, article: Article, limit: int = RELATED) -> list[Article]:
    """Public articles of the same language that share most tags, components or the topic."""
    language = language_of(article, desk)
    tags, components = set(article.tags), set(article.components)
    scored = []
    for other in public_articles(desk, language):
        if other.slug == article.slug:
            continue
        score = 2 * len(tags & set(other.tags)) + 2 * len(components & set(other.components))
        score += int(topic_of(other) == topic_of(article))
        if score:
            scored.append((-score, other.title.lower(), other))
    scored.sort(key=lambda s: (s[0], s[1]))
    return [s[2] for s in scored[:limit]]


def language_links(desk: Desk, article: Article) -> dict[str, str]:
    """For each language the desk lists, the URL of this article in it: the article itself, a
    translation it names (either way round), else the help centre's list in that language."""
    links: dict[str, str] = {}
    own = language_of(article, desk)
    for language in desk.languages:
        slug = article.slug if language == own else article.translations.get(language)
        if slug is None:
            slug = next(
                (
                    o.slug
                    for o in desk.articles.values()
                    if o.translations.get(own) == article.slug and language_of(o, desk) == language
                ),
                None,
            )
        target = desk.articles.get(slug) if slug else None
        if target is not None and target.audience == "public":
            links[language] = f"/help/{target.slug}"
        else:
            links[language] = f"/help?lang={language}"
    return links
