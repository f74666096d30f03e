"""Problems found in a desk folder, and the error that carries them to a user.

Every problem names the file (relative to the desk folder), the line and column (1-based).
"""

from __future__ import annotations

from dataclasses import dataclass

from sopdesk.errors import ConfigError


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.message}"


class DeskError(ConfigError):
    """A desk folder that cannot be loaded; `.errors` holds one "file:line:col: message" each."""

    def __init__(self, message: str, problems: list[Problem]) -> None:
        super().__init__(message)
        self.problems = problems
        # The CLI prints each entry on its own line; the API returns them as a list.
        self.errors = [str(p) for p in problems]  # type: ignore[misc]

    @classmethod
    def from_problems(cls, where: str, problems: list[Problem]) -> DeskError:
        count = len(problems)
        noun = "problem" if count == 1 else "problems"
        return cls(f"the desk at {where} has {count} {noun}", problems)
