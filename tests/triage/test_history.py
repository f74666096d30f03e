"""What the desk's own cases teach the next training: solved and closed cases with their
category, cases an agent re-categorised by hand, and cases marked spam (SQLite and PostgreSQL)."""

from __future__ import annotations

from sopdesk.desk import load_desk
from sopdesk.domain.cases import ActorKind, CaseStatus, Role
from sopdesk.domain.clock import ManualClock
from sopdesk.domain.principal import Principal
from sopdesk.engine.accounts import CreateAgent, do_create_agent
from sopdesk.engine.cases import (
    ChangeCase,
    CreateCase,
    check_change_case,
    check_create_case,
    do_change_case,
    do_create_case,
)
from sopdesk.packs import pack_path
from sopdesk.store.db import Database
from sopdesk.triage import Triager
from sopdesk.triage.history import training_cases
from sopdesk.triage.triager import Example, desk_examples

SYSTEM = Principal.system()


def test_resolved_corrected_and_spam_cases_are_learnt_from(
    db: Database, clock: ManualClock
) -> None:
    desk = load_desk(pack_path("starter"))
    agent_row = do_create_agent(db, clock, CreateAgent(email="ana@example.com", name="Ana"))
    agent = Principal(
        kind=ActorKind.AGENT, id=agent_row.id, level=1, roles=frozenset({Role.AGENT}), name="Ana"
    )

    def case(subject: str, body: str, category: str | None = None) -> int:
        command = CreateCase(
            customer_email="casey@example.com", subject=subject, body=body, category=category
        )
        plan = check_create_case(db, SYSTEM, desk, command)
        return do_create_case(db, clock, desk, SYSTEM, command, plan).id

    def change(who: Principal, case_id: int, command: ChangeCase) -> None:
        changes = check_change_case(db, who, desk, case_id, command)
        do_change_case(db, clock, who, case_id, changes, None, desk)

    solved = case("Gift card", "How much is left on my gift card?", "gift-card-balance")
    change(SYSTEM, solved, ChangeCase(status=CaseStatus.SOLVED))
    corrected = case("Points", "My stars vanished from my account", "order-status")
    change(agent, corrected, ChangeCase(category="missing-points"))
    spam = case("Offer", "Cheap backlinks for your site")
    change(SYSTEM, spam, ChangeCase(status=CaseStatus.SPAM))
    case("Open", "Still open and uncorrected", "order-status")  # teaches nothing yet
    by_system = case("Moved", "Re-routed by a rule, not a person", "order-status")
    change(SYSTEM, by_system, ChangeCase(category="dnr"))  # not an agent's correction

    examples = sorted(training_cases(db), key=lambda e: e.text)
    assert examples == [
        Example("Gift card\nHow much is left on my gift card?", "gift-card-balance"),
        Example("Offer\nCheap backlinks for your site", "spam"),
        Example("Points\nMy stars vanished from my account", "missing-points"),
    ]
    # A category the desk no longer has is dropped, the rest are learnt with the phrasings.
    trained = Triager.train(desk, [*examples, Example("lost category", "no-such-category")])
    assert trained.trained_on == len(desk_examples(desk)) + 3
    assert "no-such-category" not in trained.model.classes
