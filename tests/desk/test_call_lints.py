"""`sopdesk check` on call, confirm and handoff steps: unknown connectors and actions, missing
branches and timeouts, a hand-off to an unknown playbook or to itself, each with file:line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sopdesk.desk import check_desk

SHOP = """connectors:
  shop:
    url: https://shop.example.com/sopdesk
    secret_env: SHOP_KEY
    actions: [refund]
"""


def _flow(desk: Path, step: str) -> None:
    flow = desk / "playbooks" / "flow.yaml"
    text = flow.read_text().replace("  - id: move\n", step + "  - id: move\n")
    flow.write_text(text.replace("on_approve: move", "on_approve: act"))


def _problems(desk: Path) -> list[str]:
    return [str(p) for p in check_desk(desk)]


def test_good_call_confirm_and_handoff_steps_pass(make_desk: Callable[[str], Path]) -> None:
    desk = make_desk("base")
    (desk / "desk.yaml").write_text((desk / "desk.yaml").read_text() + SHOP)
    _flow(
        desk,
        "  - id: act\n    call: {action: shop.refund, with: {order: '{{ order.number }}'}}\n"
        "    on_ok: ask\n    on_refused: done\n    on_failed: cancel-it\n"
        "  - id: cancel-it\n    call: orders.cancel\n    on_ok: ask\n    on_refused: done\n"
        "    on_failed: done\n"
        "  - id: ask\n    confirm: {macro: hello, timeout: 2 days}\n    on_yes: move\n"
        "    on_no: done\n    on_timeout: done\n",
    )
    assert _problems(desk) == []


def test_an_unknown_connector_or_action_is_reported(make_desk: Callable[[str], Path]) -> None:
    desk = make_desk("base")
    (desk / "desk.yaml").write_text((desk / "desk.yaml").read_text() + SHOP)
    _flow(
        desk,
        "  - id: act\n    call: shop.cancel\n    on_ok: other\n    on_refused: done\n"
        "    on_failed: done\n"
        "  - id: other\n    call: crm.note\n    on_ok: move\n    on_refused: done\n"
        "    on_failed: done\n",
    )
    problems = _problems(desk)
    assert problems == [
        "playbooks/flow.yaml:17:11: connector 'shop' has no action 'cancel' (known: refund)",
        "playbooks/flow.yaml:22:11: connector 'crm' is not defined in desk.yaml `connectors:` "
        "(known: orders, shop)",
    ]


def test_missing_branches_and_timeouts_are_reported(make_desk: Callable[[str], Path]) -> None:
    desk = make_desk("base")
    _flow(
        desk,
        "  - id: act\n    call: orders.cancel\n    on_ok: ask\n"
        "  - id: ask\n    confirm: {macro: hello}\n    on_yes: move\n",
    )
    problems = _problems(desk)
    assert any("17:" in p and "call 'act' has no on_refused step" in p for p in problems)
    assert any("17:" in p and "call 'act' has no on_failed step" in p for p in problems)
    assert any("confirm 'ask' has no timeout" in p for p in problems)
    assert any("confirm 'ask' has no on_no step" in p for p in problems)
    assert any("confirm 'ask' has no on_timeout step" in p for p in problems)


def test_a_handoff_to_an_unknown_playbook_or_to_itself_is_reported(
    make_desk: Callable[[str], Path],
) -> None:
    desk = make_desk("base")
    _flow(desk, "  - id: act\n    handoff: {playbook: returns}\n")
    assert _problems(desk) == [
        "playbooks/flow.yaml:17:25: playbook 'returns' is not defined (known: flow)",
        "playbooks/flow.yaml:18:9: nobody can reach step 'move': no step leads to it",
    ]
    _flow(desk, "  - id: again\n    handoff: {playbook: flow}\n")
    assert any("cannot hand the case to itself" in p for p in _problems(desk))


def test_connectors_may_live_in_connectors_yaml_but_not_twice(
    make_desk: Callable[[str], Path],
) -> None:
    desk = make_desk("base")
    (desk / "connectors.yaml").write_text(SHOP)
    _flow(
        desk,
        "  - id: act\n    call: shop.refund\n    on_ok: move\n    on_refused: done\n"
        "    on_failed: done\n",
    )
    assert _problems(desk) == []
    (desk / "desk.yaml").write_text((desk / "desk.yaml").read_text() + SHOP)
    assert _problems(desk) == [
        "connectors.yaml:2:3: connector 'shop' is also declared in desk.yaml"
    ]
