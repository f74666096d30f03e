"""Proof of compliance on SQLite and PostgreSQL: a seed-001 case whose reminder fired three
hours late (the worker was down) shows which steps ran, when, by whom and which was late; the
export is signed (desk version, SHA-256) and verifies; the period export is for leads."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from sopdesk.engine.compliance import verify
from sopdesk.runtime import Runtime
from tests.web.conftest import Persona
from tests.web.test_playbooks_api import _case, _event, _run, _worker


def test_a_late_reminder_is_in_the_proof_and_the_export(
    client: TestClient, people: dict[str, Persona], runtime: Runtime
) -> None:
    admin = people["admin"]
    clock: Any = runtime.clock
    case_id = _case(client, admin, "proof-of-purchase-hold", runtime)
    run = _run(client, admin, case_id)
    run = _event(client, admin, run["id"], {"type": "tick", "item": "all"})  # numbers: the order's
    assert run["step"] == "wait-for-proof"
    started = clock.now()
    clock.set(started + timedelta(weeks=1, hours=3))  # the worker was down for three hours
    _worker(runtime).tick()

    proof = client.get(f"/api/v1/cases/{case_id}/proof", headers=admin.headers).json()
    assert proof["desk_version"] == runtime.desk.version and verify(proof)
    [run_proof] = proof["runs"]
    steps = run_proof["steps"]
    ticks = [s for s in steps if s["kind"] == "tick"]
    assert len(ticks) == 2 and {s["by"] for s in ticks} == {f"agent:{admin.id}"}
    # The V-number and S-number were read from the order: the choice took itself, by the system.
    numbers = [s["what"] for s in steps if s["step"] == "trade-in-numbers"]
    assert any("chose from-order by itself" in what for what in numbers), numbers
    late = [s for s in steps if s["on_time"] is False]
    assert late and all(s["due"] is not None for s in late)
    assert {s["step"] for s in late} >= {"send-reminder"}
    assert all(abs(s["late_seconds"] - 3 * 3600) < 60 for s in late)
    assert all(s["on_time"] is None for s in ticks)  # the SOP set them no due time
    assert run_proof["missed"] == [] and run_proof["complete"] is False  # still running
    assert proof["summary"]["per_sop"]["proof-of-purchase-hold"]["on_time_share"] == 0.0

    tampered = {**proof, "runs": [{**run_proof, "missed": []} for _ in range(2)]}
    assert not verify(tampered)

    exported = client.get(f"/api/v1/cases/{case_id}/proof?format=csv", headers=admin.headers)
    assert exported.status_code == 200
    assert exported.headers["x-sopdesk-desk-version"] == runtime.desk.version
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    reminder = [r for r in rows if r["step"] == "send-reminder" and r["on_time"] == "no"]
    assert reminder and reminder[0]["due"]

    period = client.get("/api/v1/proof?format=json", headers=people["lead"].headers).json()
    assert [r["run_id"] for r in period["runs"]] == [run_proof["run_id"]] and verify(period)
    refused = client.get("/api/v1/proof", headers=people["senior"].headers)
    assert refused.status_code == 403


def test_a_checklist_item_never_ticked_is_a_missed_check(
    client: TestClient, people: dict[str, Persona], runtime: Runtime
) -> None:
    admin = people["admin"]
    case_id = _case(client, admin, "proof-of-purchase-hold", runtime)
    run = _run(client, admin, case_id)
    _event(client, admin, run["id"], {"type": "tick", "item": 0})
    client.post(f"/api/v1/runs/{run['id']}/stop", json={"reason": "r"}, headers=admin.headers)
    [run_proof] = client.get(f"/api/v1/cases/{case_id}/proof", headers=admin.headers).json()["runs"]
    assert len(run_proof["missed"]) == 1 and run_proof["missed"][0].startswith("identify: ")
    assert run_proof["complete"] is False
