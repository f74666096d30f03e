"""`sopdesk check` names file:line when taxonomy.yaml's offense groups do not add up."""

from __future__ import annotations

from pathlib import Path

from sopdesk.desk import check_desk

REPEATED = "offense: incomplete, offense_group: repeated-issue,"


def line_of(path: Path, words: str) -> int:
    return next(i for i, text in enumerate(path.read_text().splitlines(), 1) if words in text)


def test_the_starter_desk_groups_check_clean(starter: Path) -> None:
    assert check_desk(starter) == []


def test_an_offense_group_no_kind_declares_is_named_with_its_line(starter: Path) -> None:
    taxonomy = starter / "taxonomy.yaml"
    taxonomy.write_text(
        taxonomy.read_text().replace(REPEATED, "offense: incomplete, offense_group: repeats,")
    )
    problems = check_desk(starter)
    assert [(p.file, p.line) for p in problems] == [
        ("taxonomy.yaml", line_of(taxonomy, "offense_group: repeats"))
    ]
    assert "offense group 'repeats' is not defined (known: repeated-issue)" in problems[0].message


def test_a_group_category_must_count_as_a_kind_of_its_group(starter: Path) -> None:
    taxonomy = starter / "taxonomy.yaml"
    taxonomy.write_text(
        taxonomy.read_text().replace(REPEATED, "offense: dnr, offense_group: repeated-issue,")
    )
    problems = check_desk(starter)
    assert [(p.file, p.line) for p in problems] == [
        ("taxonomy.yaml", line_of(taxonomy, "offense: dnr, offense_group"))
    ]
    assert "its offense must be a kind with counts_with: repeated-issue" in problems[0].message
