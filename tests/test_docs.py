"""The docs keep up with the code: every command and flag in docs/cli.md, every setting in
docs/configuration.md. A new command or setting without its documentation fails here."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer

from sopdesk.cli import commands  # noqa: F401  (registers every command)
from sopdesk.cli.app import app
from sopdesk.settings import Settings

DOCS = Path(__file__).resolve().parent.parent / "docs"


def walk(command: Any, path: str) -> Iterator[tuple[str, Any]]:
    """Typer vendors its own click, so groups are found by their `commands`, not by class."""
    yield path, command
    for name, sub in (getattr(command, "commands", None) or {}).items():
        yield from walk(sub, f"{path} {name}")


def all_commands() -> list[tuple[str, Any]]:
    return [(p, c) for p, c in walk(typer.main.get_command(app), "sopdesk") if p != "sopdesk"]


def test_the_walk_finds_the_commands_it_should() -> None:
    found = {path for path, _ in all_commands()}
    assert {"sopdesk serve", "sopdesk import orders", "sopdesk token create"} <= found


def test_every_command_and_flag_is_in_cli_md() -> None:
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    missing = []
    for path, command in all_commands():
        if f"`{path}" not in text:
            missing.append(path)
        for param in command.params:
            missing.extend(
                f"{path} {opt}"
                for opt in param.opts
                if opt.startswith("--") and opt != "--help" and opt not in text
            )
    assert missing == [], f"document these in docs/cli.md: {missing}"


def test_every_setting_is_in_configuration_md() -> None:
    text = (DOCS / "configuration.md").read_text(encoding="utf-8")
    missing = [
        name
        for name in Settings.model_fields
        if f"`{name}`" not in text or f"`SOPDESK_{name.upper()}`" not in text
    ]
    assert missing == [], f"document these settings in docs/configuration.md: {missing}"
