"""/api/v1/reports: every report as JSON (or CSV with ?format=csv), and the payout adjustment
export per shop. Agents of level 2+, leads and admins only."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from sopdesk.engine.report_exports import PAYOUT_COLUMNS, payout_adjustments, report_csv
from sopdesk.engine.reports import REPORTS, parse_filter, require_report_reader, run_report
from sopdesk.errors import InvalidInput
from sopdesk.web.auth import Caller, Rt
from sopdesk.web.permissions import needs

router = APIRouter(prefix="/reports", tags=["reports"])
CSV = "text/csv; charset=utf-8"


def _format(request: Request) -> str:
    wanted = request.query_params.get("format", "json")
    if wanted not in ("json", "csv"):
        raise InvalidInput("format must be json or csv")
    return wanted


def _csv(body: str, name: str) -> Response:
    disposition = f'attachment; filename="{name}.csv"'
    return Response(body, media_type=CSV, headers={"Content-Disposition": disposition})


@router.get("", dependencies=[needs("reports.read")], summary="List the reports")
def list_reports(caller: Caller, runtime: Rt) -> dict[str, Any]:
    require_report_reader(caller)
    return {"items": [*REPORTS, "payouts"]}


@router.get(
    "/payouts",
    dependencies=[needs("reports.read")],
    summary="Payout adjustments per shop for a period (CSV or JSON)",
)
def payouts(request: Request, caller: Caller, runtime: Rt) -> Any:
    wanted = _format(request)
    f = parse_filter(request.query_params, runtime.clock.now())
    export = payout_adjustments(runtime.db, caller, f)
    if wanted == "csv":
        return _csv(export.csv(), f"payouts-{f.since.date()}-{f.until.date()}")
    return {
        "since": f.since.isoformat(),
        "until": f.until.isoformat(),
        "items": [dict(zip(PAYOUT_COLUMNS, row, strict=True)) for row in export.rows],
        "totals": [
            {"shop_id": shop, "currency": currency, "amount": f"{amount:.2f}"}
            for (shop, currency), amount in sorted(export.totals.items())
        ],
    }


@router.get(
    "/{name}",
    dependencies=[needs("reports.read")],
    summary="One report (JSON, or CSV with ?format=csv)",
)
def report(name: str, request: Request, caller: Caller, runtime: Rt) -> Any:
    wanted = _format(request)
    now = runtime.clock.now()
    f = parse_filter(request.query_params, now)
    found = run_report(runtime.db, caller, name, f, now)
    if wanted == "csv":
        return _csv(report_csv(found), name)
    return {
        "name": found.name,
        "title": found.title,
        "since": f.since.isoformat(),
        "until": f.until.isoformat(),
        "columns": list(found.columns),
        "items": found.records(),
    }
