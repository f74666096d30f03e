"""The desk's record of its last `sopdesk test` run: `.sopdesk/test-results.json` in the desk
folder, next to the database and attachments the desk keeps there.

It holds the last run (when, desk version, passed and failed counts, coverage) and, for each
playbook whose scenarios all passed, a content hash of the playbook and the macros it sends.
`sopdesk check` compares those hashes with the desk as it is now and warns about each
playbook that changed since its scenarios last passed; the admin desk page shows the last run.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sopdesk.desk.scenarios import load_scenario, scenario_files
from sopdesk.domain.desk import Desk
from sopdesk.domain.desk.playbook import Playbook
from sopdesk.errors import InvalidInput

RESULTS_FILE = Path(".sopdesk") / "test-results.json"


class PlaybookCoverage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    steps: float  # the share of steps some scenario reached, 0..1
    branches: float  # the share of branches some scenario took, 0..1


class DeskTestRun(BaseModel):
    """One `sopdesk test` run, as the admin page shows it."""

    model_config = ConfigDict(extra="ignore")

    at: datetime
    desk_version: str
    passed: int
    failed: int
    only: str | None = None  # the -k filter, when the run was not the whole suite
    coverage: dict[str, PlaybookCoverage] = Field(default_factory=dict)


class DeskTestResults(BaseModel):
    model_config = ConfigDict(extra="ignore")

    last_run: DeskTestRun | None = None
    # playbook slug -> {"hash": content hash, "at": when its scenarios last all passed}
    passed: dict[str, dict[str, str]] = Field(default_factory=dict)


def _macros_of(node: Any) -> set[str]:
    """Every macro a playbook's steps name (sends, reminders, tasks, confirmations)."""
    if isinstance(node, dict):
        found = {v for k, v in node.items() if k == "macro" and isinstance(v, str)}
        for value in node.values():
            found |= _macros_of(value)
        return found
    if isinstance(node, list):
        return set().union(*(_macros_of(v) for v in node)) if node else set()
    return set()


def playbook_hash(desk: Desk, playbook: Playbook) -> str:
    """sha256 of the playbook and of each macro it sends, as the desk read them."""
    dumped = playbook.model_dump(mode="json")
    macros = {
        slug: desk.macros[slug].model_dump(mode="json")
        for slug in sorted(_macros_of(dumped))
        if slug in desk.macros
    }
    text = json.dumps({"playbook": dumped, "macros": macros}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_results(folder: Path) -> DeskTestResults:
    """The recorded results; an absent or unreadable file is no record (never an error)."""
    path = folder / RESULTS_FILE
    try:
        return DeskTestResults.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValidationError):
        return DeskTestResults()


def record_run(
    folder: Path, desk: Desk, run: DeskTestRun, outcomes: dict[str, list[bool]]
) -> DeskTestResults:
    """Writes the run; `outcomes` are the verdicts (True: passed) of each playbook's scenarios
    that ran. A playbook whose scenarios all ran (`-k` may leave some out) and all passed gets
    its current hash recorded; one with a failing scenario loses its record."""
    results = read_results(folder)
    results.last_run = run
    counts = scenario_playbooks(folder)
    for slug, verdicts in outcomes.items():
        playbook = desk.playbooks.get(slug)
        if playbook is None:
            continue
        if not all(verdicts):
            results.passed.pop(slug, None)
        elif len(verdicts) >= counts[slug]:
            at = run.at.isoformat()
            results.passed[slug] = {"hash": playbook_hash(desk, playbook), "at": at}
    path = folder / RESULTS_FILE
    path.parent.mkdir(exist_ok=True)
    path.write_text(results.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return results


def scenario_playbooks(folder: Path) -> Counter[str]:
    """How many of the desk's scenario files are about each playbook (a file that does not
    read is `sopdesk test`'s to report)."""
    slugs: Counter[str] = Counter()
    for path in scenario_files(folder):
        try:
            playbook = load_scenario(path).playbook
        except InvalidInput:
            continue
        if playbook is not None:
            slugs[playbook] += 1
    return slugs


def changed_playbooks(folder: Path, desk: Desk) -> list[str]:
    """Warnings, one per playbook that has scenarios and changed (or never passed) since its
    scenarios last passed in `sopdesk test`."""
    results = read_results(folder)
    with_scenarios = set(scenario_playbooks(folder))
    if results.last_run is None and with_scenarios:
        return [
            f"no `sopdesk test` run recorded in {RESULTS_FILE}: the scenarios of "
            f"{len(with_scenarios)} playbooks have not passed here yet"
        ]
    warnings = []
    for slug in sorted(with_scenarios & set(desk.playbooks)):
        recorded = results.passed.get(slug)
        if recorded is None:
            warnings.append(
                f"playbook '{slug}': its scenarios have not passed since it was written"
            )
        elif recorded.get("hash") != playbook_hash(desk, desk.playbooks[slug]):
            warnings.append(
                f"playbook '{slug}' (or a macro it sends) changed since its scenarios last "
                f"passed on {recorded.get('at', '?')[:16].replace('T', ' ')}"
            )
    return warnings
