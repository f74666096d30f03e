"""Lints of time: calendars that can exist and have open hours, SLA policies that do not clash.

Two policies clash when one case could match both and neither has the higher precedence.
"""

from __future__ import annotations

from sopdesk.desk.load import LoadedDesk
from sopdesk.desk.problems import Problem
from sopdesk.domain.calendar import InvalidCalendar
from sopdesk.domain.desk.sla import DEFAULT_CALENDAR, SlaPolicy, SlaScope


def _overlap(a: SlaScope, b: SlaScope) -> bool:
    """Whether some case matches both scopes (an empty list matches anything)."""
    pairs: list[tuple[list[object], list[object]]] = [
        (list(a.priorities), list(b.priorities)),
        (list(a.categories), list(b.categories)),
        (list(a.channels), list(b.channels)),
        (list(a.levels), list(b.levels)),
    ]
    return all(not x or not y or set(x) & set(y) for x, y in pairs)


def _describe(policy: SlaPolicy) -> str:
    scope = policy.applies_to
    parts = [
        f"{name} {', '.join(str(v) for v in values)}"
        for name, values in (
            ("priority", scope.priorities),
            ("category", scope.categories),
            ("channel", scope.channels),
            ("level", scope.levels),
        )
        if values
    ]
    return " and ".join(parts) or "every case"


def lint_timing(loaded: LoadedDesk) -> list[Problem]:
    desk = loaded.desk
    problems: list[Problem] = []
    settings = loaded.settings.where
    for name, spec in desk.calendars.items():
        path: tuple[str | int, ...]
        if name == DEFAULT_CALENDAR:
            where, path, key = settings, ("business_hours",), True
        else:
            assert loaded.sla is not None  # other calendars come from sla.yaml
            where, path, key = loaded.sla.where, ("calendars", name), True
        if not spec.has_open_hours:
            problems.append(
                where.problem(
                    path,
                    f"calendar '{name}' has no open hours on any weekday, so no business time "
                    "would ever pass; give some hours or `always_open: true`",
                    key=key,
                )
            )
            continue
        try:
            spec.build(desk.timezone)
        except InvalidCalendar as exc:
            target = ("timezone",) if "timezone" in str(exc) and name == DEFAULT_CALENDAR else path
            problems.append(where.problem(target, f"calendar '{name}': {exc}", key=key))
    if loaded.sla is not None:
        sla = loaded.sla
        if DEFAULT_CALENDAR in sla.model.calendars:
            problems.append(
                sla.where.problem(
                    ("calendars", DEFAULT_CALENDAR),
                    "calendar 'business' is desk.yaml's hours and holidays; "
                    "give this one another name",
                    key=True,
                )
            )
        policies = sla.model.policies
        ids: set[str] = set()
        for i, policy in enumerate(policies):
            if policy.id in ids:
                problems.append(sla.where.problem(("policies", i, "id"), "policy id used twice"))
            ids.add(policy.id)
            for earlier in policies[:i]:
                if earlier.precedence == policy.precedence and _overlap(
                    earlier.applies_to, policy.applies_to
                ):
                    problems.append(
                        sla.where.problem(
                            ("policies", i, "applies_to"),
                            f"SLA policies '{earlier.id}' ({_describe(earlier)}) and "
                            f"'{policy.id}' ({_describe(policy)}) can both apply to one case "
                            "with the same precedence; narrow one or give it a higher precedence",
                            key=True,
                        )
                    )
    return problems
