"""The few SQL expressions that differ between SQLite and PostgreSQL, for the reports.

Day of a timestamp, seconds between two timestamps, a field of a JSON column, a report
predicate, and percentiles: `percentile_cont` on PostgreSQL; on SQLite the two values around
each wanted rank, by ORDER BY ... LIMIT 2 OFFSET rank over an index in value order, or else by
a window function's ranks, interpolated the same way
(so both databases give the same median and p90).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Float,
    Integer,
    Select,
    String,
    and_,
    cast,
    func,
    inspect,
    literal_column,
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


SORT_MEMORY = "64MB"  # PostgreSQL: percentile_cont sorts a million durations in memory


def prepare(session: Session) -> None:
    """Lets PostgreSQL sort a report's values in memory (for this transaction only)."""
    if dialect_of(session) != "sqlite":
        session.execute(text(f"SET LOCAL work_mem = '{SORT_MEMORY}'"))


def unindexed(session: Session, column: Any) -> Any:
    """`column` such that SQLite will not pick an index on it (SQLite's unary `+`), so that it
    walks another index instead, e.g. one in the order a percentile needs."""
    if dialect_of(session) != "sqlite":
        return column
    return literal_column(f"+{column.table.name}.{column.name}", type_=column.type)


def predicate(session: Session, pair: tuple[str, str], alias: Any = None) -> TextClause:
    """One of the report predicates of sopdesk.store.models.reports, for this database, on the
    timeline or on an alias of it (the words stay those of the partial index)."""
    name = str(inspect(alias).selectable.name) if alias is not None else ""
    return text(predicate_words(pair, dialect_of(session), name))


def day_of(session: Session, column: Any) -> ColumnElement[Any]:
    """The UTC day of a timestamp: text 'YYYY-MM-DD' on SQLite, a date on PostgreSQL (str() of
    either reads the same)."""
    if dialect_of(session) == "sqlite":
        return func.substr(column, 1, 10)
    return cast(func.timezone("UTC", column), Date)


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


def grouped_rows(
    session: Session, query: Select[Any], keys: tuple[Any, Any]
) -> list[tuple[Any, ...]]:
    """`query` (an aggregate whose first columns are `keys`, then a count) per group of the two
    key columns, in their order. PostgreSQL groups in one pass over the period's rows. SQLite
    sorts every row of the period into a temporary B-tree for a GROUP BY (3.9 s for 2,000,000
    clocks); so there the groups are found by index look-ups (`_pairs`), and each group is a
    range of an index that leads with the keys."""
    first, second = keys
    if dialect_of(session) != "sqlite":
        return list(session.execute(query.group_by(first, second).order_by(first, second)))
    rows = []
    for x, y in _pairs(session, first, second):
        row = session.execute(query.where(first == x, second == y)).one()
        if row[2]:  # the group has rows in the period
            rows.append(tuple(row))
    return rows


def _pairs(session: Session, first: Any, second: Any) -> list[tuple[Any, Any]]:
    """The distinct (first, second) values of a table with an index that leads with both: a
    loose index scan, one seek per value (MIN over an index range), however many rows."""
    found = []
    x = session.scalar(select(func.min(first)))
    while x is not None:
        y = session.scalar(select(func.min(second)).where(first == x))
        while y is not None:
            found.append((x, y))
            y = session.scalar(select(func.min(second)).where(first == x, second > y))
        x = session.scalar(select(func.min(first)).where(first > x))
    return found


@dataclass(frozen=True)
class Spread:
    """How a set of durations (seconds) spreads: how many, the median and the 90th percentile."""

    group: str
    count: int
    median: float | None
    p90: float | None


def spreads(
    session: Session, values: Select[*tuple[Any, ...]], *, indexed: bool = False
) -> list[Spread]:
    """Count, median and p90 of `values` (columns `grp`, `v`) per group, by the database.
    `indexed`: on SQLite, the query walks an index in the order of `v` (so OFFSET is cheap)."""
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
    return _sqlite_offsets(session, sub) if indexed else _sqlite_ranked(session, sub)


def _float(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def _sqlite_ranked(session: Session, sub: Any) -> list[Spread]:
    """Ranks every value of its group with a window function and keeps only the rows around
    each wanted rank (for values no index holds in order, e.g. computed durations)."""
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


def _sqlite_offsets(session: Session, sub: Any) -> list[Spread]:
    """Per group: its count, then for each percentile the (at most) two values around its rank
    by ORDER BY ... LIMIT 2 OFFSET rank, walking an index that holds the values in order."""
    counts = session.execute(
        select(sub.c.grp, func.count()).group_by(sub.c.grp).order_by(sub.c.grp)
    ).all()
    found = []
    for grp, n in counts:
        picked: dict[int, float] = {}
        for p in PERCENTS:
            low = int(p * (int(n) - 1))
            around = session.scalars(
                select(sub.c.v).where(sub.c.grp == grp).order_by(sub.c.v).limit(2).offset(low)
            ).all()
            picked.update({low + i: float(v) for i, v in enumerate(around)})
        found.append(Spread(str(grp), int(n), *(_interpolate(picked, p, int(n)) for p in PERCENTS)))
    return found


def _interpolate(picked: dict[int, float], p: float, n: int) -> float:
    """percentile_cont: linear interpolation between the values at ranks floor and floor + 1."""
    position = p * (n - 1)
    low = int(position)
    if position == low:
        return picked[low]
    return picked[low] + (picked[low + 1] - picked[low]) * (position - low)
