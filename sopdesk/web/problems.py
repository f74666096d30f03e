"""RFC 9457 problem+json responses for every error the API can return.

SopdeskError subclasses map to their status; request validation errors to 422 with each field;
an unexpected error is answered by `sopdesk.web.guards.AnswerUnexpected`.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from sopdesk.errors import SopdeskError

PROBLEM = "application/problem+json"


def problem(status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _field_errors(errors: list[Any]) -> list[dict[str, Any]]:
    return [
        {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": e.get("type", "")}
        for e in errors
    ]


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(SopdeskError)
    async def _sopdesk_error(request: Request, exc: SopdeskError) -> JSONResponse:
        extra: dict[str, Any] = {"instance": request.url.path}
        if exc.errors:
            extra["errors"] = exc.errors
        return problem(exc.status, exc.title, exc.message, **extra)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _field_errors(list(exc.errors()))
        fields = ", ".join(
            ".".join(str(p) for p in e["loc"][1:]) or str(e["loc"][0]) for e in errors[:5]
        )
        return problem(
            422,
            "Invalid input",
            f"the request has {len(errors)} invalid field(s): {fields}",
            instance=request.url.path,
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else "request failed"
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"there is nothing at {request.url.path}; see /docs for the API"
        return problem(exc.status_code, _title(exc.status_code), detail, instance=request.url.path)


def _title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
