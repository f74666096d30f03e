"""Loading a desk: the contract other parts code against, the content hash, DeskError."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from sopdesk.desk import DeskError, Problem, check_desk, load_desk
from sopdesk.domain.desk import Category, Desk
from sopdesk.errors import SopdeskError
from sopdesk.packs import list_packs, pack_path


def test_the_starter_desk_loads_with_no_problems(starter: Path) -> None:
    assert check_desk(starter) == []
    desk = load_desk(starter)
    assert isinstance(desk, Desk)
    assert desk.languages[0] == "en" and "de" in desk.languages
    assert re.fullmatch(r"[0-9a-f]{64}", desk.version)


def test_categories_carry_group_and_owning_level(starter: Path) -> None:
    desk = load_desk(starter)
    fraud = desk.category("fraud")
    assert isinstance(fraud, Category)
    assert (fraud.group, fraud.level) == ("escalations-leadership", 4)
    # A category without its own level takes its group's.
    assert desk.categories["order-status"].level == 1
    assert desk.category("no-such-thing") is None


def test_columns_keep_board_order(starter: Path) -> None:
    columns = [c.slug for c in load_desk(starter).columns]
    assert columns.index("problem-orders") < columns.index("waiting-for-response")
    assert columns.index("waiting-for-response") < columns.index("pre-check")


def test_version_does_not_depend_on_where_the_folder_lies(starter: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "a" / "b" / "copy"
    shutil.copytree(starter, elsewhere)
    assert load_desk(starter).version == load_desk(elsewhere).version


def _desk_files(root: Path) -> list[Path]:
    """The files a desk is made of (scenario files beside them are not part of it)."""
    top = [p for p in root.glob("*.yaml")]
    inner = [p for folder in ("playbooks", "macros", "kb") for p in (root / folder).iterdir()]
    return sorted(top + inner)


@pytest.mark.parametrize("index", range(0, 40, 3))
def test_version_changes_when_any_file_changes(starter: Path, index: int) -> None:
    files = _desk_files(starter)
    before = load_desk(starter).version
    target = files[index % len(files)]
    target.write_text(target.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    assert load_desk(starter).version != before


def test_version_changes_when_a_file_is_renamed(starter: Path) -> None:
    before = load_desk(starter).version
    (starter / "kb" / "premium-consultation.md").rename(starter / "kb" / "consultation.md")
    assert load_desk(starter).version != before


def test_files_that_are_not_desk_files_do_not_change_the_version(starter: Path) -> None:
    before = load_desk(starter).version
    (starter / "sopdesk.db").write_bytes(b"\x00" * 100)
    (starter / ".secret_key").write_text("x")
    assert load_desk(starter).version == before


def test_load_desk_raises_desk_error_with_every_problem(
    make_desk: Callable[[str], Path],
) -> None:
    path = make_desk("wait-no-timeout")
    with pytest.raises(DeskError) as caught:
        load_desk(path)
    error = caught.value
    assert isinstance(error, SopdeskError)
    assert error.message == f"the desk at {path} has 2 problems"
    assert error.errors == [
        "playbooks/flow.yaml:6:9: wait 'wait-reply' has no on_timeout step to go to",
        "playbooks/flow.yaml:7:11: wait 'wait-reply' has no timeout; every wait needs one "
        "(e.g. timeout: 1 week)",
    ]


def test_a_missing_folder_is_one_problem(tmp_path: Path) -> None:
    problems = check_desk(tmp_path / "nowhere")
    assert len(problems) == 1 and "is not a desk folder" in problems[0].message
    with pytest.raises(DeskError, match=r"has 1 problem$"):
        load_desk(tmp_path / "nowhere")


def test_missing_required_files_are_named(tmp_path: Path) -> None:
    (tmp_path / "desk.yaml").write_text("name: x\n")
    files = {p.file for p in check_desk(tmp_path)}
    assert {"taxonomy.yaml", "board.yaml"} <= files


def test_problem_reads_like_a_compiler_message() -> None:
    assert str(Problem("sla.yaml", 3, 7, "bad")) == "sla.yaml:3:7: bad"


def test_packs_are_listed_and_found() -> None:
    assert "starter" in list_packs()
    assert (pack_path("starter") / "desk.yaml").is_file()
    with pytest.raises(SopdeskError, match="there is no pack 'nope'; the packs are: starter"):
        pack_path("nope")


def test_the_desk_calendar_builds_and_knows_holidays(starter: Path) -> None:
    from datetime import date

    desk = load_desk(starter)
    calendar = desk.business_calendar()
    assert calendar.is_open_day(date(2026, 11, 23))  # a Monday
    assert not calendar.is_open_day(date(2026, 12, 25))  # Christmas in Germany
    assert not calendar.is_open_day(date(2026, 12, 24))  # listed as closed
    assert calendar.is_open_day(date(2026, 11, 28))  # a Saturday, opened exceptionally
    assert desk.business_calendar("us-warehouse").timezone == "America/New_York"
