"""Desk tests on the real engine: determinism (twice, SQLite and PostgreSQL), the named
approver's rule, captured mail text, a broken scenario file, and `sopdesk test`."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select
from typer.testing import CliRunner

from sopdesk.cli import commands  # noqa: F401  (registers every command)
from sopdesk.cli.app import app
from sopdesk.desk import load_desk
from sopdesk.desk.scenarios import load_scenario
from sopdesk.desktests.pool import run_scenarios
from sopdesk.desktests.runner import run_engine_scenario, run_on
from sopdesk.desktests.throwaway import throwaway_database
from sopdesk.domain.desk import Desk
from sopdesk.domain.playbooks.scenario import Scenario
from sopdesk.domain.playbooks.simulation import SimulationResult
from sopdesk.errors import InvalidInput
from sopdesk.packs import pack_path
from sopdesk.store.db import Database
from sopdesk.store.models import Case, Customer

STARTER = pack_path("starter")
APPROVED = STARTER / "scenarios/proof-of-purchase-hold/approved.yaml"


@pytest.fixture(scope="module")
def desk() -> Desk:
    return load_desk(STARTER)


def timeline(result: SimulationResult) -> str:
    """The run's timeline as text, ids normalised."""
    lines = [f"{e.at.isoformat()} {e.step} {e.what} {e.text}" for e in result.entries]
    mails = [
        f"{m['at'].isoformat()} {m['to']} {m['subject']}\n{m['body']}"
        for m in result.world["mails"]
    ]
    return re.sub(r"\bid \d+", "id N", "\n".join([*lines, *mails]))


def scenario(data: dict[str, object]) -> Scenario:
    return Scenario.model_validate({"start": "2026-11-23T09:00", **data})


def test_the_same_scenario_gives_the_same_timeline_twice_and_on_both_databases(
    desk: Desk, db: Database, tmp_path: Path
) -> None:
    parsed = load_scenario(APPROVED)
    first = timeline(run_engine_scenario(desk, parsed))
    assert first == timeline(run_engine_scenario(desk, parsed))
    assert (
        timeline(run_on(db, desk, parsed, tmp_path / "blobs")) == first
    )  # db: SQLite and PostgreSQL


def test_a_rejection_by_someone_who_is_not_the_named_approver_is_refused(desk: Desk) -> None:
    result = run_engine_scenario(
        desk,
        scenario(
            {
                "playbook": "proof-of-purchase-hold",
                "case": {"category": "proof-of-purchase-hold"},
                "agents": {"kim": {"name": "Kim", "level": 2, "roles": ["agent", "approver"]}},
                "events": [
                    {"at": "day 0 09:10", "tick": "all"},
                    {
                        "at": "day 0 09:11",
                        "tick": "all",
                        "values": {"v_number": "V-1", "s_number": "S-2"},
                    },
                    {"at": "day 1 10:00", "reply": "customer"},
                    {"at": "day 1 11:00", "reject": "Fake", "by": "kim", "expect": "refused"},
                ],
                "expect": [{"refused": "only Arvin"}, {"status": "waiting"}],
            }
        ),
    )
    assert result.unmet == []
    assert any("reject by kim: only Arvin" in text for text in result.world["refused"])


def test_an_unexpected_refusal_and_a_mail_never_sent_are_named(desk: Desk) -> None:
    result = run_engine_scenario(
        desk,
        scenario(
            {
                "playbook": "proof-of-purchase-hold",
                "case": {"category": "proof-of-purchase-hold"},
                "events": [{"at": "day 0 09:10", "approve": "ok"}],
                "expect": [
                    {"mail": {"to": "customer", "macro": "on-hold-reminder"}},
                    {"sent": {"macro": "on-hold-reminder"}},
                ],
            }
        ),
    )
    assert any(p.startswith("approve at day 0 by agent:") for p in result.unmet)
    missing = next(p for p in result.unmet if p.startswith("mail:"))
    assert "the run went" in missing and "identify" in missing
    never_sent = next(p for p in result.unmet if p.startswith("sent:"))
    assert "the run went identify" in never_sent


def test_captured_mail_carries_the_rendered_text_and_recipient(desk: Desk) -> None:
    result = run_engine_scenario(desk, load_scenario(APPROVED))
    to_arvin = [m for m in result.world["mails"] if m["to"] == "arvin@example.com"]
    assert len(to_arvin) == 1 and "V-1001 | S-2002" in to_arvin[0]["body"]
    assert result.world["chats"][0]["channel"] == "#cs-handling"
    assert result.world["case"]["column"] == "pre-check"


def test_a_broken_scenario_file_names_the_file_and_field(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(
        "# a broken scenario\n"
        "playbook: proof-of-purchase-hold\n"
        "start: 2026-11-23 09:00\n"
        "events:\n"
        "  - {at: day 0, tick: 1, choose: a}\n"
    )
    with pytest.raises(InvalidInput, match=r"broken.yaml:5: events\.0"):
        load_scenario(path)


def test_sopdesk_test_runs_one_scenario_and_writes_junit(tmp_path: Path) -> None:
    report = tmp_path / "junit.xml"
    desk_dir = tmp_path / "desk"  # a copy: the run is recorded in the desk's .sopdesk/
    shutil.copytree(STARTER, desk_dir)
    result = CliRunner().invoke(
        app, ["test", str(desk_dir), "-k", "approved", "--junit", str(report)]
    )
    assert result.exit_code == 0, result.output
    assert "1 passed, 0 failed" in result.output
    assert 'tests="1" failures="0"' in report.read_text()


def test_sopdesk_test_exits_1_on_a_failing_scenario(tmp_path: Path) -> None:
    desk_dir = tmp_path / "desk"
    shutil.copytree(STARTER, desk_dir)
    bad = yaml.safe_load(APPROVED.read_text())
    bad["expect"] = [{"outcome": "rejected"}]
    (desk_dir / "scenarios/bad.yaml").write_text(yaml.safe_dump(bad))
    result = CliRunner().invoke(app, ["test", str(desk_dir), "-k", "bad"])
    assert result.exit_code == 1
    assert "outcome: expected rejected" in result.output


ATTACHED = STARTER / "scenarios/proof-of-purchase-hold/proof-as-attachment.yaml"
MATRIX = STARTER / "scenarios/routing/matrix-offenses.yaml"


@pytest.mark.parametrize("path", [ATTACHED, MATRIX], ids=["attachments", "matrix"])
def test_attachments_and_a_matrix_give_the_same_run_on_both_databases(
    desk: Desk, db: Database, tmp_path: Path, path: Path
) -> None:
    parsed = load_scenario(path)
    alone = run_engine_scenario(desk, parsed)
    here = run_on(db, desk, parsed, tmp_path / "blobs")  # db: SQLite and PostgreSQL
    assert here.unmet == [] and timeline(here) == timeline(alone)
    assert here.world["attachments"] == alone.world["attachments"]
    assert here.world["matrix"] == alone.world["matrix"]


def test_an_attachment_is_a_stored_blob_the_approver_sees_and_a_wrong_one_is_named(
    desk: Desk,
) -> None:
    data = yaml.safe_load(ATTACHED.read_text())
    data["expect"] = [
        {"attachment": {"name": "receipt.pdf", "size": 48213, "seen_by": ["arvin"]}},
        {"attachment": {"name": "receipt.pdf", "size": 1}},
        {"attachment": {"name": "note.txt", "seen_by": ["nobody"]}},
    ]
    result = run_engine_scenario(desk, Scenario.model_validate(data))
    files = {f["name"]: f for f in result.world["attachments"]}
    assert files["receipt.pdf"]["stored"] and files["note.txt"]["size"] == 29
    assert "arvin" in files["receipt.pdf"]["seen_by"]
    assert len(result.unmet) == 2
    assert result.unmet[0].startswith("attachment: none with name receipt.pdf, size 1 (files: ")
    assert "seen_by ['nobody']" in result.unmet[1]


def test_only_a_customer_message_carries_attachments(tmp_path: Path) -> None:
    path = tmp_path / "attached.yaml"
    path.write_text(
        "start: 2026-11-23 09:00\n"
        "events:\n"
        "  - at: day 0 10:00\n"
        "    agent_reply: Hello\n"
        "    attachments: [{name: x.pdf}]\n"
    )
    with pytest.raises(InvalidInput, match=r"attached.yaml:3: events\.0: .*only a customer's"):
        load_scenario(path)


def test_a_matrix_row_routed_elsewhere_names_what_routing_said(desk: Desk) -> None:
    result = run_engine_scenario(
        desk,
        scenario(
            {
                "case": {"category": "spam"},
                "matrix": [
                    {"category": "dnr", "level": 1},
                    {
                        "category": "dnr",
                        "customer": {
                            "name": "Bo",
                            "email": "bo@example.com",
                            "phone": "+12025550101",
                        },
                        "earlier_cases": [
                            {"category": "dnr", "email": "b@example.com", "phone": "+12025550101"}
                        ],
                        "level": 1,
                    },
                ],
            }
        ),
    )
    assert len(result.unmet) == 1
    problem = result.unmet[0]
    assert problem.startswith("matrix row 2 (dnr): level 3, not 1, category 'multiple-dnr', not")
    assert "2nd dnr claim" in problem and "same phone +12025550101" in problem


def test_each_run_starts_on_an_empty_database_and_a_second_one_at_once_gets_its_own(
    desk: Desk,
) -> None:
    run_engine_scenario(desk, load_scenario(APPROVED))  # leaves a case, mails, a ledger
    with throwaway_database() as (first, _):
        with first.transaction(write=False) as session:
            assert session.scalar(select(func.count()).select_from(Case)) == 0
        with first.transaction() as session:
            session.add(Customer(name="Left behind", created_at=datetime(2026, 11, 23, tzinfo=UTC)))
        with throwaway_database() as (second, _):  # while the first is held (two threads)
            assert second.url != first.url
            with second.transaction(write=False) as session:
                assert session.scalar(select(func.count()).select_from(Customer)) == 0
    with throwaway_database() as (again, _), again.transaction(write=False) as session:
        assert session.scalar(select(func.count()).select_from(Customer)) == 0


def test_scenarios_side_by_side_give_the_verdicts_and_timelines_of_one_by_one(desk: Desk) -> None:
    files = sorted((STARTER / "scenarios" / "proof-of-purchase-hold").glob("*.yaml"))[:4]
    seen: list[Path] = []
    parallel = run_scenarios(desk, files, jobs=2, done=lambda o: seen.append(o.path))
    serial = run_scenarios(desk, files, jobs=1)
    assert [o.path for o in parallel] == files == [o.path for o in serial]
    assert sorted(seen) == sorted(files)  # each one reported as it finished
    for side, alone in zip(parallel, serial, strict=True):
        assert side.result is not None and alone.result is not None
        assert side.problems == alone.problems == []
        assert timeline(side.result) == timeline(alone.result)
