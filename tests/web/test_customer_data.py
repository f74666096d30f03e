"""A customer's data requests: export (a zip with JSON and attachments) and erase (admins
only), over the API and the CLI, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from sopdesk.cli import commands  # noqa: F401  (registers every command)
from sopdesk.cli.app import app
from sopdesk.runtime import Runtime
from sopdesk.store.blobs import BlobStore
from sopdesk.store.models import Attachment, Case, CaseEvent, CustomerAudit
from tests.web.conftest import Persona


def _case_with_file(client: TestClient, admin: Persona, runtime: Runtime) -> dict[str, Any]:
    high = next(c for c in runtime.desk.categories.values() if c.offense)
    body = {
        "customer_email": "erin@example.com",
        "customer_name": "Erin Private",
        "subject": "My secret address is 1 Hidden Lane",
        "body": "Call me on +49 30 5550000, lot number hidden-lot",
        "category": high.slug,
    }
    case = client.post("/api/v1/cases", json=body, headers=admin.headers).json()
    blob = BlobStore(runtime.settings.attachments_path).write_bytes(b"%PDF-1.4 receipt")
    with runtime.db.transaction() as session:
        event = session.scalar(select(CaseEvent.id).where(CaseEvent.case_id == case["id"]))
        session.add(
            Attachment(
                case_id=case["id"],
                event_id=event,
                filename="receipt.pdf",
                content_type="application/pdf",
                size=blob.size,
                sha256=blob.sha256,
                created_at=runtime.clock.now(),
            )
        )
    return dict(case)


def test_export_holds_everything_and_erase_removes_it(
    client: TestClient, people: dict[str, Persona], runtime: Runtime
) -> None:
    admin = people["admin"]
    case = _case_with_file(client, admin, runtime)
    customer = case["customer_id"]
    exported = client.get(f"/api/v1/customers/{customer}/export", headers=people["agent"].headers)
    assert exported.status_code == 200
    assert exported.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(exported.content))
    document = json.loads(archive.read("customer.json"))
    assert document["customer"]["email"] == "erin@example.com"
    assert document["cases"][0]["subject"] == "My secret address is 1 Hidden Lane"
    assert any("hidden-lot" in (e["body"] or "") for e in document["cases"][0]["timeline"])
    names = archive.namelist()
    assert any(n.endswith("-receipt.pdf") for n in names)
    refused = client.post(f"/api/v1/customers/{customer}/erase", headers=people["lead"].headers)
    assert refused.status_code == 403
    erased = client.post(f"/api/v1/customers/{customer}/erase", headers=admin.headers)
    assert erased.status_code == 200, erased.text
    counts = erased.json()["offense_counts"]
    assert sum(counts.values()) == 1
    with runtime.db.transaction(write=False) as session:
        bodies = list(
            session.scalars(select(CaseEvent.body).where(CaseEvent.case_id == case["id"]))
        )
        assert not any("hidden-lot" in (b or "") for b in bodies)
        assert session.scalar(select(Case.subject).where(Case.id == case["id"])) == "[erased]"
        assert list(session.scalars(select(Attachment.id))) == []
        audit = session.scalar(select(CustomerAudit).where(CustomerAudit.kind == "erase"))
        assert audit is not None and audit.data["offense_counts"] == counts
    blobs = list(runtime.settings.attachments_path.rglob("*"))
    assert not [p for p in blobs if p.is_file() and p.read_bytes() == b"%PDF-1.4 receipt"]
    record = client.get(f"/api/v1/customers/{customer}/record", headers=admin.headers).json()
    assert record["identities"] == [] and record["customer"]["email"] is None
    # The search index forgot the text too.
    found = client.get("/api/v1/search", params={"q": "hidden"}, headers=admin.headers).json()
    assert found["cases"] == []
    again = client.post(f"/api/v1/customers/{customer}/erase", headers=admin.headers)
    assert again.status_code == 409


def test_the_cli_exports_and_erases(
    client: TestClient, people: dict[str, Persona], runtime: Runtime, tmp_path: Any
) -> None:
    case = _case_with_file(client, people["admin"], runtime)
    customer = str(case["customer_id"])
    flags = ["--desk", str(runtime.settings.desk), "--database-url", runtime.db.url]
    target = tmp_path / "out.zip"
    runner = CliRunner()
    done = runner.invoke(app, ["customer", "export", customer, "--out", str(target), *flags])
    assert done.exit_code == 0, done.output
    assert "customer.json" in zipfile.ZipFile(target).namelist()
    unconfirmed = runner.invoke(app, ["customer", "erase", customer, *flags])
    assert unconfirmed.exit_code == 1 and "--yes" in unconfirmed.output
    erased = runner.invoke(app, ["customer", "erase", customer, "--yes", *flags])
    assert erased.exit_code == 0, erased.output
    assert "Erased customer" in erased.output
