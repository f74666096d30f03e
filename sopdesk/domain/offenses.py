"""Offense history (seed 002): claims of damage, defect, DNR, ... counted across linked accounts.

Pure counting over plain events in a look-back window; the taxonomy names the kinds and windows.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class OffenseEvent:
    """One claim a customer made, e.g. kind "delivered-not-received", on one of their accounts."""

    kind: str
    at: datetime
    customer_id: int
    case_id: int | None = None  # None: the case being created, not written yet


@dataclass(frozen=True)
class OffenseCount:
    kind: str
    count: int
    window: timedelta
    customer_ids: tuple[int, ...]
    case_ids: tuple[int, ...] = ()  # the counted cases that are written (a new one has no id)

    @property
    def summary(self) -> str:
        """Reads like "2 delivered-not-received in 180 days across accounts 7, 9"."""
        days = self.window.days
        span = f"{days} days" if days * timedelta(days=1) == self.window else str(self.window)
        accounts = ", ".join(str(c) for c in self.customer_ids)
        whose = f"account {accounts}" if len(self.customer_ids) == 1 else f"accounts {accounts}"
        return f"{self.count} {self.kind} in {span} across {whose}"


def count_offenses(
    events: Iterable[OffenseEvent],
    *,
    customer_ids: Collection[int],
    now: datetime,
    window: timedelta,
    windows_by_kind: Mapping[str, timedelta] | None = None,
) -> dict[str, OffenseCount]:
    """Count each kind of offense by the given (linked) accounts within its look-back window.

    An event counts when `now - window <= at <= now`; events of other customers or in the
    future do not. `windows_by_kind` overrides the window for some kinds. Kinds with no
    counted event are absent.
    """
    if now.tzinfo is None:
        raise ValueError(f"offense counting needs a timezone-aware now, got {now!r}")
    if window < timedelta(0) or any(w < timedelta(0) for w in (windows_by_kind or {}).values()):
        raise ValueError("a look-back window cannot be negative")
    accounts = set(customer_ids)
    counted: dict[str, list[OffenseEvent]] = {}
    for event in events:
        if event.at.tzinfo is None:
            raise ValueError(f"offense {event.kind} at {event.at!r} has no timezone")
        kind_window = (windows_by_kind or {}).get(event.kind, window)
        if event.customer_id in accounts and now - kind_window <= event.at <= now:
            counted.setdefault(event.kind, []).append(event)
    return {
        kind: OffenseCount(
            kind=kind,
            count=len(found),
            window=(windows_by_kind or {}).get(kind, window),
            customer_ids=tuple(sorted({e.customer_id for e in found})),
            case_ids=tuple(sorted({e.case_id for e in found if e.case_id is not None})),
        )
        for kind, found in sorted(counted.items())
    }
