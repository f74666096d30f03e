"""A desk's signal patterns are checked by `sopdesk check`: file, line and what is wrong."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sopdesk.desk import check_desk
from sopdesk.packs import pack_path


@pytest.mark.parametrize(
    ("pattern", "words"),
    [("(unclosed", "is not a regular expression"), ("a*", "matches empty text")],
)
def test_a_bad_signal_pattern_is_a_problem_with_its_line(
    tmp_path: Path, pattern: str, words: str
) -> None:
    desk = tmp_path / "desk"
    shutil.copytree(pack_path("starter"), desk)
    taxonomy = desk / "taxonomy.yaml"
    text = taxonomy.read_text(encoding="utf-8")
    first = '      - "\\\\bfraud\\\\w*"\n'  # the fraud signal's first pattern
    assert first in text
    taxonomy.write_text(text.replace(first, f"      - '{pattern}'\n", 1), encoding="utf-8")
    (problem,) = check_desk(desk)
    assert problem.file == "taxonomy.yaml" and words in str(problem)
    assert problem.line == text[: text.index(first)].count("\n") + 1
