"""Hostile or broken files are refused with a clear problem, never a crash."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from sopdesk.desk import DeskError, check_desk, load_desk


def test_a_yaml_bomb_is_refused(make_desk: Callable[[str], Path]) -> None:
    problems = check_desk(make_desk("yaml-bomb"))
    assert [(p.file, p.line) for p in problems] == [("board.yaml", 1)]
    assert "refusing it as a possible YAML bomb" in problems[0].message


def test_a_recursive_alias_is_refused(make_desk: Callable[[str], Path]) -> None:
    desk = make_desk("base")
    (desk / "board.yaml").write_text("columns: &a [*a]\n")
    problems = check_desk(desk)
    assert len(problems) == 1 and problems[0].file == "board.yaml"


def test_a_50_mb_file_is_refused_without_reading_it(make_desk: Callable[[str], Path]) -> None:
    desk = make_desk("base")
    big = desk / "kb" / "huge.md"
    with big.open("wb") as handle:  # sparse: 50 MB on paper, nothing on disk
        handle.truncate(50 * 1024 * 1024)
    problems = check_desk(desk)
    assert [str(p) for p in problems] == [
        "kb/huge.md:1:1: is 50.0 MiB; a desk file may be at most 1024 KiB"
    ]


def test_a_file_that_is_not_utf8_is_refused_at_the_bad_byte(
    make_desk: Callable[[str], Path],
) -> None:
    problems = check_desk(make_desk("not-utf8"))
    assert [str(p) for p in problems] == [
        "macros/hello.yaml:2:10: is not UTF-8 text (byte 0xfc); save it as UTF-8"
    ]


def test_a_symlink_out_of_the_desk_is_refused(
    make_desk: Callable[[str], Path], tmp_path: Path
) -> None:
    desk = make_desk("base")
    secret = tmp_path / "secret.md"
    secret.write_text("---\ntitle: secret\n---\nroot password\n")
    os.symlink(secret, desk / "kb" / "leak.md")
    problems = check_desk(desk)
    assert len(problems) == 1
    assert problems[0].file == "kb/leak.md"
    assert "outside the desk folder; refusing it" in problems[0].message
    with pytest.raises(DeskError):
        load_desk(desk)


def test_a_symlinked_folder_out_of_the_desk_is_refused(
    make_desk: Callable[[str], Path], tmp_path: Path
) -> None:
    desk = make_desk("base")
    outside = tmp_path / "elsewhere"
    (desk / "kb").rename(outside)
    os.symlink(outside, desk / "kb")
    problems = check_desk(desk)
    assert [(p.file, "not a link out" in p.message) for p in problems] == [("kb", True)]


def test_a_symlink_inside_the_desk_is_allowed(make_desk: Callable[[str], Path]) -> None:
    desk = make_desk("base")
    os.symlink(desk / "kb" / "hello.md", desk / "kb" / "hi.md")
    assert check_desk(desk) == []


def test_a_key_given_twice_is_refused(make_desk: Callable[[str], Path]) -> None:
    desk = make_desk("base")
    (desk / "board.yaml").write_text("columns: []\ncolumns: []\n")
    assert [str(p) for p in check_desk(desk)] == [
        "board.yaml:2:1: 'columns' is given twice in the same mapping"
    ]


def test_python_tags_are_refused(make_desk: Callable[[str], Path]) -> None:
    desk = make_desk("base")
    (desk / "board.yaml").write_text("columns: !!python/object/apply:os.system [echo hi]\n")
    problems = check_desk(desk)
    assert len(problems) == 1 and problems[0].file == "board.yaml"
    assert "is not allowed in desk files" in problems[0].message


def test_a_file_that_is_a_list_is_refused(make_desk: Callable[[str], Path]) -> None:
    desk = make_desk("base")
    (desk / "board.yaml").write_text("- inbox\n- waiting\n")
    assert [str(p) for p in check_desk(desk)] == [
        "board.yaml:1:1: the file must hold a mapping of keys to values"
    ]


def test_two_documents_in_one_file_are_refused(make_desk: Callable[[str], Path]) -> None:
    desk = make_desk("base")
    board = desk / "board.yaml"
    board.write_text(board.read_text() + "---\ncolumns: []\n")
    problems = check_desk(desk)
    assert len(problems) == 1 and "remove the extra '---'" in problems[0].message


def test_an_article_without_front_matter_is_refused(make_desk: Callable[[str], Path]) -> None:
    desk = make_desk("base")
    (desk / "kb" / "bare.md").write_text("just text\n")
    assert [str(p) for p in check_desk(desk)] == [
        "kb/bare.md:1:1: an article starts with front matter between two '---' lines"
    ]


def test_front_matter_problems_point_at_the_file_line(make_desk: Callable[[str], Path]) -> None:
    desk = make_desk("base")
    (desk / "kb" / "typo.md").write_text("---\ntitle: Typo\naudiense: public\n---\nbody\n")
    assert [str(p) for p in check_desk(desk)] == ["kb/typo.md:3:1: unknown key 'audiense'"]
