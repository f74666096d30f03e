"""The playbook panel of a case page: what each run waits for, its options and the events
that fit its step. The acts themselves are in run_actions.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from sopdesk.domain.desk import Desk
from sopdesk.domain.playbooks.interpreter import playbook_version
from sopdesk.engine.playbooks import RunView, list_case_runs
from sopdesk.runtime import Runtime
from sopdesk.web.ui.viewer import AgentViewer


@dataclass(frozen=True)
class RunPanel:
    """A run with what the panel adds: the option labels, events and the steps that follow."""

    run: RunView
    labels: dict[str, str]
    events: dict[str, str]
    prompt: str
    then: list[str]
    records: dict[int, list[str]]


def panel_of(desk: Desk, run: RunView) -> RunPanel:
    playbook = desk.playbooks.get(run.playbook)
    # Only the desk's current definition is at hand; a run on an older version shows less.
    if playbook is None or playbook_version(playbook) != run.version:
        return RunPanel(run, {}, {}, "", [], {})
    step = playbook.step(run.step)
    labels: dict[str, str] = {}
    prompt = ""
    then: list[str] = []
    if step is not None:
        if step.choice is not None:
            prompt = step.choice.prompt
            labels = {k: o.label or k for k, o in step.choice.options.items()}
        index = playbook.steps.index(step)
        for _, target in step.targets(playbook.following(index)):
            nxt = playbook.step(target)
            then.append((nxt.title if nxt and nxt.title else target) if nxt else target)
    records = (
        {i: list(item.record) for i, item in enumerate(step.checklist.items)}
        if step is not None and step.checklist is not None
        else {}
    )
    # Only the event the step waits for fits; offering the others would only be refused.
    events = {k: v for k, v in playbook.events.items() if k == run.waiting_for}
    return RunPanel(run, labels, events, prompt, then, records)


def case_runs_panel(runtime: Runtime, viewer: AgentViewer, case_id: int) -> list[RunPanel]:
    return [
        panel_of(runtime.desk, r) for r in list_case_runs(runtime.db, viewer.principal, case_id)
    ]
