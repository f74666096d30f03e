"""Scenario files of a desk (scenarios/**/*.yaml): reading them and simulating their playbooks.

`sopdesk simulate` and the test suite both go through `run_scenario`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from sopdesk.desk.templates import BY_AUDIENCE, COMMON, render
from sopdesk.domain.desk import Desk
from sopdesk.domain.playbooks.scenario import Scenario
from sopdesk.domain.playbooks.simulation import SimulationResult, scenario_facts, simulate
from sopdesk.errors import InvalidInput, NotFound

FOLDER = "scenarios"


def load_scenario(path: Path) -> Scenario:
    """A scenario file, validated; errors name the file and the field."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InvalidInput(f"{path}: cannot read the scenario: {exc}") from None
    if isinstance(data, dict) and isinstance(data.get("start"), str):
        data["start"] = data["start"].replace(" ", "T", 1)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        details = [
            f"{'.'.join(str(p) for p in e['loc']) or '(top)'}: {e['msg']}" for e in exc.errors()
        ]
        raise InvalidInput(f"{path}: not a valid scenario: " + "; ".join(details)) from None


def scenario_files(desk_dir: Path) -> list[Path]:
    return sorted((desk_dir / FOLDER).rglob("*.yaml"))


def _fill_context(context: Mapping[str, Any]) -> dict[str, Any]:
    """Every placeholder `sopdesk check` allows, empty when the scenario does not give it."""
    filled = dict(context)
    names = {**COMMON, **{n: a for extra in BY_AUDIENCE.values() for n, a in extra.items()}}
    for name, attributes in names.items():
        if attributes:
            known = filled.get(name) or {}
            filled[name] = {**known, **{a: known.get(a, "") for a in attributes}}
    filled.setdefault("recipient", {"name": "", "email": ""})
    return filled


def render_template(template: str, context: Mapping[str, Any]) -> str:
    return render(template, _fill_context(context))


def run_scenario(desk: Desk, scenario: Scenario) -> SimulationResult:
    playbook = desk.playbooks.get(scenario.playbook or "")
    if playbook is None:
        known = ", ".join(sorted(desk.playbooks)) or "none"
        raise NotFound(f"the desk has no playbook '{scenario.playbook}' (known: {known})")
    facts = scenario_facts(scenario, desk.limits.model_dump(), desk.name)
    return simulate(playbook, scenario, desk.business_calendar(), facts, render_template)
