"""Triage reads a contact before its intake writes anything (PostgreSQL).

bench/load.py found intakes waiting seconds on each other: triage (CPU work, slow on a busy
machine) ran after the customer row was inserted, so every other intake from that customer
queued behind the uncommitted row. Triage must run while the transaction holds no row lock.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from sopdesk.desk import load_desk
from sopdesk.domain.clock import SystemClock
from sopdesk.domain.principal import Principal
from sopdesk.engine import new_cases
from sopdesk.engine.new_cases import CreateCase, check_create_case, do_create_case
from sopdesk.packs import pack_path
from sopdesk.store.db import Database


def _writing_transactions(db: Database) -> int:
    with db.engine.connect() as conn:
        count = conn.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND backend_xid IS NOT NULL"
            )
        ).scalar()
    return int(count or 0)


def test_triage_runs_before_the_intake_writes_a_row(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    db = Database(postgres_url)
    desk = load_desk(pack_path("starter"))
    seen: list[int] = []

    def triage(desk_: object, subject: str, body: str) -> None:
        seen.append(_writing_transactions(db))
        return None

    monkeypatch.setattr(new_cases, "triage_contact", triage)
    command = CreateCase(
        customer_email="new-customer@example.com", subject="Where is my order?", body="Hi"
    )
    try:
        caller = Principal.system()
        plan = check_create_case(db, caller, desk, command)
        case = do_create_case(db, SystemClock(), desk, caller, command, plan)
        assert case.id > 0
        assert seen == [0], "triage ran while the intake held uncommitted rows"
    finally:
        with db.engine.begin() as conn:
            conn.execute(text("TRUNCATE customers, cases RESTART IDENTITY CASCADE"))
        db.dispose()
