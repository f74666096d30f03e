"""Fuzzing the REST API with schemathesis: every operation of the app's OpenAPI document, with
generated input, under each given token; what broke (a 500, an answer unlike its schema).

Used by the bounded test in `make test` and by `bench/fuzz.py` for longer runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# The first case and the first bot question load the triage and embedding models: on a busy
# machine that is seconds, not a hang.
TIMEOUT_SECONDS = 120


@dataclass
class FuzzReport:
    operations: int = 0
    requests: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


def fuzz_api(
    app: Any, tokens: Sequence[str], examples: int, *, derandomize: bool = True
) -> FuzzReport:
    """Runs `examples` generated requests per operation and token against the ASGI app."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    report = FuzzReport()
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path.startswith("/api/v1"):
            report.operations += 1
            _fuzz_operation(operation, tokens, examples, derandomize, report)
    return report


def _fuzz_operation(
    operation: Any, tokens: Sequence[str], examples: int, derandomize: bool, report: FuzzReport
) -> None:
    name = f"{operation.method.upper()} {operation.path}"

    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=derandomize,
        database=None,
    )
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        for token in tokens:
            # Over whatever credentials schemathesis generated for the security scheme.
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
            report.requests += 1
            try:
                response = case.call(timeout=TIMEOUT_SECONDS)
                status = response.status_code
                report.statuses[status] = report.statuses.get(status, 0) + 1
                case.validate_response(response, checks=CHECKS)
            except Exception as exc:  # a failed check: recorded, the walk goes on
                lines = str(exc).strip().splitlines()
                report.failures.append(f"{name}: {type(exc).__name__}: {' | '.join(lines[:6])}")

    run()
