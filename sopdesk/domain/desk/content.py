"""What a desk says to people: macros (canned replies with translations) and help articles.

Templates are stored as text here; rendering them in a sandbox is the loader's job.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sopdesk.domain.desk.base import DeskModel, Language, Slug, Text
from sopdesk.domain.desk.playbook import FieldName

Audience = Literal["customer", "partner", "other-customer", "team"]


class MacroText(DeskModel):
    """One language of a macro."""

    subject: str = ""
    body: Text


class Macro(DeskModel):
    """A canned reply (macros/<slug>.yaml) with Jinja2 placeholders and translations."""

    macro: Slug
    title: str
    to: Audience = "customer"
    format: Literal["text", "html"] = "text"
    fields: dict[FieldName, str] = Field(default_factory=dict)  # `fields.<name>` the sender fills
    translations: dict[Language, MacroText] = Field(min_length=1)

    @property
    def slug(self) -> str:
        return self.macro

    def text(self, language: str, default: str) -> MacroText:
        """The text in `language`, falling back to the desk's default language."""
        return self.translations.get(language) or self.translations[default]


class Article(DeskModel):
    """A help article (kb/<slug>.md): front matter plus Markdown body."""

    slug: Slug
    title: str
    tags: list[str] = Field(default_factory=list)
    audience: Literal["public", "agents"] = "public"
    language: Language | None = None  # None: the desk's default language
    components: list[Slug] = Field(default_factory=list)  # status-page components it covers
    topic: str = Field(default="", max_length=80)  # the help centre's heading; "" = first tag
    translations: dict[Language, Slug] = Field(
        default_factory=dict
    )  # the same article, by language
    body: str = ""
