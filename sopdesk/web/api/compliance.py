"""Proof of compliance: /api/v1/cases/{id}/proof (staff who may see the case) and
/api/v1/proof (every run started in a period, for an auditor: leads and admins), as signed JSON
(`desk_version`, `sha256` of the content) or CSV (`format=csv`; the same signature in the
`X-Sopdesk-Desk-Version` and `X-Sopdesk-SHA256` headers, the hash of the CSV body)."""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from sopdesk.engine.compliance import Proof, case_proof, period_proof
from sopdesk.engine.reports import parse_filter
from sopdesk.errors import InvalidInput
from sopdesk.web.auth import Caller, Rt
from sopdesk.web.permissions import needs

router = APIRouter(tags=["reports"])
CSV = "text/csv; charset=utf-8"


def _answer(request: Request, proof: Proof, name: str) -> Any:
    wanted = request.query_params.get("format", "json")
    if wanted not in ("json", "csv"):
        raise InvalidInput("format must be json or csv")
    if wanted == "json":
        return proof.signed()
    body = proof.csv()
    return Response(
        body,
        media_type=CSV,
        headers={
            "Content-Disposition": f'attachment; filename="{name}.csv"',
            "X-Sopdesk-Desk-Version": proof.desk_version,
            "X-Sopdesk-SHA256": hashlib.sha256(body.encode()).hexdigest(),
        },
    )


@router.get(
    "/cases/{case_id}/proof",
    dependencies=[needs("cases.read")],
    summary="Proof that the case's SOPs were followed",
)
def proof_of_case(request: Request, case_id: int, caller: Caller, runtime: Rt) -> Any:
    proof = case_proof(runtime.db, caller, runtime.desk, case_id)
    return _answer(request, proof, f"proof-case-{case_id}")


@router.get(
    "/proof",
    dependencies=[needs("compliance.read")],
    summary="Proof of compliance for every run started in a period",
)
def proof_of_period(request: Request, caller: Caller, runtime: Rt) -> Any:
    f = parse_filter(request.query_params, runtime.clock.now())
    proof = period_proof(runtime.db, caller, runtime.desk, f)
    return _answer(request, proof, f"proof-{f.since.date()}-{f.until.date()}")
