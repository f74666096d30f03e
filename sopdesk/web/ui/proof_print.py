"""Print-ready proof of compliance: one case (`/cases/{id}/proof`, staff who may see it) or
every run started in a period (`/reports/proof?from=&to=`, leads and admins), as a
standalone page laid out for paper (`@media print`), signed like the JSON and CSV exports with
the desk version and the SHA-256 of the proof's content (the `sha256` of the JSON export of
the same proof, so an auditor can verify a printout against `GET /api/v1/.../proof`).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from sopdesk.engine.compliance import Proof, case_proof, period_proof, summary
from sopdesk.engine.reports import parse_filter
from sopdesk.web.ui.rendering import PageRoute, render
from sopdesk.web.ui.viewer import Rt, Viewer, page_needs

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def _page(request: Request, runtime: Rt, proof: Proof, title: str, api: str) -> Response:
    signed = proof.signed()
    context = {
        "proof": proof,
        "title": title,
        "sha256": signed["sha256"],
        "summary": summary(proof.runs),
        "api": api,
        "desk": runtime.desk,
        "printed_at": runtime.clock.now(),
    }
    return render(request, "proof_print.html", context)


@router.get("/cases/{case_id}/proof", dependencies=[page_needs("cases.read")])
def print_case_proof(request: Request, case_id: int, viewer: Viewer, runtime: Rt) -> Response:
    proof = case_proof(runtime.db, viewer.principal, runtime.desk, case_id)
    title = f"Proof of the SOP, case #{case_id}"
    return _page(request, runtime, proof, title, f"/api/v1/cases/{case_id}/proof")


@router.get("/reports/proof", dependencies=[page_needs("compliance.read")])
def print_period_proof(request: Request, viewer: Viewer, runtime: Rt) -> Response:
    f = parse_filter(dict(request.query_params), runtime.clock.now())
    proof = period_proof(runtime.db, viewer.principal, runtime.desk, f)
    title = f"Proof of compliance, runs started {f.since.date()} to {f.until.date()}"
    query = f"?{request.url.query}" if request.url.query else ""
    return _page(request, runtime, proof, title, f"/api/v1/proof{query}")
