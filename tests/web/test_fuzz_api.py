"""schemathesis against the app's own OpenAPI document, as an admin and as a level-1 agent, on
SQLite and PostgreSQL: no answer is a 500 and every answer matches its declared schema.

Bounded so that it fits `make test` (FUZZ_EXAMPLES per operation); `bench/fuzz.py` runs longer.
schemathesis' own pytest plugin does not run under pytest 9, so the operations are walked here.
"""

from __future__ import annotations

from fastapi.testclient import TestClient

from sopdesk.runtime import Runtime
from sopdesk.web.app import create_app
from tests.web.conftest import Persona
from tests.web.fuzzing import fuzz_api

FUZZ_EXAMPLES = 3


def test_no_500_and_every_answer_matches_its_schema(
    runtime: Runtime, people: dict[str, Persona]
) -> None:
    app = create_app(runtime)
    with TestClient(app):  # the lifespan runs once, as under `sopdesk serve`
        report = fuzz_api(app, [people["admin"].token, people["agent"].token], FUZZ_EXAMPLES)
    assert report.failures == [], "\n".join(report.failures[:20])
    assert report.operations >= 35 and report.requests >= report.operations
