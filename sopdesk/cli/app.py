"""The Typer application object and the error handling every command shares."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import typer
from rich.console import Console

from sopdesk.errors import SopdeskError

app = typer.Typer(
    name="sopdesk",
    help="sopdesk: a helpdesk in which a support team's standard operating procedures run "
    "themselves.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True)
out = Console()

F = TypeVar("F", bound=Callable[..., Any])


def friendly(func: F) -> F:
    """Turns a SopdeskError into a red line on stderr and exit code 1, never a traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SopdeskError as exc:
            err.print(f"[red]error:[/red] {exc.message}", highlight=False)
            for detail in exc.errors:
                err.print(f"  {detail}", highlight=False, markup=False)
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def main() -> None:
    # Command modules register themselves on import.
    from sopdesk.cli import commands  # noqa: F401

    app(prog_name="sopdesk")
    sys.exit(0)
