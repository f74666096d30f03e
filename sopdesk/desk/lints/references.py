"""Lints of names one desk file uses and another defines: macros, columns, levels, roles...

Each problem points at the place that uses the name, and says what names there are.
"""

from __future__ import annotations

from collections.abc import Collection

from sopdesk.desk.load import LoadedDesk, Source
from sopdesk.desk.problems import Problem
from sopdesk.desk.source import SourceMap
from sopdesk.domain.desk import Playbook
from sopdesk.domain.desk.settings import BUILTIN_CONNECTORS
from sopdesk.domain.desk.taxonomy import Category, Taxonomy

Path_ = tuple[str | int, ...]


def _known(names: Collection[object]) -> str:
    listed = ", ".join(str(n) for n in sorted(names, key=str)[:12])
    more = f" and {len(names) - 12} more" if len(names) > 12 else ""
    return f"{listed}{more}" if names else "none"


class _Refs:
    def __init__(self, loaded: LoadedDesk) -> None:
        self.loaded = loaded
        self.desk = loaded.desk
        self.problems: list[Problem] = []

    def need(
        self, where: SourceMap, path: Path_, kind: str, name: object, names: Collection[object]
    ) -> None:
        if name is not None and name not in names:
            self.problems.append(
                where.problem(path, f"{kind} '{name}' is not defined (known: {_known(names)})")
            )

    def category(self, where: SourceMap, path: Path_, slug: str | None) -> None:
        self.need(where, path, "category", slug, self.desk.categories)

    def level(self, where: SourceMap, path: Path_, level: int | None) -> None:
        self.need(where, path, "level", level, self.desk.levels)

    def channel(self, where: SourceMap, path: Path_, channel: str | None) -> None:
        self.need(where, path, "team-chat channel", channel, self.desk.channels.team_chat)


def _playbook(refs: _Refs, source: Source[Playbook]) -> None:
    desk, where = refs.desk, source.where
    trigger = source.model.trigger
    for j, slug in enumerate(trigger.categories):
        refs.category(where, ("trigger", "categories", j), slug)
    refs.need(
        where, ("trigger", "column"), "column", trigger.column, {c.slug for c in desk.columns}
    )
    for i, step in enumerate(source.model.steps):
        at: Path_ = ("steps", i, step.kind)
        for body in (step.send, step.remind):
            if body is not None:
                refs.need(where, (*at, "macro"), "macro", body.macro, desk.macros)
                macro = desk.macros.get(body.macro)
                if macro is not None and macro.to != body.to:
                    refs.problems.append(
                        where.problem(
                            (*at, "to"),
                            f"macro '{macro.slug}' is written for {macro.to}, not for {body.to}",
                        )
                    )
        if step.task is not None:
            refs.need(where, (*at, "macro"), "macro", step.task.macro, desk.macros)
            refs.need(where, (*at, "role"), "role", step.task.role, desk.roles)
            if step.task.to == "partner" and step.task.macro is None:
                refs.problems.append(
                    where.problem(at, "a task for a partner needs a macro: what the partner reads")
                )
        if step.approval is not None:
            refs.need(where, (*at, "approver"), "approver", step.approval.approver, desk.approvers)
            refs.need(where, (*at, "role"), "role", step.approval.role, desk.roles)
        if step.set is not None:
            columns = {c.slug for c in desk.columns}
            refs.need(where, (*at, "column"), "column", step.set.column, columns)
            refs.level(where, (*at, "level"), step.set.level)
            refs.category(where, (*at, "category"), step.set.category)
        if step.escalate is not None:
            refs.level(where, (*at, "level"), step.escalate.level)
        if step.notify is not None:
            refs.channel(where, (*at, "channel"), step.notify.channel)
        if step.confirm is not None:
            refs.need(where, (*at, "macro"), "macro", step.confirm.macro, desk.macros)
            macro = desk.macros.get(step.confirm.macro)
            if macro is not None and macro.to != "customer":
                refs.problems.append(
                    where.problem(
                        (*at, "macro"),
                        f"macro '{macro.slug}' is written for {macro.to}; a confirm asks the "
                        "customer",
                    )
                )
        if step.call is not None:
            _call(refs, where, at, step.call.connector, step.call.verb)
        if step.handoff is not None:
            target = step.handoff.playbook
            refs.need(where, (*at, "playbook"), "playbook", target, desk.playbooks)
            if target == source.model.slug:
                refs.problems.append(
                    where.problem((*at, "playbook"), "a playbook cannot hand the case to itself")
                )


def _call(refs: _Refs, where: SourceMap, at: Path_, connector: str, verb: str) -> None:
    """A call names a connector of desk.yaml (or a built-in one) and an action it has."""
    desk = refs.desk
    declared = desk.connectors.get(connector)
    actions: Collection[str]
    if declared is not None:
        actions = declared.actions
    elif connector in BUILTIN_CONNECTORS:
        actions = BUILTIN_CONNECTORS[connector]
    else:
        known = sorted({*desk.connectors, *BUILTIN_CONNECTORS})
        refs.problems.append(
            where.problem(
                (*at,),
                f"connector '{connector}' is not defined in desk.yaml `connectors:` "
                f"(known: {_known(known)})",
            )
        )
        return
    if actions and verb not in actions:
        refs.problems.append(
            where.problem(
                (*at,), f"connector '{connector}' has no action '{verb}' (known: {_known(actions)})"
            )
        )


def _offense_group(
    refs: _Refs, where: SourceMap, at: Path_, category: Category, taxonomy: Taxonomy
) -> None:
    """A category for mixed repeats names a counts_with group, and counts as one of its kinds."""
    if category.offense_group is None:
        return
    groups = {k.counts_with for k in taxonomy.offense_kinds.values() if k.counts_with}
    refs.need(where, (*at, "offense_group"), "offense group", category.offense_group, groups)
    kind = taxonomy.offense_kinds.get(category.offense or "")
    if category.offense_group in groups and (
        kind is None or kind.counts_with != category.offense_group
    ):
        refs.problems.append(
            where.problem(
                (*at, "offense"),
                f"category '{category.slug}' counts offense group '{category.offense_group}', "
                f"so its offense must be a kind with counts_with: {category.offense_group}",
            )
        )


def _taxonomy(refs: _Refs) -> None:
    source = refs.loaded.taxonomy
    where, taxonomy = source.where, source.model
    seen: dict[str, str] = {}
    for g, group in enumerate(taxonomy.groups):
        refs.level(where, ("groups", g, "level"), group.level)
        for c, category in enumerate(group.categories):
            at: Path_ = ("groups", g, "categories", c)
            if category.slug in seen:
                refs.problems.append(
                    where.problem(
                        (*at, "slug"),
                        f"category '{category.slug}' is also listed under '{seen[category.slug]}'",
                    )
                )
            seen.setdefault(category.slug, group.slug)
            if category.level and category.level not in taxonomy.levels:
                refs.problems.append(
                    where.problem(
                        (*at, "level"),
                        f"no level owns category '{category.slug}': level {category.level} is "
                        f"not defined (levels: {_known(taxonomy.levels)})",
                    )
                )
            refs.need(
                where, (*at, "offense"), "offense kind", category.offense, taxonomy.offense_kinds
            )
            for s, signal in enumerate(category.signals):
                refs.need(where, (*at, "signals", s), "signal", signal, taxonomy.signals)
            _offense_group(refs, where, at, category, taxonomy)
    for r, rule in enumerate(taxonomy.escalation_rules):
        at = ("escalation_rules", r)
        refs.level(where, (*at, "level"), rule.level)
        refs.category(where, (*at, "category"), rule.category)
        refs.need(where, (*at, "when", "signal"), "signal", rule.when.signal, taxonomy.signals)
        for k, kind in enumerate(rule.when.offense_kinds):
            refs.need(
                where,
                (*at, "when", "offense_kinds", k),
                "offense kind",
                kind,
                taxonomy.offense_kinds,
            )
        for k, slug in enumerate(rule.when.categories):
            refs.category(where, (*at, "when", "categories", k), slug)


def _settings_and_sla(refs: _Refs) -> None:
    desk = refs.desk
    where = refs.loaded.settings.where
    handoff = desk.bot.handoff
    refs.category(where, ("bot", "handoff", "category"), handoff.category)
    refs.need(where, ("bot", "handoff", "playbook"), "playbook", handoff.playbook, desk.playbooks)
    refs.level(where, ("bot", "handoff", "level"), handoff.level)
    for e, channel in enumerate(desk.channels.email):
        refs.category(where, ("channels", "email", e, "category"), channel.category)
    if refs.loaded.sla is None:
        return
    sla = refs.loaded.sla
    for p, policy in enumerate(sla.model.policies):
        at: Path_ = ("policies", p)
        refs.need(sla.where, (*at, "calendar"), "calendar", policy.calendar, desk.calendars)
        for c, slug in enumerate(policy.applies_to.categories):
            refs.category(sla.where, (*at, "applies_to", "categories", c), slug)
        for lv, level in enumerate(policy.applies_to.levels):
            refs.level(sla.where, (*at, "applies_to", "levels", lv), level)
        for key in ("on_start", "on_warning", "on_breach"):
            for a, action in enumerate(getattr(policy, key)):
                refs.channel(sla.where, (*at, key, a, "notify"), action.notify)
                refs.level(sla.where, (*at, key, a, "escalate_to"), action.escalate_to)
    if sla.model.fulfilment is not None:
        f = sla.model.fulfilment
        refs.need(sla.where, ("fulfilment", "calendar"), "calendar", f.calendar, desk.calendars)
        for stage, slug in f.categories.items():
            refs.category(sla.where, ("fulfilment", "categories", stage), slug)
        for k, slug in enumerate(f.inquiries):
            refs.category(sla.where, ("fulfilment", "inquiries", k), slug)


def lint_references(loaded: LoadedDesk) -> list[Problem]:
    refs = _Refs(loaded)
    _taxonomy(refs)
    _settings_and_sla(refs)
    for source in loaded.playbooks.values():
        _playbook(refs, source)
    board = loaded.board
    seen: set[str] = set()
    for c, column in enumerate(board.model.columns):
        if column.slug in seen:
            refs.problems.append(
                board.where.problem(
                    ("columns", c, "slug"), f"column '{column.slug}' is listed twice"
                )
            )
        seen.add(column.slug)
    return refs.problems
