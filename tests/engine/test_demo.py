"""The demo data set on the starter desk: realistic, spread over the categories, idempotent.

Loaded twice on real SQLite and PostgreSQL; the second load adds nothing.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from sopdesk.demo.bot_chats import CHATS
from sopdesk.demo.load import DEMO_PASSWORD, load_demo
from sopdesk.demo.texts import contact_choices
from sopdesk.desk import load_desk
from sopdesk.domain.principal import Principal
from sopdesk.engine.accounts import authenticate_password
from sopdesk.engine.kb import sync_kb
from sopdesk.engine.reports import BOT_ANSWERED, parse_filter, run_report
from sopdesk.packs import pack_path
from sopdesk.store.db import Database
from sopdesk.store.models import (
    Agent,
    BotConversation,
    Case,
    CaseEvent,
    Customer,
    CustomerLink,
    Order,
    OutboxMessage,
    Partner,
    Shipment,
    SlaClockRow,
)
from sopdesk.triage.rules import match_signals, signal_rules

TABLES = (Agent, Partner, Customer, CustomerLink, Order, Shipment, Case, CaseEvent, OutboxMessage)


def counts(db: Database) -> dict[str, int]:
    with db.transaction(write=False) as session:
        return {
            t.__tablename__: int(session.scalar(select(func.count()).select_from(t)) or 0)
            for t in TABLES
        }


def test_demo_loads_a_realistic_desk_once(db, clock) -> None:
    desk = load_desk(pack_path("starter"))
    first = load_demo(db, clock, desk, customers=90, cases=60)

    assert (first.customers, first.cases) == (90, 60)
    # Seven demo agents plus the desk's named approver (seed 001's Arvin).
    assert first.agents == 8 and first.partners == 4 and first.links >= 5
    with db.transaction(write=False) as session:
        arvin = session.scalar(select(Agent).where(Agent.email == "arvin@example.com"))
    assert arvin is not None and "approver" in arvin.roles
    loaded = counts(db)
    second = load_demo(db, clock, desk, customers=90, cases=60)
    assert (second.agents, second.partners, second.customers, second.links) == (0, 0, 0, 0)
    assert (second.orders, second.cases) == (0, 0)
    assert counts(db) == loaded

    with db.transaction(write=False) as session:
        categories = set(session.scalars(select(Case.category).distinct()))
        reasons = list(session.scalars(select(CustomerLink.reason)))
        countries = set(session.scalars(select(Shipment.destination_country).distinct()))
        levels = set(session.scalars(select(Case.level).distinct()))
        statuses = set(session.scalars(select(Case.status).distinct()))
        kinds = set(session.scalars(select(CaseEvent.kind).distinct()))
    assert len(categories - {None}) >= 30
    assert categories - {None} <= set(desk.categories)
    assert levels >= {1, 2, 3}
    assert {"new", "solved"} <= statuses
    assert {"case_created", "message_in", "routing", "note", "message_out"} <= kinds
    assert all(r.startswith(("same phone: ", "same address: ")) for r in reasons)
    assert "US" in countries and len(countries) >= 3
    admin = authenticate_password(db, "admin@sopdesk.local", DEMO_PASSWORD)
    assert admin.level == 4
    assert {r.value for r in admin.roles} >= {"admin"}


def test_demo_cases_keep_their_sla_clocks(db, clock) -> None:
    """Demo agents reply and solve through the same functions as the console, so a solved demo
    case has no clock still running and no due time left in the queue."""
    desk = load_desk(pack_path("starter"))
    load_demo(db, clock, desk, customers=60, cases=60)
    with db.transaction(write=False) as session:
        solved = select(Case.id).where(Case.status == "solved")
        assert session.scalar(select(func.count()).select_from(solved.subquery())) > 0
        running = session.scalars(
            select(SlaClockRow.case_id).where(
                SlaClockRow.case_id.in_(solved), SlaClockRow.stopped_at.is_(None)
            )
        ).all()
        due = session.scalars(select(Case.id).where(Case.id.in_(solved), Case.due_at.isnot(None)))
        assert running == []
        assert list(due) == []


def test_demo_cases_look_like_a_working_day_and_sign_in_is_listed(db, clock) -> None:
    from datetime import timedelta

    from sopdesk.demo.accounts import demo_sign_in
    from sopdesk.domain.cases import CaseStatus

    desk = load_desk(pack_path("starter"))
    load_demo(db, clock, desk, customers=60, cases=120)
    now = clock.now()
    open_statuses = [s.value for s in CaseStatus if s.is_open]
    with db.transaction(write=False) as session:
        due = list(
            session.scalars(
                select(Case.due_at).where(Case.status.in_(open_statuses), Case.due_at.is_not(None))
            )
        )
        columns = set(
            session.scalars(select(Case.board_column).where(Case.board_column.is_not(None)))
        )
    breached = [d for d in due if d <= now]
    at_risk = [d for d in due if now < d <= now + timedelta(hours=4)]
    in_sla = [d for d in due if d > now + timedelta(hours=4)]
    assert len(in_sla) > len(at_risk) + len(breached)  # mostly in SLA
    assert len(at_risk) >= 3
    assert 3 <= len(breached) <= len(due) // 4
    assert {"inbox", "in-progress", "waiting-for-response", "done"} <= columns
    accounts = demo_sign_in(db, desk)
    assert ("admin@sopdesk.local", DEMO_PASSWORD, 4, "admin, lead") in accounts
    assert any(label.startswith("partner: ") for *_, label in accounts)


def test_demo_texts_state_no_level_4_signal_in_a_lower_category() -> None:
    """A demo contact reads like its category: a text that states a level-4 signal (a
    chargeback, fraud, a legal threat) never comes with a category a lower level owns."""
    desk = load_desk(pack_path("starter"))
    rules = signal_rules(desk.signals)
    wrong = []
    for category in desk.categories.values():
        if category.level >= 4:
            continue
        for subject, body in contact_choices(category):
            text = f"{subject}\n{body.format(item='a card', order='DEMO-1')}"
            fired = match_signals(rules, text).fired
            if fired:
                wrong.append((category.slug, subject, sorted(fired)))
    assert wrong == []


def test_the_demo_has_bot_chats_answered_and_handed_off_once(db, clock) -> None:
    desk = load_desk(pack_path("starter"))
    sync_kb(db, desk)  # as `sopdesk demo` finds it: the runtime syncs the help centre first
    first = load_demo(db, clock, desk, customers=30, cases=10)
    assert first.chats == len(CHATS)
    now = clock.now()
    report = run_report(
        db, Principal.system(), "bot", parse_filter({}, now + timedelta(seconds=1)), now
    )
    outcomes = {row[0]: row[1] for row in report.rows}
    assert sum(outcomes.values()) == len(CHATS)
    assert outcomes.get(BOT_ANSWERED, 0) >= 1 and set(outcomes) - {BOT_ANSWERED}  # both kinds
    with db.transaction(write=False) as session:
        chat_cases = session.scalar(
            select(func.count())
            .select_from(BotConversation)
            .where(BotConversation.case_id.isnot(None))
        )
    assert chat_cases == 0  # anonymous visitors: no case beyond the demo's own
    assert load_demo(db, clock, desk, customers=30, cases=10).chats == 0
