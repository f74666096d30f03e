"""`sopdesk demo` on the starter desk: prints the demo sign-in, and a second run adds nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

from sopdesk.packs import pack_path


def test_demo_twice_adds_everything_once(sopdesk, tmp_path: Path) -> None:
    desk = tmp_path / "desk"
    shutil.copytree(pack_path("starter"), desk)

    first = sopdesk("demo", "--desk", str(desk))
    assert first.exit_code == 0, first.output
    assert "8 agents, 4 partners, 300 customers" in first.stdout
    assert "250 orders, 300 cases and 8 bot chats added" in " ".join(first.stdout.split())
    assert "admin@sopdesk.local" in first.stdout and "sopdesk-demo" in first.stdout

    second = sopdesk("demo", "--desk", str(desk))
    assert second.exit_code == 0, second.output
    text = " ".join(second.stdout.split())
    nothing = "0 agents, 0 partners, 0 customers, 0 linked accounts, 0 orders, 0 cases and 0 bot"
    assert nothing + " chats" in text
