"""One writer of outbox rows (issue 10): no module but engine/outbox.py builds a row, every
kind is written somewhere, and every kind the worker claims has its handler."""

from __future__ import annotations

import ast
from pathlib import Path

import sopdesk
from sopdesk.engine.outbox import OutboxKind
from sopdesk.engine.worker import HANDLERS

SOURCE = Path(sopdesk.__file__).parent
WRITER = SOURCE / "engine" / "outbox.py"
# Rows no worker claims: a dead timer is kept with the dead letters for a person to read, and a
# widget message is delivered by the customer's open widget (sopdesk.engine.widget_sessions).
UNCLAIMED = {OutboxKind.DEAD_TIMER, OutboxKind.WIDGET}


def _modules() -> list[Path]:
    return [p for p in sorted(SOURCE.rglob("*.py")) if "migrations" not in p.parts]


def _builds_a_row(node: ast.AST) -> bool:
    """`OutboxMessage(...)`, or `insert(OutboxMessage)` / `OutboxMessage.__table__`."""
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Name) and func.id == "OutboxMessage":
            return True
        if isinstance(func, ast.Name) and func.id == "insert":
            return any(isinstance(a, ast.Name) and a.id == "OutboxMessage" for a in node.args)
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "__table__"
        and isinstance(node.value, ast.Name)
        and node.value.id == "OutboxMessage"
    )


def test_no_module_but_the_writer_builds_an_outbox_row() -> None:
    offenders = [
        f"{path.relative_to(SOURCE)}:{node.lineno}"
        for path in _modules()
        if path != WRITER
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if _builds_a_row(node)
    ]
    assert offenders == []


def test_the_check_finds_a_row_built_by_hand() -> None:
    tree = ast.parse("session.add(OutboxMessage(kind='x'))\nsession.execute(insert(OutboxMessage))")
    assert sum(1 for node in ast.walk(tree) if _builds_a_row(node)) == 2


def test_every_kind_is_written_and_every_claimed_kind_has_its_handler() -> None:
    text = "\n".join(p.read_text(encoding="utf-8") for p in _modules() if p != WRITER)
    unwritten = [kind.name for kind in OutboxKind if f"OutboxKind.{kind.name}" not in text]
    assert unwritten == []
    unhandled = [k.value for k in OutboxKind if k not in UNCLAIMED and HANDLERS.get(k) is None]
    assert unhandled == []
    assert all(HANDLERS.get(kind) is None for kind in UNCLAIMED)
