"""Every lint `sopdesk check` runs after the files have the right shape.

Flow (per playbook), references between files, content (templates, translations), time,
and settings that need an optional extra.
"""

from __future__ import annotations

from sopdesk.desk.lints.content import lint_content
from sopdesk.desk.lints.extras import lint_extras
from sopdesk.desk.lints.flow import lint_flow
from sopdesk.desk.lints.references import lint_references
from sopdesk.desk.lints.timing import lint_timing
from sopdesk.desk.load import LoadedDesk
from sopdesk.desk.problems import Problem


def lint_desk(loaded: LoadedDesk) -> list[Problem]:
    """Every problem found by every lint, in file and line order."""
    problems: list[Problem] = []
    for playbook in loaded.playbooks.values():
        problems.extend(lint_flow(playbook))
    problems.extend(lint_references(loaded))
    problems.extend(lint_content(loaded))
    problems.extend(lint_timing(loaded))
    problems.extend(lint_extras(loaded))
    return sorted(set(problems))


__all__ = ["lint_desk"]
