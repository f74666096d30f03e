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
from sopdesk.domain.playbooks.simulation import SimulationResult, simulate
from sopdesk.domain.playbooks.world import scenario_facts
from sopdesk.errors import InvalidInput, NotFound

FOLDER = "scenarios"


def _line(root: yaml.Node | None, loc: tuple[Any, ...]) -> int:
    """The 1-based line of the YAML node at `loc` (or of the nearest parent that exists)."""
    node, line = root, 1
    for part in loc:
        if node is None:
            break
        line = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            node = node.value[part] if part < len(node.value) else None
        else:
            node = None
    return node.start_mark.line + 1 if node is not None else line


def load_scenario(path: Path) -> Scenario:
    """A scenario file, validated; errors name the file, the line and the field."""
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InvalidInput(f"{path}: cannot read the scenario: {exc}") from None
    if isinstance(data, dict) and isinstance(data.get("start"), str):
        data["start"] = data["start"].replace(" ", "T", 1)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        details = [
            f"{path}:{_line(root, tuple(e['loc']))}: "
            f"{'.'.join(str(p) for p in e['loc']) or '(top)'}: {e['msg']}"
            for e in exc.errors()
        ]
        raise InvalidInput("not a valid scenario: " + "; ".join(details)) from None


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
    calendar = desk.business_calendar()
    facts = scenario_facts(scenario, desk.limits.model_dump(), desk.name, calendar, desk=desk)
    return simulate(playbook, scenario, calendar, facts, render_template)
