"""Desk folders on disk: reading, validating and linting them into a `Desk`.

`load_desk` for the app (raises `DeskError`), `check_desk` for `sopdesk check` (lists problems).
"""

from __future__ import annotations

from sopdesk.desk.load import check_desk, load_desk
from sopdesk.desk.problems import DeskError, Problem

__all__ = ["DeskError", "Problem", "check_desk", "load_desk"]
