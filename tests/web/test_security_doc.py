"""docs/security.md shows the permission policy and every route's permission, both generated:
a change to sopdesk.domain.policy or to a route's declared permission without the doc fails here.

Rewrite the tables with `.venv/bin/python -m tests.web.test_security_doc`.
"""

from __future__ import annotations

import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from sopdesk.desk import load_desk
from sopdesk.domain.clock import ManualClock
from sopdesk.domain.policy import markdown_table
from sopdesk.packs import pack_path
from sopdesk.runtime import Runtime
from sopdesk.settings import Settings
from sopdesk.store.db import Database
from sopdesk.web.app import create_app
from sopdesk.web.permissions import route_table

DOC = Path(__file__).resolve().parent.parent.parent / "docs" / "security.md"


def _app_routes() -> str:
    with tempfile.TemporaryDirectory() as folder:
        desk = pack_path("starter")
        url = f"sqlite:///{folder}/routes.db"
        # A key of its own: the app would otherwise store one in the pack folder itself.
        settings = Settings(desk=desk, database_url=url, secret_key="route-table-only")
        db = Database(url)
        try:
            clock = ManualClock(datetime(2026, 12, 1, tzinfo=UTC))
            runtime = Runtime(settings=settings, db=db, desk=load_desk(desk), clock=clock)
            return route_table(create_app(runtime))
        finally:
            db.dispose()


def tables() -> dict[str, str]:
    return {"policy-table": markdown_table(), "route-table": _app_routes()}


def _between(text: str, name: str) -> str:
    found = re.search(f"<!-- {name}:start -->\n(.*?)<!-- {name}:end -->", text, re.S)
    assert found, f"docs/security.md lost its <!-- {name}:start --> ... end markers"
    return found.group(1)


def test_the_doc_shows_the_policy_and_every_route_as_the_code_has_them() -> None:
    text = DOC.read_text(encoding="utf-8")
    for name, table in tables().items():
        assert _between(text, name) == table, (
            f"docs/security.md's {name} is out of date: run python -m tests.web.test_security_doc"
        )


def test_the_route_table_names_no_route_without_a_permission() -> None:
    assert "`NONE`" not in _app_routes()


if __name__ == "__main__":
    text = DOC.read_text(encoding="utf-8")
    for name, table in tables().items():
        old = _between(text, name)
        text = text.replace(f"<!-- {name}:start -->\n{old}", f"<!-- {name}:start -->\n{table}")
    DOC.write_text(text, encoding="utf-8")
    print(f"rewrote {DOC}")
