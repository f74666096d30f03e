"""Search across cases, messages, customers and orders: the console's search box and
`GET /api/v1/search`.

References (case number, order or tracking number, e-mail, phone) are index look-ups; words and
phrases go to the database's full-text index (store/models/search.py). A case is returned only
when the principal may open it (domain/access.decide_case_access); filters narrow the cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pydantic import BaseModel, Field, field_validator
from sqlalchemy import (
    ColumnElement,
    and_,
    bindparam,
    column,
    literal_column,
    or_,
    select,
    table,
)
from sqlalchemy.orm import Session

from sopdesk.domain.access import CaseAccess, CaseAction, decide_case_access
from sopdesk.domain.cases import MAX_LEVEL, MIN_LEVEL, CaseStatus
from sopdesk.domain.principal import Principal
from sopdesk.domain.search import (
    HIT_END,
    HIT_START,
    MAX_QUERY_CHARS,
    SearchQuery,
    SnippetPart,
    parse_query,
    snippet_parts,
)
from sopdesk.engine.access import require_staff
from sopdesk.engine.search_pg import (
    SCAN,
    headlines,
    newest_matches,
    pg_text_cases,
)
from sopdesk.store.db import Database
from sopdesk.store.models import Case, CaseEvent, Customer, CustomerIdentity, Order, Shipment
from sopdesk.store.models.search import (
    CASES_FTS,
    CUSTOMERS_FTS,
    EVENTS_FTS,
)

OPEN = "open"  # the filter value for every open status
STATUSES = (OPEN, *(s.value for s in CaseStatus))
MAX_ID = 2**63 - 1
SNIPPET_WORDS = 16
NAME_HITS = 20


class SearchRequest(BaseModel):
    """A search and its filters, as the search box and the API send it."""

    q: str = Field(max_length=MAX_QUERY_CHARS * 5)
    status: str | None = Field(default=None, description=f"one of {', '.join(STATUSES)}")
    level: int | None = Field(default=None, ge=MIN_LEVEL, le=MAX_LEVEL)
    category: str | None = Field(default=None, max_length=100)
    assignee_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    created_from: date | None = None
    created_to: date | None = None
    limit: int = Field(default=20, ge=1, le=100)

    @field_validator("status")
    @classmethod
    def _known_status(cls, value: str | None) -> str | None:
        if value and value not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}")
        return value or None

    @field_validator("category")
    @classmethod
    def _blank_category(cls, value: str | None) -> str | None:
        return value or None


@dataclass(frozen=True)
class CaseHit:
    id: int
    subject: str
    status: str
    level: int
    category: str | None
    priority: str
    assignee_id: int | None
    customer_id: int
    created_at: datetime
    matched: str  # why it is here: "case number", "order R-1", "message", "subject", …
    snippet: list[SnippetPart]


@dataclass(frozen=True)
class CustomerHit:
    id: int
    name: str
    email: str | None
    phone: str | None
    matched: str
    snippet: list[SnippetPart]


@dataclass(frozen=True)
class OrderHit:
    id: int
    external_ref: str
    customer_id: int | None
    placed_at: datetime
    tracking_numbers: list[str]
    matched: str


@dataclass(frozen=True)
class SearchResults:
    query: str
    cases: list[CaseHit]
    customers: list[CustomerHit]
    orders: list[OrderHit]

    @property
    def empty(self) -> bool:
        return not (self.cases or self.customers or self.orders)


def search(
    db: Database, principal: Principal, region: str | None, request: SearchRequest
) -> SearchResults:
    """The cases, customers and orders a query finds, newest first, cases only where the
    principal may open them."""
    require_staff(principal)
    query = parse_query(request.q, region)
    if query.is_empty:
        return SearchResults(query.text, [], [], [])
    with db.transaction(write=False) as session:
        customers = _customers(session, db.is_sqlite, query)
        orders = _orders(session, query)
        where = _case_conditions(principal, request)
        reasons = _exact_cases(session, query, customers, orders, where, request.limit)
        if query.has_text:
            for case_id, matched, marked in _text_cases(session, db.is_sqlite, query, where):
                reasons.setdefault(case_id, (matched, marked))
        cases = _case_hits(session, principal, reasons, request.limit)
    return SearchResults(query.text, cases, list(customers.values()), orders)


def _case_conditions(principal: Principal, request: SearchRequest) -> list[ColumnElement[bool]]:
    levels = [n for n in range(MIN_LEVEL, MAX_LEVEL + 1) if principal.sees_level(n)]
    where: list[ColumnElement[bool]] = [Case.level.in_(levels)]
    if request.status == OPEN:
        where.append(Case.status.in_([s.value for s in CaseStatus if s.is_open]))
    elif request.status:
        where.append(Case.status == request.status)
    if request.level is not None:
        where.append(Case.level == request.level)
    if request.category:
        where.append(Case.category == request.category)
    if request.assignee_id is not None:
        where.append(Case.assignee_id == request.assignee_id)
    if request.created_from:
        where.append(Case.created_at >= datetime.combine(request.created_from, time(), UTC))
    if request.created_to:
        end = datetime.combine(request.created_to, time(), UTC) + timedelta(days=1)
        where.append(Case.created_at < end)
    return where


def _customers(session: Session, sqlite: bool, query: SearchQuery) -> dict[int, CustomerHit]:
    """Customers by an identity in its normal form (any way it was typed), then by name."""
    found: dict[int, CustomerHit] = {}
    forms = [("email", e) for e in query.emails] + [("phone", p) for p in query.phones]
    if forms:
        matches = or_(
            *(
                and_(CustomerIdentity.kind == kind, CustomerIdentity.normalized == form)
                for kind, form in forms
            )
        )
        rows = session.execute(
            select(Customer, CustomerIdentity.kind, CustomerIdentity.value)
            .join(CustomerIdentity, CustomerIdentity.customer_id == Customer.id)
            .where(matches)
            .order_by(Customer.id)
            .limit(50)
        )
        for customer, kind, value in rows:
            found.setdefault(customer.id, _customer_hit(customer, f"{kind} {value}", []))
    if query.has_text:
        if sqlite:
            fts = table(CUSTOMERS_FTS, column("rowid"))
            marked: ColumnElement[str] = literal_column(_sqlite_snippet(CUSTOMERS_FTS))
            stmt = (
                select(Customer, marked)
                .join_from(fts, Customer, Customer.id == fts.c.rowid)
                .where(literal_column(CUSTOMERS_FTS).op("MATCH")(bindparam("m")))
                .order_by(fts.c.rowid.desc())
            )
            params: dict[str, Any] = {"m": query.fts5_match()}
            for customer, snippet in session.execute(stmt.limit(20), params):
                found.setdefault(
                    customer.id, _customer_hit(customer, "name", snippet_parts(snippet))
                )
        else:
            _pg_customers(session, query, found)
    return found


def _pg_customers(session: Session, query: SearchQuery, found: dict[int, CustomerHit]) -> None:
    ids: list[int] = []

    def enough(batch: list[tuple[Any, ...]]) -> bool:
        ids.extend(int(row[0]) for row in batch)
        return len(ids) >= NAME_HITS

    newest_matches(session, "customers", "", query.websearch(), enough)
    ids = ids[:NAME_HITS]
    marked = headlines(session, "customers", "name", ids, query.websearch())
    rows = {c.id: c for c in session.scalars(select(Customer).where(Customer.id.in_(ids)))}
    for customer_id in ids:
        hit = _customer_hit(rows[customer_id], "name", snippet_parts(marked[customer_id]))
        found.setdefault(customer_id, hit)


def _customer_hit(customer: Customer, matched: str, snippet: list[SnippetPart]) -> CustomerHit:
    return CustomerHit(customer.id, customer.name, customer.email, customer.phone, matched, snippet)


def _orders(session: Session, query: SearchQuery) -> list[OrderHit]:
    if not query.references:
        return []
    refs = list(query.references)
    # Two index look-ups (order number, tracking number): an OR of both scans every order.
    by_ref = session.scalars(select(Order.id).where(Order.external_ref.in_(refs)))
    by_tracking = session.scalars(
        select(Shipment.order_id).where(Shipment.tracking_number.in_(refs))
    )
    ids = sorted({*by_ref, *by_tracking}, reverse=True)[:20]
    rows = session.scalars(select(Order).where(Order.id.in_(ids)).order_by(Order.id.desc()))
    hits = []
    for order in rows:
        tracking = [s.tracking_number for s in order.shipments if s.tracking_number]
        shipped = next((t for t in tracking if t in refs), None)
        matched = f"tracking number {shipped}" if shipped else f"order {order.external_ref}"
        hits.append(
            OrderHit(
                order.id, order.external_ref, order.customer_id, order.placed_at, tracking, matched
            )
        )
    return hits


Reasons = dict[int, tuple[str, str | None]]


def _exact_cases(
    session: Session,
    query: SearchQuery,
    customers: dict[int, CustomerHit],
    orders: list[OrderHit],
    where: list[ColumnElement[bool]],
    limit: int,
) -> Reasons:
    """Cases by number, by a found order, by a customer found by e-mail or phone."""
    by_identity = {c.id: c for c in customers.values() if c.matched != "name"}
    by_order = {o.id: o for o in orders}
    if not (query.case_ids or by_identity or by_order):
        return {}
    rows = session.execute(
        select(Case.id, Case.order_id, Case.customer_id)
        .where(
            or_(
                Case.id.in_(query.case_ids),
                Case.order_id.in_(list(by_order)),
                Case.customer_id.in_(list(by_identity)),
            ),
            *where,
        )
        .order_by(Case.id.desc())
        .limit(limit)
    )
    reasons: Reasons = {}
    for case_id, order_id, customer_id in rows:
        if case_id in query.case_ids:
            reasons[case_id] = ("case number", None)
        elif order_id in by_order:
            reasons[case_id] = (by_order[order_id].matched, None)
        else:
            reasons[case_id] = (f"customer's {by_identity[customer_id].matched}", None)
    ordered = sorted(reasons.items(), key=lambda kv: kv[1][0] != "case number")
    return dict(ordered)


def _sqlite_snippet(fts: str) -> str:
    return f"snippet({fts}, 0, '{HIT_START}', '{HIT_END}', '…', {SNIPPET_WORDS})"


def _text_cases(
    session: Session, sqlite: bool, query: SearchQuery, where: list[ColumnElement[bool]]
) -> list[tuple[int, str, str | None]]:
    """(case, "message" or "subject", marked snippet), the newest matching text first."""
    scan = SCAN
    if sqlite:
        params: dict[str, Any] = {"m": query.fts5_match()}
        events = table(EVENTS_FTS, column("rowid"))
        messages: Any = (
            select(CaseEvent.case_id, literal_column(_sqlite_snippet(EVENTS_FTS)))
            .join_from(events, CaseEvent, CaseEvent.id == events.c.rowid)
            .join(Case, Case.id == CaseEvent.case_id)
            .where(literal_column(EVENTS_FTS).op("MATCH")(bindparam("m")), *where)
            .order_by(events.c.rowid.desc())
        )
        subjects_fts = table(CASES_FTS, column("rowid"))
        subjects: Any = (
            select(Case.id, literal_column(_sqlite_snippet(CASES_FTS)))
            .join_from(subjects_fts, Case, Case.id == subjects_fts.c.rowid)
            .where(literal_column(CASES_FTS).op("MATCH")(bindparam("m")), *where)
            .order_by(subjects_fts.c.rowid.desc())
        )
    else:
        return pg_text_cases(session, query, where)
    found: dict[int, tuple[int, str, str | None]] = {}
    for case_id, marked in session.execute(messages.limit(scan), params):
        found.setdefault(case_id, (case_id, "message", marked))
    for case_id, marked in session.execute(subjects.limit(scan), params):
        found.setdefault(case_id, (case_id, "subject", marked))
    return sorted(found.values(), key=lambda hit: -hit[0])


def _case_hits(
    session: Session, principal: Principal, reasons: Reasons, limit: int
) -> list[CaseHit]:
    ids = list(reasons)[: limit * 2]
    rows = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_(ids)))}
    hits = []
    for case_id in ids:
        case = rows.get(case_id)
        if case is None:
            continue
        access = CaseAccess(case.id, case.level, case.partner_id)
        if not decide_case_access(principal, access, CaseAction.SEE).allowed:
            continue
        matched, marked = reasons[case_id]
        hits.append(
            CaseHit(
                case.id,
                case.subject,
                case.status,
                case.level,
                case.category,
                case.priority,
                case.assignee_id,
                case.customer_id,
                case.created_at,
                matched,
                snippet_parts(marked) if marked else [],
            )
        )
        if len(hits) == limit:
            break
    return hits
