"""Macro rendering in Jinja2's sandbox, and the placeholder check behind `sopdesk check`."""

from __future__ import annotations

from datetime import date

import pytest

from sopdesk.desk.templates import check_template, format_date, render, render_macro
from sopdesk.domain.desk import Macro
from sopdesk.errors import InvalidInput

MACRO = Macro.model_validate(
    {
        "macro": "hi",
        "title": "Hi",
        "format": "html",
        "translations": {
            "en": {"subject": "Hi {{ customer.name }}", "body": "<p>{{ customer.name }}</p>"},
            "de": {"subject": "Hallo {{ customer.name }}", "body": "<p>Hallo</p>"},
        },
    }
)


def test_html_macros_escape_what_they_fill_in() -> None:
    rendered = render_macro(MACRO, "en", "en", {"customer": {"name": "<script>x</script>"}})
    assert rendered.body == "<p>&lt;script&gt;x&lt;/script&gt;</p>"


def test_a_missing_translation_falls_back_to_the_default_language() -> None:
    rendered = render_macro(MACRO, "fr", "de", {"customer": {"name": "Ana"}})
    assert (rendered.language, rendered.subject) == ("de", "Hallo Ana")


def test_the_sandbox_refuses_unsafe_attributes() -> None:
    with pytest.raises(InvalidInput, match="unsafe"):
        render("{{ x.__class__.__mro__ }}", {"x": 1})


def test_a_missing_value_is_an_error_not_an_empty_string() -> None:
    with pytest.raises(InvalidInput, match=r"no value for customer\.name"):
        render("Hi {{ customer.name }}", {"customer": {}})


def test_dates_format_as_support_leads_write_them() -> None:
    assert format_date(date(2026, 11, 3)) == "03-11-2026"
    assert render(
        "Reminder sent {{ today | format_date('DD-MM-YYYY') }}", {"today": date(2026, 11, 23)}
    ) == ("Reminder sent 23-11-2026")


def test_placeholders_are_checked_against_the_audience() -> None:
    assert check_template("Hello {{ partner.name }}", "partner") == []
    issues = check_template("Hello {{ partner.name }}", "customer")
    assert [i.message.split(" (")[0] for i in issues] == [
        "placeholder 'partner' is not defined here"
    ]


def test_loop_variables_are_not_placeholders() -> None:
    assert check_template("{% for x in [1, 2] %}{{ x }}{% endfor %}", "customer") == []


def test_issues_carry_the_line_inside_the_template() -> None:
    issues = check_template("line one\nline two {{ nope }}\n", "customer")
    assert [i.line for i in issues] == [2]


def test_a_syntax_error_is_an_issue() -> None:
    issues = check_template("{{ unclosed", "customer")
    assert len(issues) == 1 and issues[0].message.startswith("template syntax error")
