"""Lints of a playbook's flow: targets that exist, steps that can be reached, waits that end.

A cycle must pass through a step that pauses on a clock (wait, approval, waiting task).
"""

from __future__ import annotations

from sopdesk.desk.load import Source
from sopdesk.desk.problems import Problem
from sopdesk.domain.desk import Playbook
from sopdesk.domain.desk.playbook import BUILTIN_EVENTS, Step


def _target_path(step: Step, index: int, field: str) -> tuple[str | int, ...]:
    if field.startswith("choice.options."):
        key = field.removeprefix("choice.options.")
        return ("steps", index, "choice", "options", key)
    return ("steps", index, field)


def _edges(playbook: Playbook) -> dict[str, list[str]]:
    ids = {s.id for s in playbook.steps}
    graph: dict[str, list[str]] = {}
    for i, step in enumerate(playbook.steps):
        # A duplicated id (reported on its own) keeps the edges of both steps.
        graph.setdefault(step.id, []).extend(
            t for _, t in step.targets(playbook.following(i)) if t in ids
        )
    return graph


def _strongly_connected(graph: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative so a long playbook cannot exhaust the stack."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            if i < len(graph[node]):
                work.append((node, i + 1))
                nxt = graph[node][i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                component = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    component.append(top)
                    if top == node:
                        break
                found.append(component)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return found


def lint_flow(source: Source[Playbook]) -> list[Problem]:
    playbook, where = source.model, source.where
    problems: list[Problem] = []
    first_index: dict[str, int] = {}
    for i, step in enumerate(playbook.steps):
        if step.id in first_index:
            problems.append(
                where.problem(
                    ("steps", i, "id"),
                    f"step id '{step.id}' is used twice (first at step {first_index[step.id] + 1})",
                )
            )
        else:
            first_index[step.id] = i
    for i, step in enumerate(playbook.steps):
        for field, target in step.targets(playbook.following(i)):
            if target not in first_index:
                problems.append(
                    where.problem(
                        _target_path(step, i, field),
                        f"step '{step.id}' goes to '{target}', but there is no step with that id",
                    )
                )
        problems.extend(_lint_waits(source, i, step))
    graph = _edges(playbook)
    reached = {playbook.steps[0].id}
    todo = [playbook.steps[0].id]
    while todo:
        for nxt in graph[todo.pop()]:
            if nxt not in reached:
                reached.add(nxt)
                todo.append(nxt)
    for i, step in enumerate(playbook.steps):
        if step.id not in reached and first_index.get(step.id) == i:
            problems.append(
                where.problem(
                    ("steps", i, "id"), f"nobody can reach step '{step.id}': no step leads to it"
                )
            )
    by_id = {s.id: (i, s) for i, s in reversed(list(enumerate(playbook.steps)))}
    for component in _strongly_connected(graph):
        looped = len(component) > 1 or component[0] in graph[component[0]]
        if looped and not any(by_id[s][1].pauses for s in component):
            first = min(by_id[s][0] for s in component)
            names = " → ".join(s.id for s in playbook.steps if s.id in component)
            problems.append(
                where.problem(
                    ("steps", first, "id"),
                    f"the steps {names} form a cycle with no wait, approval or waiting task "
                    "in it, so the run would loop forever",
                )
            )
    return problems


def _lint_waits(source: Source[Playbook], i: int, step: Step) -> list[Problem]:
    where, events = source.where, source.model.events
    problems = []
    if step.wait is not None:
        if step.wait.timeout is None:
            problems.append(
                where.problem(
                    ("steps", i, "wait"),
                    f"wait '{step.id}' has no timeout; every wait needs one (e.g. timeout: 1 week)",
                )
            )
        if step.on_timeout is None:
            problems.append(
                where.problem(
                    ("steps", i, "id"), f"wait '{step.id}' has no on_timeout step to go to"
                )
            )
        wanted = step.wait.for_
        if wanted not in BUILTIN_EVENTS and wanted not in events:
            known = ", ".join([*BUILTIN_EVENTS, *events])
            problems.append(
                where.problem(
                    ("steps", i, "wait", "for"),
                    f"wait '{step.id}' is for '{wanted}', which is not an event (known: {known})",
                )
            )
    if step.approval is not None:
        for missing, what in (
            (step.approval.timeout is None, "no timeout"),
            (step.on_timeout is None, "no on_timeout step"),
            (step.on_reject is None, "no on_reject step"),
        ):
            if missing:
                problems.append(
                    where.problem(("steps", i, "approval"), f"approval '{step.id}' has {what}")
                )
    if step.confirm is not None:
        for missing, what in (
            (step.confirm.timeout is None, "no timeout (e.g. timeout: 3 days)"),
            (step.on_timeout is None, "no on_timeout step"),
            (step.on_no is None, "no on_no step: what happens when the customer says no"),
        ):
            if missing:
                problems.append(
                    where.problem(("steps", i, "confirm"), f"confirm '{step.id}' has {what}")
                )
    if step.call is not None:
        for missing, what in (
            (step.on_refused is None, "no on_refused step (the system said no, with a reason)"),
            (step.on_failed is None, "no on_failed step (the system could not be reached)"),
        ):
            if missing:
                problems.append(where.problem(("steps", i, "call"), f"call '{step.id}' has {what}"))
    if step.task is not None and step.task.wait and step.on_overdue is None:
        problems.append(
            where.problem(
                ("steps", i, "task"),
                f"task '{step.id}' waits until done but has no on_overdue step "
                "(or say `wait: false`)",
            )
        )
    return problems
