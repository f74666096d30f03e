"""Templates of a desk (macros, notes, chat messages) in Jinja2's sandbox, and their placeholders.

Which placeholders a template may use is fixed here; `sopdesk check` reports any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError, meta, nodes
from jinja2.sandbox import SandboxedEnvironment, SecurityError

from sopdesk.domain.desk import Macro
from sopdesk.domain.desk.settings import Limits
from sopdesk.domain.facts import AUDIENCE_FACTS, FACTS, RUN_NAMES
from sopdesk.domain.playbooks.expressions import unknown_fact
from sopdesk.errors import InvalidInput

# What every template sees: a name and the attributes it has (the fact model of
# sopdesk/domain/facts.py). Audience-specific names below.
COMMON: dict[str, frozenset[str]] = {name: frozenset(attrs) for name, attrs in FACTS.items()}
# Connector answers by call step (`answers.<step>.<field>`): the fields are the connector's.
COMMON["answers"] = frozenset()
_PARTNER = frozenset(AUDIENCE_FACTS["partner"])
BY_AUDIENCE: dict[str, dict[str, frozenset[str]]] = {
    "customer": {},
    "partner": {"partner": _PARTNER},
    "other-customer": {"recipient": frozenset(AUDIENCE_FACTS["recipient"])},
    "team": {"partner": _PARTNER},
}
EXPRESSION_NAMES = (*FACTS, "partner", *RUN_NAMES)


def format_date(value: date | datetime, pattern: str = "DD-MM-YYYY") -> str:
    """Dates as a support lead writes them: DD-MM-YYYY, YYYY-MM-DD, DD.MM.YYYY..."""
    out = pattern.replace("YYYY", f"{value.year:04d}").replace("MM", f"{value.month:02d}")
    return out.replace("DD", f"{value.day:02d}")


def _environment(autoescape: bool) -> SandboxedEnvironment:
    env = SandboxedEnvironment(autoescape=autoescape, undefined=StrictUndefined)
    env.filters["format_date"] = format_date
    return env


TEXT = _environment(False)
HTML = _environment(True)


@dataclass(frozen=True)
class TemplateIssue:
    line: int  # 1-based, inside the template
    message: str


def _uses(ast: nodes.Template) -> list[tuple[str, str | None, int]]:
    """(name, attribute or None, line) for every free name the template reads."""
    free = meta.find_undeclared_variables(ast)
    found: list[tuple[str, str | None, int]] = []
    seen: set[int] = set()
    for getattr_node in ast.find_all(nodes.Getattr):
        inner = getattr_node.node
        if isinstance(inner, nodes.Name) and inner.name in free:
            found.append((inner.name, getattr_node.attr, getattr_node.lineno))
            seen.add(id(inner))
    for name_node in ast.find_all(nodes.Name):
        if name_node.name in free and id(name_node) not in seen and name_node.ctx == "load":
            found.append((name_node.name, None, name_node.lineno))
    return found


LIMIT_NAMES = frozenset(Limits.model_fields)


def _unknown_limits(ast: nodes.Template) -> list[TemplateIssue]:
    """`desk.limits.<name>` where desk.yaml's `limits` has no such name (a typo would otherwise
    read as "unknown" and silently hide the option it guards)."""
    issues = []
    for node in ast.find_all(nodes.Getattr):
        inner = node.node
        if (
            isinstance(inner, nodes.Getattr)
            and inner.attr == "limits"
            and isinstance(inner.node, nodes.Name)
            and inner.node.name == "desk"
            and node.attr not in LIMIT_NAMES
        ):
            known = ", ".join(sorted(LIMIT_NAMES))
            issues.append(
                TemplateIssue(
                    node.lineno, f"'desk.limits.{node.attr}' is not a desk limit (known: {known})"
                )
            )
    return issues


def check_template(
    source: str, audience: str, fields: frozenset[str] = frozenset()
) -> list[TemplateIssue]:
    """Syntax errors and placeholders the template may not use, with their lines."""
    try:
        ast = TEXT.parse(source)
    except TemplateSyntaxError as exc:
        return [TemplateIssue(exc.lineno or 1, f"template syntax error: {exc.message}")]
    allowed = {**COMMON, **BY_AUDIENCE.get(audience, {})}
    issues = _unknown_limits(ast)
    for name, attr, line in _uses(ast):
        if name == "fields":
            if attr is not None and attr not in fields:
                known = ", ".join(sorted(fields)) or "none"
                issues.append(
                    TemplateIssue(
                        line, f"placeholder 'fields.{attr}' is not defined (known: {known})"
                    )
                )
            continue
        if name not in allowed:
            known = ", ".join(sorted([*allowed, "fields"]))
            issues.append(
                TemplateIssue(line, f"placeholder '{name}' is not defined here (known: {known})")
            )
        elif attr is not None and allowed[name] and attr not in allowed[name]:
            known = ", ".join(sorted(allowed[name]))
            issues.append(
                TemplateIssue(
                    line, f"placeholder '{name}.{attr}' is not defined ({name} has {known})"
                )
            )
    return sorted(set(issues), key=lambda i: (i.line, i.message))


def check_expression(source: str, fields: frozenset[str] = frozenset()) -> list[TemplateIssue]:
    """A condition such as `item.value > desk.limits.high_value_item`, checked against the fact
    model: a name that is not a fact is an error (it never silently reads as "unknown")."""
    try:
        ast = TEXT.parse("{% if " + source + " %}{% endif %}")
    except TemplateSyntaxError as exc:
        return [TemplateIssue(exc.lineno or 1, f"condition syntax error: {exc.message}")]
    issues = _unknown_limits(ast)
    for name, attr, line in _uses(ast):
        if name == "fields":
            if attr is not None and attr not in fields:
                known = ", ".join(sorted(fields)) or "none"
                issues.append(
                    TemplateIssue(line, f"'fields.{attr}' is not recorded here (known: {known})")
                )
            continue
        why = unknown_fact(name, attr)
        if why is not None:
            issues.append(TemplateIssue(line, why))
    return sorted(set(issues), key=lambda i: (i.line, i.message))


def missing_values(source: str, context: dict[str, Any]) -> list[str]:
    """The placeholders of `source` that `context` has no value for, e.g. ['item.comp_value']."""
    try:
        ast = TEXT.parse(source)
    except TemplateSyntaxError:
        return []
    missing = []
    for name, attr, _line in _uses(ast):
        value = context.get(name)
        if value is None:
            missing.append(name)
        elif attr is not None and isinstance(value, dict) and value.get(attr) is None:
            missing.append(f"{name}.{attr}")
    return sorted(set(missing))


def render(source: str, context: dict[str, Any], *, html: bool = False) -> str:
    """Renders a template in the sandbox; a missing value or unsafe access is InvalidInput."""
    env = HTML if html else TEXT
    try:
        return env.from_string(source).render(context)
    except UndefinedError as exc:
        missing = missing_values(source, context)
        what = ", ".join(missing) if missing else str(exc)
        raise InvalidInput(
            f"no value for {what}: the case does not know it yet; add it to the case (its order,"
            " customer or item) or write the message by hand"
        ) from None
    except (SecurityError, TemplateSyntaxError) as exc:
        raise InvalidInput(f"cannot fill in the template: {exc}") from None


@dataclass(frozen=True)
class RenderedMacro:
    language: str
    subject: str
    body: str


def render_macro(
    macro: Macro, language: str, default_language: str, context: dict[str, Any]
) -> RenderedMacro:
    """A macro filled in, in `language` if it has that translation, else the default."""
    lang = language if language in macro.translations else default_language
    text = macro.text(lang, default_language)
    html = macro.format == "html"
    return RenderedMacro(
        language=lang,
        subject=render(text.subject, context) if text.subject else "",
        body=render(text.body, context, html=html),
    )
