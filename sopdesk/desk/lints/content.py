"""Lints of what a desk says: macro translations, placeholders in every template, articles.

Template problems point at the exact line inside a multi-line text block.
"""

from __future__ import annotations

import re

from sopdesk.desk.load import LoadedDesk, Source
from sopdesk.desk.problems import Problem
from sopdesk.desk.source import SourceMap
from sopdesk.desk.templates import TemplateIssue, check_expression, check_template
from sopdesk.domain.case_limits import fact_name
from sopdesk.domain.desk import Desk, Macro, Playbook
from sopdesk.domain.facts import CASE_LIMIT_FACTS

READS_LIMIT = re.compile(r"\bcase_limits\.([a-z][a-z0-9_]*)(?:\.([a-z][a-z0-9_]*))?")

Path_ = tuple[str | int, ...]


def _at(where: SourceMap, path: Path_, issues: list[TemplateIssue]) -> list[Problem]:
    found = []
    for issue in issues:
        found.append(where.text_problem(path, issue.line, issue.message))
    return found


def _macro(source: Source[Macro], languages: list[str]) -> list[Problem]:
    macro, where = source.model, source.where
    problems = []
    missing = [lang for lang in languages if lang not in macro.translations]
    if missing:
        problems.append(
            where.problem(
                ("translations",),
                f"macro '{macro.slug}' has no translation for {', '.join(missing)} "
                f"(the desk's languages are {', '.join(languages)})",
                key=True,
            )
        )
    fields = frozenset(macro.fields)
    for lang, text in macro.translations.items():
        for part in ("subject", "body"):
            value = getattr(text, part)
            issues = check_template(value, macro.to, fields)
            problems.extend(_at(where, ("translations", lang, part), issues))
    return problems


# What a confirm step records: the customer's words verbatim, and their yes or no.
CONFIRM_FIELDS = ("customer_answer", "confirmed")


def _recorded(playbook: Playbook) -> frozenset[str]:
    confirms = any(step.confirm is not None for step in playbook.steps)
    return frozenset(
        [
            *(
                name
                for step in playbook.steps
                if step.checklist is not None
                for item in step.checklist.items
                for name in item.record
            ),
            *(CONFIRM_FIELDS if confirms else ()),
        ]
    )


def _limits_read(text: str, limits: frozenset[str]) -> list[TemplateIssue]:
    """`case_limits.<name>.<fact>` where taxonomy.yaml declares no such limit or fact."""
    issues = []
    for number, line in enumerate(text.splitlines() or [text], 1):
        for name, attr in READS_LIMIT.findall(line):
            if name not in limits:
                known = ", ".join(sorted(limits)) or "none; declare them in taxonomy.yaml"
                issues.append(
                    TemplateIssue(number, f"there is no case limit '{name}' (limits: {known})")
                )
            elif attr and attr not in CASE_LIMIT_FACTS:
                known = ", ".join(CASE_LIMIT_FACTS)
                issues.append(
                    TemplateIssue(number, f"'case_limits.{name}.{attr}' is not a fact ({known})")
                )
    return issues


def _limit_categories(loaded: LoadedDesk) -> list[Problem]:
    desk, where = loaded.desk, loaded.taxonomy.where
    return [
        where.problem(
            ("case_limits", slug, "categories", k),
            f"case limit '{slug}' counts category '{category}', which is not defined",
        )
        for slug, limit in desk.case_limits.items()
        for k, category in enumerate(limit.categories)
        if category not in desk.categories
    ]


def _playbook(source: Source[Playbook], desk: Desk) -> list[Problem]:
    playbook, where = source.model, source.where
    limits = frozenset(fact_name(s) for s in desk.case_limits)
    fields = _recorded(playbook)
    problems = []
    for i, step in enumerate(playbook.steps):
        texts: list[tuple[Path_, str]] = []
        if step.note is not None:
            texts.append((("steps", i, "note"), step.note))
        if step.notify is not None:
            texts.append((("steps", i, "notify", "message"), step.notify.message))
        if step.approval is not None:
            texts.append((("steps", i, "approval", "ask"), step.approval.ask))
        if step.call is not None:
            for name, value in step.call.with_.items():
                texts.append((("steps", i, "call", "with", name), value))
        for path, text in texts:
            problems.extend(_at(where, path, check_template(text, "team", fields)))
            problems.extend(_at(where, path, _limits_read(text, limits)))
        if step.choice is not None:
            for key, option in step.choice.options.items():
                for cond in ("when", "unless"):
                    expression = getattr(option, cond)
                    if expression is not None:
                        path = ("steps", i, "choice", "options", key, cond)
                        problems.extend(_at(where, path, check_expression(expression, fields)))
                        problems.extend(_at(where, path, _limits_read(expression, limits)))
        if step.resolve is not None and step.resolve.amount is not None:
            path = ("steps", i, "resolve", "amount")
            problems.extend(_at(where, path, check_expression(step.resolve.amount, fields)))
    return problems


def lint_content(loaded: LoadedDesk) -> list[Problem]:
    desk = loaded.desk
    problems: list[Problem] = []
    for macro in loaded.macros.values():
        problems.extend(_macro(macro, desk.languages))
    for playbook in loaded.playbooks.values():
        problems.extend(_playbook(playbook, desk))
    problems.extend(_limit_categories(loaded))
    components = {c.slug for c in desk.status_page.components}
    for article in loaded.articles.values():
        a, where = article.model, article.where
        if a.language is not None and a.language not in desk.languages:
            problems.append(
                where.problem(
                    ("language",),
                    f"language '{a.language}' is not one of the desk's "
                    f"({', '.join(desk.languages)})",
                )
            )
        for k, slug in enumerate(a.components):
            if slug not in components:
                problems.append(
                    where.problem(
                        ("components", k),
                        f"status-page component '{slug}' is not defined in desk.yaml",
                    )
                )
    seen: set[str] = set()
    for k, lang in enumerate(desk.languages):
        if lang in seen:
            problems.append(
                loaded.settings.where.problem(
                    ("languages", k), f"language '{lang}' is listed twice"
                )
            )
        seen.add(lang)
    return problems
