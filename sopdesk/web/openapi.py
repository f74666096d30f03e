"""The OpenAPI document as the API behaves: every operation declares the problem answers it can
give (401, 403, 404, 409, 413, 422, 429) as `application/problem+json` with one Problem schema.

FastAPI by itself declares only 200 and a 422 of its own shape; schemathesis holds us to this.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

PROBLEM_TYPE = "application/problem+json"
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "An RFC 9457 problem document; `detail` says what to do.",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {"type": "array", "items": {"type": ["string", "integer"]}},
                    "msg": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
    },
}
WHY = {
    "401": "No API token, or one that is unknown, revoked or of an inactive agent.",
    "403": "The token's agent may not do this (role or case level).",
    "404": "Something the request names does not exist (or is not yours to see).",
    "409": "It conflicts with what is stored (already exists, changed meanwhile).",
    "413": "The request body is larger than the desk accepts.",
    "422": "Invalid input: a field, a NUL character, a number too large; see `errors`.",
    "429": "Too many requests from this address; wait and try again.",
}
RATE_LIMITED = ("/api/v1/bot",)  # per-address limits (sopdesk.web.api.bot)
WRITES = {"post", "put", "patch", "delete"}


def problem_codes(path: str, method: str, operation: dict[str, Any]) -> list[str]:
    """The problem statuses an operation can answer, from what it is and how it is guarded."""
    codes = ["404", "422"]  # an unknown id anywhere in a request; input checked at the edge
    if operation.get("security"):
        codes += ["401", "403"]
    if method in WRITES:
        codes += ["409", "413"]
    if path.startswith(RATE_LIMITED):
        codes.append("429")
    return sorted(codes)


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Problem"] = PROBLEM_SCHEMA
        for name in ("HTTPValidationError", "ValidationError"):
            components.pop(name, None)
        answer = {PROBLEM_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for path, operations in schema.get("paths", {}).items():
            for method, operation in operations.items():
                responses = operation.setdefault("responses", {})
                for code in problem_codes(path, method, operation):
                    responses[code] = {"description": WHY[code], "content": answer}
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
