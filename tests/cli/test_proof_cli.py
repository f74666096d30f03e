"""`sopdesk proof export` and `sopdesk proof verify` on real databases: a case's signed proof
verifies, a changed file does not (one red line, exit 1)."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

from sopdesk.desk import load_desk
from sopdesk.domain.clock import ManualClock
from sopdesk.domain.principal import Principal
from sopdesk.engine.new_cases import CreateCase, check_create_case, do_create_case
from sopdesk.packs import pack_path
from sopdesk.store.db import Database


def test_a_case_proof_is_exported_signed_and_verified(
    sopdesk, db: Database, tmp_path: Path
) -> None:
    folder = tmp_path / "desk"
    shutil.copytree(pack_path("starter"), folder)
    desk = load_desk(folder)
    clock = ManualClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    command = CreateCase(
        customer_email="c@example.com",
        subject="Trade-in on hold",
        body="b",
        category="proof-of-purchase-hold",
    )
    plan = check_create_case(db, Principal.system(), desk, command)
    case = do_create_case(db, clock, desk, Principal.system(), command, plan)

    target = tmp_path / "proof.json"
    made = sopdesk(
        "proof", "export", "--case", str(case.id), "--desk", str(folder), "--output", str(target)
    )
    assert made.exit_code == 0, made.output
    signed = json.loads(target.read_text())
    assert signed["desk_version"] == desk.version
    assert [r["playbook"] for r in signed["runs"]] == ["proof-of-purchase-hold"]
    assert sopdesk("proof", "verify", str(target)).exit_code == 0

    signed["runs"][0]["status"] = "done"
    target.write_text(json.dumps(signed))
    refused = sopdesk("proof", "verify", str(target))
    assert refused.exit_code == 1 and "was changed" in refused.output

    as_csv = sopdesk(
        "proof", "export", "--case", str(case.id), "--desk", str(folder), "--format", "csv"
    )
    assert as_csv.exit_code == 0 and as_csv.stdout.startswith("case_id,run_id,playbook,step")
