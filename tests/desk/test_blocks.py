"""Reusable blocks (playbooks/blocks/*.yaml): written once, used with parameters by several
playbooks, expanded when the desk loads; problems point at the block's or the use's line."""

from __future__ import annotations

from pathlib import Path

from sopdesk.desk import check_desk, load_desk

BLOCK = """\
block: ask-to-confirm
title: Ask the customer to confirm, then go on
params:
  macro: the macro that says what will happen
  on_no: {about: where a no leads, default: kept}
steps:
  - id: ask-confirm
    confirm: {macro: "${macro}", timeout: 3 days}
    on_yes: ${on_yes}
    on_no: ${on_no}
    on_timeout: ${on_no}
"""
BLOCK_PARAMS = "  on_yes: where a yes leads\n"


def _playbook(slug: str, use: str) -> str:
    return f"""\
playbook: {slug}
title: {slug}
steps:
  - id: start
    set: {{status: open}}
{use}
  - id: act
    end: {{outcome: acted}}
  - id: kept
    end: {{outcome: kept}}
"""


USE = """\
  - use: ask-to-confirm
    with: {macro: confirm-cancellation, on_yes: act}
"""


def _desk(starter: Path, block: str, *playbooks: tuple[str, str]) -> Path:
    (starter / "playbooks" / "blocks").mkdir()
    (starter / "playbooks" / "blocks" / "ask-to-confirm.yaml").write_text(block)
    for slug, use in playbooks:
        (starter / "playbooks" / f"{slug}.yaml").write_text(_playbook(slug, use))
    return starter


def _block() -> str:
    return BLOCK.replace("steps:\n", BLOCK_PARAMS + "steps:\n", 1)


def test_a_block_is_expanded_into_every_playbook_that_uses_it(starter: Path) -> None:
    desk = load_desk(_desk(starter, _block(), ("first", USE), ("second", USE)))
    for slug in ("first", "second"):
        steps = desk.playbooks[slug].steps
        assert [s.id for s in steps] == ["start", "ask-confirm", "act", "kept"]
        confirm = steps[1]
        assert confirm.block == "ask-to-confirm"
        assert confirm.confirm is not None and confirm.confirm.macro == "confirm-cancellation"
        assert (confirm.on_yes, confirm.on_no, confirm.on_timeout) == ("act", "kept", "kept")


def test_an_unknown_block_is_an_error_at_the_use_line(starter: Path) -> None:
    use = "  - use: ask-to-confrim\n    with: {macro: confirm-cancellation, on_yes: act}\n"
    problems = [str(p) for p in check_desk(_desk(starter, _block(), ("first", use)))]
    assert any(
        p.startswith("playbooks/first.yaml:6:") and "no block 'ask-to-confrim'" in p
        for p in problems
    ), problems


def test_unknown_and_missing_parameters_are_errors(starter: Path) -> None:
    use = "  - use: ask-to-confirm\n    with: {macro: confirm-cancellation, on_yse: act}\n"
    problems = [str(p) for p in check_desk(_desk(starter, _block(), ("first", use)))]
    assert any(
        p.startswith("playbooks/first.yaml:7:") and "no parameter 'on_yse'" in p for p in problems
    ), problems
    assert any("needs the parameter 'on_yes'" in p for p in problems), problems


def test_a_placeholder_the_block_does_not_declare_is_an_error_in_the_block(
    starter: Path,
) -> None:
    problems = [str(p) for p in check_desk(_desk(starter, BLOCK, ("first", USE)))]
    assert any(
        p.startswith("playbooks/blocks/ask-to-confirm.yaml:9:") and "no parameter 'on_yes'" in p
        for p in problems
    ), problems


def test_a_step_id_the_playbook_already_has_is_an_error(starter: Path) -> None:
    use = USE + "  - id: ask-confirm\n    set: {status: open}\n"
    problems = [str(p) for p in check_desk(_desk(starter, _block(), ("first", use)))]
    assert any(
        p.startswith("playbooks/first.yaml:8:") and "step id 'ask-confirm' is taken" in p
        for p in problems
    ), problems


def test_a_problem_inside_a_used_block_points_at_the_block_file(starter: Path) -> None:
    use = "  - use: ask-to-confirm\n    with: {macro: no-such-macro, on_yes: act}\n"
    problems = [str(p) for p in check_desk(_desk(starter, _block(), ("first", use)))]
    assert any(
        p.startswith("playbooks/blocks/ask-to-confirm.yaml:") and "no-such-macro" in p
        for p in problems
    ), problems


def test_a_block_step_whose_id_the_playbook_took_first_is_an_error(starter: Path) -> None:
    use = "  - id: ask-confirm\n    set: {status: open}\n" + USE
    problems = [str(p) for p in check_desk(_desk(starter, _block(), ("first", use)))]
    assert any(
        p.startswith("playbooks/first.yaml:8:")
        and "brings step 'ask-confirm', but this playbook already has" in p
        for p in problems
    ), problems
