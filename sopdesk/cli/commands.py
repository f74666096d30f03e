"""Imports every command module so that each registers its commands on the app."""

from __future__ import annotations

# ruff: noqa: I001
from sopdesk.cli import serve  # noqa: F401
from sopdesk.cli import db  # noqa: F401
from sopdesk.cli import accounts  # noqa: F401
from sopdesk.cli import partners  # noqa: F401
from sopdesk.cli import imports  # noqa: F401
from sopdesk.cli import demo  # noqa: F401
from sopdesk.cli import desk  # noqa: F401
from sopdesk.cli import playbooks  # noqa: F401
from sopdesk.cli import desk_tests  # noqa: F401
from sopdesk.cli import triage  # noqa: F401
from sopdesk.cli import backup  # noqa: F401
from sopdesk.cli import customers  # noqa: F401
from sopdesk.cli import proof  # noqa: F401
