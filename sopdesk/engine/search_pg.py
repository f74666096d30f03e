"""PostgreSQL's side of the search: the newest rows matching a tsquery, found through the GIN
index in widening windows of ids, so neither a rare nor a common word scans the table.

Windows of 2,000 and 20,000 ids, then the GIN index alone: a word too rare to fill the first
two has few matches in all (ANDing the GIN bitmap with a range of 200,000 ids of the primary key
cost more than the matches themselves at 1,000,000 cases).

Why windows: PostgreSQL guesses that 0.5 % of rows match any word it has no statistics for.
For a rare word it then walks the primary key backwards checking every row (600 ms at 1,000,000
cases); for a common word the GIN bitmap fetches every match before sorting. A bitmap of the GIN
index ANDed with an id range of the newest rows reads only those; the window widens until
enough rows are found. Each row's document is a stored column (`search_document`, migration
0025), so checking the rows of a window reads it instead of stemming the text again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, select, text
from sqlalchemy.orm import Session

from sopdesk.domain.search import HIT_END, HIT_START, SearchQuery
from sopdesk.store.models import Case
from sopdesk.store.models.search import EVENTS_WHERE, PG_CONFIG, PG_DOCUMENT

WINDOWS = (2_000, 20_000, None)
CANDIDATES = 500
SCAN = 60  # matching texts read to fill a page of cases
MAX_ID = 2**63 - 1
HEADLINE = f"StartSel={HIT_START}, StopSel={HIT_END}, MaxWords=24, MinWords=10, MaxFragments=1"
# The settings back to the session's values for the rest of the transaction.
RESET = (
    "SELECT set_config(name, reset_val, true) FROM pg_settings "
    "WHERE name IN ('enable_indexscan', 'max_parallel_workers_per_gather', 'plan_cache_mode')"
)
TSQUERY = f"websearch_to_tsquery('{PG_CONFIG}'::regconfig, :q)"


def newest_matches(
    session: Session,
    table: str,
    where: str,
    websearch: str,
    enough: Callable[[list[tuple[Any, ...]]], bool],
    extra: str = "",
) -> None:
    """Hands `enough` batches of (id, *extra columns) of the rows whose document matches, newest
    first, one batch per window (at most CANDIDATES rows), until it answers True or every row
    was looked at. `where` is a fixed SQL predicate or ""."""
    # Bitmap scans only: a GIN match ANDed with an id range instead of a walk of the primary
    # key, without parallel workers (their start costs more than a bitmap of the newest ids).
    # A plan for each window's own bounds: psycopg prepares a statement run five times, and
    # PostgreSQL's generic plan for any bounds then walks the GIN bitmap or the primary key in
    # full (20 ms became 250 ms from the sixth search on at 1,000,000 cases).
    # The newest id is the id sequence's (no index scan needed), in the same round trip.
    top = session.execute(
        text(
            "SELECT set_config('enable_indexscan', 'off', true), "
            "set_config('max_parallel_workers_per_gather', '0', true), "
            "set_config('plan_cache_mode', 'force_custom_plan', true), "
            f"coalesce(pg_sequence_last_value(pg_get_serial_sequence('{table}', 'id')), 0)"
        )
    ).one()[3]
    condition = f" AND {where}" if where else ""
    picked = f", {extra}" if extra else ""
    statement = text(
        f"SELECT id{picked} FROM {table} WHERE {PG_DOCUMENT} @@ {TSQUERY}{condition} "
        f"AND id > :floor AND id <= :ceiling ORDER BY id DESC LIMIT {CANDIDATES}"
    )
    ceiling = MAX_ID  # the first window is open above: rows written with an explicit id too
    try:
        for window in WINDOWS:
            floor = max(0, top - window) if window is not None else 0
            rows = session.execute(statement, {"q": websearch, "floor": floor, "ceiling": ceiling})
            if enough([tuple(row) for row in rows]) or floor == 0:
                return
            ceiling = floor
    finally:
        session.execute(text(RESET))


def headlines(
    session: Session, table: str, column: str, ids: list[int], websearch: str
) -> dict[int, str]:
    """The marked fragment of each row's `column`, for the rows shown only (ts_headline is the
    expensive part of a PostgreSQL search)."""
    if not ids:
        return {}
    rows: Any = session.execute(
        text(
            f"SELECT id, ts_headline('{PG_CONFIG}'::regconfig, coalesce({column}, ''), "
            f"{TSQUERY}, :opts) FROM {table} WHERE id = ANY(:ids)"
        ),
        {"q": websearch, "opts": HEADLINE, "ids": ids},
    )
    return {int(row_id): str(marked) for row_id, marked in rows}


def pg_text_cases(
    session: Session, query: SearchQuery, where: list[ColumnElement[bool]]
) -> list[tuple[int, str, str | None]]:
    """Newest matching messages and subjects through the GIN index (engine/search_pg.py); the
    cases' filters and levels are applied to each batch of candidates."""
    websearch = query.websearch()
    by_case: dict[int, tuple[str, int]] = {}  # case -> (matched, row whose text matched)

    def allowed(case_ids: set[int]) -> set[int]:
        if not case_ids:
            return set()
        return set(session.scalars(select(Case.id).where(Case.id.in_(case_ids), *where)))

    def messages(batch: list[tuple[Any, ...]]) -> bool:
        keep = allowed({int(row[1]) for row in batch})
        for event_id, case_id in batch:
            if case_id in keep:
                by_case.setdefault(int(case_id), ("message", int(event_id)))
        return len(by_case) >= SCAN

    def subjects(batch: list[tuple[Any, ...]]) -> bool:
        keep = allowed({int(row[0]) for row in batch})
        for (case_id,) in batch:
            if case_id in keep:
                by_case.setdefault(int(case_id), ("subject", int(case_id)))
        return sum(1 for m, _ in by_case.values() if m == "subject") >= SCAN

    newest_matches(session, "case_events", EVENTS_WHERE, websearch, messages, extra="case_id")
    newest_matches(session, "cases", "", websearch, subjects)
    chosen = sorted(by_case, reverse=True)[:SCAN]
    events = [by_case[c][1] for c in chosen if by_case[c][0] == "message"]
    bodies = headlines(session, "case_events", "body", events, websearch)
    titles = headlines(
        session, "cases", "subject", [c for c in chosen if by_case[c][0] == "subject"], websearch
    )
    return [
        (c, by_case[c][0], (bodies if by_case[c][0] == "message" else titles)[by_case[c][1]])
        for c in chosen
    ]
