"""The few SQL expressions that differ between SQLite and PostgreSQL, for the reports.

Day of a timestamp, seconds between two timestamps, a text field of a JSON column, a report
predicate, and percentiles: `percentile_cont` on PostgreSQL; on SQLite a window function ranks
the values and only the two rows around each wanted rank come back, interpolated the same way
(so both databases give the same median and p90).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Select,
    String,
    and_,
    cast,
    func,
    inspect,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import TextClause

from sopdesk.store.models.reports import predicate_words

PERCENTS = (0.5, 0.9)


def dialect_of(session: Session) -> str:
    bind = session.get_bind()
    return bind.dialect.name


def predicate(session: Session, pair: tuple[str, str], alias: Any = None) -> TextClause:
    """One of the report predicates of sopdesk.store.models.reports, for this database, on the
    timeline or on an alias of it (the words stay those of the partial index)."""
    name = str(inspect(alias).selectable.name) if alias is not None else ""
    return text(predicate_words(pair, dialect_of(session), name))


def day_of(session: Session, column: Any) -> ColumnElement[str]:
    """The UTC day of a timestamp as 'YYYY-MM-DD'."""
    if dialect_of(session) == "sqlite":
        return func.substr(column, 1, 10)
    return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")


def seconds_between(session: Session, start: Any, end: Any) -> ColumnElement[float]:
    if dialect_of(session) == "sqlite":
        return (func.julianday(end) - func.julianday(start)) * 86400.0
    return cast(func.extract("epoch", end - start), Float)


def json_int(session: Session, column: Any, key: str) -> ColumnElement[int]:
    if dialect_of(session) == "sqlite":
        return cast(func.json_extract(column, f"$.{key}"), Integer)
    return cast(column.op("->>")(key), Integer)


def json_text(session: Session, column: Any, key: str) -> ColumnElement[str]:
    if dialect_of(session) == "sqlite":
        return cast(func.json_extract(column, f"$.{key}"), String)
    return column.op("->>")(key)


@dataclass(frozen=True)
class Spread:
    """How a set of durations (seconds) spreads: how many, the median and the 90th percentile."""

    group: str
    count: int
    median: float | None
    p90: float | None


def spreads(session: Session, values: Select[*tuple[Any, ...]]) -> list[Spread]:
    """Count, median and p90 of `values` (columns `grp`, `v`) per group, by the database."""
    sub = values.subquery()
    if dialect_of(session) != "sqlite":
        query = (
            select(
                sub.c.grp,
                func.count(),
                *(func.percentile_cont(p).within_group(sub.c.v) for p in PERCENTS),
            )
            .group_by(sub.c.grp)
            .order_by(sub.c.grp)
        )
        return [
            Spread(str(g), int(n), _float(m), _float(p90))
            for g, n, m, p90 in session.execute(query)
        ]
    return _sqlite_spreads(session, sub)


def _float(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def _sqlite_spreads(session: Session, sub: Any) -> list[Spread]:
    ranked = select(
        sub.c.grp,
        sub.c.v,
        (func.row_number().over(partition_by=sub.c.grp, order_by=sub.c.v) - 1).label("rn"),
        func.count().over(partition_by=sub.c.grp).label("n"),
    ).subquery()
    wanted = []
    for p in PERCENTS:
        position = p * (ranked.c.n - 1)
        floor = cast(position, Integer)
        wanted += [ranked.c.rn == floor, and_(ranked.c.rn == floor + 1, position > floor)]
    rows = session.execute(
        select(ranked.c.grp, ranked.c.rn, ranked.c.n, ranked.c.v)
        .where(or_(*wanted))
        .order_by(ranked.c.grp, ranked.c.rn)
    ).all()
    by_group: dict[str, tuple[int, dict[int, float]]] = {}
    for grp, rn, n, v in rows:
        _, picked = by_group.setdefault(str(grp), (int(n), {}))
        picked[int(rn)] = float(v)
    return [
        Spread(grp, n, *(_interpolate(picked, p, n) for p in PERCENTS))
        for grp, (n, picked) in sorted(by_group.items())
    ]


def _interpolate(picked: dict[int, float], p: float, n: int) -> float:
    """percentile_cont: linear interpolation between the values at ranks floor and floor + 1."""
    position = p * (n - 1)
    low = int(position)
    if position == low:
        return picked[low]
    return picked[low] + (picked[low + 1] - picked[low]) * (position - low)
