"""Every lint has a broken desk that makes `check_desk` name the exact file and line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from sopdesk.desk import check_desk

# overlay, file, line, a part of the message
CASES = [
    ("goto-missing", "playbooks/flow.yaml", 6, "goes to 'say-goodbye', but there is no step"),
    ("unreachable-step", "playbooks/flow.yaml", 7, "nobody can reach step 'forgotten'"),
    ("wait-no-timeout", "playbooks/flow.yaml", 7, "wait 'wait-reply' has no timeout"),
    ("wait-no-timeout", "playbooks/flow.yaml", 6, "has no on_timeout step"),
    ("cycle-without-wait", "playbooks/flow.yaml", 4, "greet → again form a cycle"),
    ("undefined-macro", "playbooks/flow.yaml", 5, "macro 'goodbye' is not defined"),
    ("undefined-placeholder", "macros/hello.yaml", 10, "'customer.shoe_size' is not defined"),
    ("undefined-column", "playbooks/flow.yaml", 5, "column 'archive' is not defined"),
    ("undefined-level", "playbooks/flow.yaml", 5, "level '3' is not defined"),
    ("undefined-role", "playbooks/flow.yaml", 5, "role 'finance' is not defined"),
    ("undefined-approver", "playbooks/flow.yaml", 5, "approver 'bettina' is not defined"),
    ("undefined-category", "playbooks/flow.yaml", 4, "category 'refunds' is not defined"),
    ("missing-translation", "macros/hello.yaml", 4, "has no translation for de"),
    ("category-no-level", "taxonomy.yaml", 11, "no level owns category 'complaint'"),
    ("sla-overlap", "sla.yaml", 8, "'standard' (priority low, normal, high) and 'complaints'"),
    ("calendar-no-hours", "desk.yaml", 4, "calendar 'business' has no open hours"),
    ("unknown-key", "playbooks/flow.yaml", 5, "unknown key 'langauge' in steps.0.send"),
    ("invalid-yaml", "board.yaml", 4, "invalid YAML"),
    ("bad-duration", "playbooks/flow.yaml", 5, "'a fortnight' is not a duration"),
]


def test_the_base_fixture_is_a_valid_desk(make_desk: Callable[[str], Path]) -> None:
    assert check_desk(make_desk("base")) == []


@pytest.mark.parametrize(("overlay", "file", "line", "words"), CASES)
def test_each_broken_desk_names_file_and_line(
    make_desk: Callable[[str], Path], overlay: str, file: str, line: int, words: str
) -> None:
    problems = check_desk(make_desk(overlay))
    matching = [p for p in problems if words in p.message]
    assert matching, f"no problem mentions {words!r}; got {[str(p) for p in problems]}"
    assert (matching[0].file, matching[0].line) == (file, line)
    assert str(matching[0]).startswith(f"{file}:{line}:")


def test_every_overlay_fixture_has_a_case() -> None:
    folders = {
        p.name
        for p in (Path(__file__).parent.parent / "fixtures" / "desks").iterdir()
        if p.is_dir() and p.name != "base"
    }
    covered = {case[0] for case in CASES} | {"yaml-bomb", "not-utf8"}
    assert folders == covered


def test_a_wait_for_an_unknown_event_is_reported(make_desk: Callable[[str], Path]) -> None:
    desk = make_desk("base")
    flow = desk / "playbooks" / "flow.yaml"
    flow.write_text(flow.read_text().replace("for: customer-reply", "for: parcel-found"))
    problems = check_desk(desk)
    assert [(p.line, "'parcel-found', which is not an event" in p.message) for p in problems] == [
        (8, True)
    ]


def test_a_duplicate_step_id_is_reported(make_desk: Callable[[str], Path]) -> None:
    desk = make_desk("base")
    flow = desk / "playbooks" / "flow.yaml"
    flow.write_text(flow.read_text().replace("id: move", "id: greet"))
    problems = check_desk(desk)
    assert [str(p) for p in problems] == [
        "playbooks/flow.yaml:13:17: step 'approve' goes to 'move', "
        "but there is no step with that id",
        "playbooks/flow.yaml:16:9: step id 'greet' is used twice (first at step 1)",
    ]


def test_a_macro_for_the_wrong_audience_is_reported(make_desk: Callable[[str], Path]) -> None:
    desk = make_desk("base")
    flow = desk / "playbooks" / "flow.yaml"
    flow.write_text(
        flow.read_text().replace("{to: customer, macro: hello}", "{to: partner, macro: hello}")
    )
    problems = check_desk(desk)
    assert [str(p) for p in problems] == [
        "playbooks/flow.yaml:6:16: macro 'hello' is written for customer, not for partner"
    ]


def test_higher_precedence_makes_an_overlap_unambiguous(make_desk: Callable[[str], Path]) -> None:
    desk = make_desk("sla-overlap")
    sla = desk / "sla.yaml"
    sla.write_text(
        sla.read_text().replace("title: Complaints", "title: Complaints\n    precedence: 5")
    )
    assert check_desk(desk) == []


def test_a_placeholder_in_a_playbook_note_must_be_recorded(
    make_desk: Callable[[str], Path],
) -> None:
    desk = make_desk("base")
    flow = desk / "playbooks" / "flow.yaml"
    flow.write_text(
        flow.read_text().replace(
            "set: {column: waiting}",
            "set: {column: waiting}\n    note: 'Ref {{ fields.v_number }}'",
        )
    )
    problems = check_desk(desk)
    assert [(p.line, p.message) for p in problems] == [
        (18, "placeholder 'fields.v_number' is not defined (known: none)")
    ]


def test_an_unknown_timezone_is_reported_on_its_line(make_desk: Callable[[str], Path]) -> None:
    desk = make_desk("base")
    settings = desk / "desk.yaml"
    settings.write_text(settings.read_text().replace("Europe/Berlin", "Europe/Atlantis"))
    problems = check_desk(desk)
    assert [(p.file, p.line) for p in problems] == [("desk.yaml", 2)]
    assert "unknown timezone 'Europe/Atlantis'" in problems[0].message


def test_an_unknown_holiday_country_is_reported(make_desk: Callable[[str], Path]) -> None:
    desk = make_desk("base")
    settings = desk / "desk.yaml"
    settings.write_text(settings.read_text().replace("country: DE", "country: ZZ"))
    problems = check_desk(desk)
    assert [p.file for p in problems] == ["desk.yaml"]
    assert "no public holidays known" in problems[0].message


def test_a_condition_over_a_fact_that_does_not_exist_is_reported(
    make_desk: Callable[[str], Path],
) -> None:
    desk = make_desk("base")
    flow = desk / "playbooks" / "flow.yaml"
    flow.write_text(
        flow.read_text().replace(
            "set: {column: waiting}",
            "choice:\n      prompt: Which?\n      options:\n"
            '        late: {goto: done, when: "today - order.delivred > 30"}\n'
            "        ok: {goto: done, unless: \"ordr.status == 'cancelled'\"}",
        )
    )
    problems = check_desk(desk)
    assert [(p.file, p.line, p.message.split(" (")[0]) for p in problems] == [
        ("playbooks/flow.yaml", 20, "there is no fact 'order.delivred'"),
        ("playbooks/flow.yaml", 21, "there is no fact 'ordr'"),
    ]


def test_an_unknown_desk_limit_is_reported_in_a_condition_and_a_macro(
    make_desk: Callable[[str], Path],
) -> None:
    desk = make_desk("base")
    flow = desk / "playbooks" / "flow.yaml"
    flow.write_text(
        flow.read_text().replace(
            "set: {column: waiting}",
            "choice:\n      prompt: Which?\n      options:\n"
            '        big: {goto: done, when: "item.value > desk.limits.high_valu_item"}\n'
            '        ok: {goto: done, when: "item.value <= desk.limits.high_value_item"}',
        )
    )
    problems = check_desk(desk)
    assert [(p.file, p.line) for p in problems] == [("playbooks/flow.yaml", 20)]
    assert "'desk.limits.high_valu_item' is not a desk limit" in problems[0].message
    assert "high_value_item" in problems[0].message  # the names it does have
