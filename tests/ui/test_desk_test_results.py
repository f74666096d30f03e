"""The last `sopdesk test` run on the admin desk page, and `sopdesk check` warning about a
playbook changed since its scenarios last passed (.sopdesk/test-results.json)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from sopdesk.cli import commands  # noqa: F401  (registers every command)
from sopdesk.cli.app import app
from sopdesk.desk.test_results import RESULTS_FILE
from sopdesk.runtime import Runtime

PLAYBOOK = "proof-of-purchase-hold"


def _test(desk: Path, only: str) -> str:
    result = CliRunner().invoke(app, ["test", str(desk), "-k", only])
    assert result.exit_code in (0, 1), result.output
    return result.output


def recorded_at(desk: Path) -> str:
    return str(json.loads((desk / RESULTS_FILE).read_text())["last_run"]["at"])


def _check(desk: Path) -> str:
    result = CliRunner().invoke(app, ["check", str(desk)])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_admin_page_shows_the_last_run_with_its_counts_version_and_coverage(
    signed_in: Callable[[str], TestClient], runtime: Runtime
) -> None:
    admin = signed_in("admin")
    before = admin.get("/admin/desk").text
    assert "No run recorded yet" in before and 'id="desk-tests"' in before
    desk = runtime.settings.desk
    assert "1 passed, 0 failed" in _test(desk, f"{PLAYBOOK}/approved.yaml")
    page = admin.get("/admin/desk").text
    assert 'data-passed="1" data-failed="0"' in page
    assert "(only scenarios matching “proof-of-purchase-hold/approved.yaml”)" in page
    assert f"<code>{runtime.desk.version[:12]}</code>" in page
    at = datetime.fromisoformat(recorded_at(desk))  # when the run was, in the desk's zone
    local = at.astimezone(ZoneInfo(runtime.desk.timezone)).strftime("%Y-%m-%d %H:%M %Z")
    assert f">{local}</time>" in page and " UTC</time>" not in page
    row = page.split(f'data-coverage="{PLAYBOOK}">', 1)[1].split("</tr>", 1)[0]
    recorded = json.loads((desk / RESULTS_FILE).read_text())["last_run"]
    steps = recorded["coverage"][PLAYBOOK]["steps"]
    assert 0 < steps < 1  # one scenario of five does not reach every step
    assert f"<td>{100 * steps:.0f}%</td>" in row


def test_check_warns_about_a_playbook_changed_since_its_scenarios_passed(
    runtime: Runtime,
) -> None:
    desk = runtime.settings.desk
    assert "no `sopdesk test` run recorded" in _check(desk)
    output = _test(desk, f"scenarios/{PLAYBOOK}/")
    assert "0 failed" in output
    checked = _check(desk)
    assert f"playbook '{PLAYBOOK}'" not in checked  # its scenarios all ran and passed
    assert "playbook 'missing-item': its scenarios have not passed" in checked

    macro = desk / "macros/on-hold.yaml"  # a macro the playbook sends
    macro.write_text(macro.read_text().replace("proof of purchase", "receipt", 1))
    changed = _check(desk)
    assert f"warning: playbook '{PLAYBOOK}' (or a macro it sends) changed since" in changed

    macro_back = macro.read_text().replace("receipt", "proof of purchase", 1)
    macro.write_text(macro_back)
    assert f"playbook '{PLAYBOOK}' (or" not in _check(desk)  # the same content: the same hash


def test_a_failing_scenario_drops_the_playbooks_record(runtime: Runtime) -> None:
    desk = runtime.settings.desk
    _test(desk, f"scenarios/{PLAYBOOK}/")
    scenario = desk / f"scenarios/{PLAYBOOK}/approved.yaml"
    scenario.write_text(scenario.read_text().replace("outcome: approved", "outcome: rejected"))
    assert "1 failed" in _test(desk, f"{PLAYBOOK}/approved.yaml")
    assert f"playbook '{PLAYBOOK}': its scenarios have not passed" in _check(desk)
