"""`sopdesk agent add`, `sopdesk token create` and `sopdesk db upgrade` on real databases.

The token printed last authenticates as the agent; mistakes give one red line and exit 1.
"""

from __future__ import annotations

import pytest

from sopdesk.domain.cases import Role
from sopdesk.engine.accounts import authenticate_password, authenticate_token
from sopdesk.errors import Unauthorized
from sopdesk.store.migrate import current_revision, head_revision


def test_db_upgrade_reports_the_head_revision(sopdesk, db) -> None:
    result = sopdesk("db", "upgrade")
    assert result.exit_code == 0, result.output
    assert f"is at revision {head_revision()}" in result.stdout
    assert current_revision(db.engine) == head_revision()


def test_agent_add_then_token_create_prints_a_working_token_last(sopdesk, db) -> None:
    added = sopdesk(
        "agent", "add", "--email", "Ana@Example.com", "--name", "Ana Ruiz", "--level", "3",
        "--role", "lead", "--role", "approver", "--password", "correct horse battery",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "Added agent ana@example.com" in added.stdout

    result = sopdesk("token", "create", "--agent", "ana@example.com", "--name", "laptop")
    assert result.exit_code == 0, result.output
    token = result.stdout.split()[-1]
    assert token.startswith("sdk_")
    principal = authenticate_token(db, token)
    assert (principal.name, principal.level) == ("Ana Ruiz", 3)
    assert principal.roles == frozenset({Role.AGENT, Role.LEAD, Role.APPROVER})
    assert authenticate_password(db, "ana@example.com", "correct horse battery").id == principal.id
    with pytest.raises(Unauthorized):
        authenticate_token(db, token[:-1] + ("A" if token[-1] != "A" else "B"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--password", "short"], "password: String should have at least 10 characters"),
        (["--email", "not-an-email"], "email: value is not a valid email address"),
        (["--role", "boss"], "'boss' is not one of"),
    ],
)
def test_agent_add_refuses_bad_input(sopdesk, args, message) -> None:
    base = {"--email": "x@example.com", "--name": "X"}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    result = sopdesk("agent", "add", *[part for pair in base.items() for part in pair])
    assert result.exit_code in (1, 2)
    assert message in result.output
    assert "Traceback" not in result.output


def test_duplicate_agent_and_unknown_token_agent_are_one_red_line(sopdesk) -> None:
    assert sopdesk("agent", "add", "--email", "x@example.com", "--name", "X").exit_code == 0
    again = sopdesk("agent", "add", "--email", "x@example.com", "--name", "X")
    assert again.exit_code == 1
    assert again.stderr.strip() == "error: an agent with e-mail x@example.com already exists (id 1)"
    missing = sopdesk("token", "create", "--agent", "nobody@example.com")
    assert missing.exit_code == 1
    assert "no agent with e-mail nobody@example.com" in missing.stderr


def test_an_unreachable_database_is_a_friendly_error(sopdesk, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("SOPDESK_DATABASE_URL", f"sqlite:///{tmp_path}/missing/dir/x.db")
    result = sopdesk("db", "upgrade")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: cannot open the database sqlite:///")
