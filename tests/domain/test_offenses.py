"""Offense counting across linked accounts in a look-back window (seed 002's matrix input).

Window edges, other customers, future events and per-kind windows.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sopdesk.domain.offenses import OffenseCount, OffenseEvent, count_offenses

NOW = datetime(2026, 11, 10, 12, tzinfo=UTC)
DAYS_180 = timedelta(days=180)


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


EVENTS = [
    OffenseEvent("delivered-not-received", ago(10), customer_id=7),
    OffenseEvent("delivered-not-received", ago(100), customer_id=9),
    OffenseEvent("delivered-not-received", ago(181), customer_id=7),  # too old
    OffenseEvent("damage", ago(180), customer_id=9),  # exactly at the edge: counts
    OffenseEvent("damage", ago(2), customer_id=42),  # someone else
    OffenseEvent("defect", NOW + timedelta(minutes=1), customer_id=7),  # not yet
]


def test_counts_per_kind_across_linked_accounts() -> None:
    counts = count_offenses(EVENTS, customer_ids={7, 9}, now=NOW, window=DAYS_180)
    assert counts == {
        "damage": OffenseCount("damage", 1, DAYS_180, (9,)),
        "delivered-not-received": OffenseCount("delivered-not-received", 2, DAYS_180, (7, 9)),
    }
    assert counts["delivered-not-received"].summary == (
        "2 delivered-not-received in 180 days across accounts 7, 9"
    )
    assert counts["damage"].summary == "1 damage in 180 days across account 9"


def test_one_account_alone_sees_only_its_own_history() -> None:
    counts = count_offenses(EVENTS, customer_ids=[7], now=NOW, window=DAYS_180)
    assert {kind: c.count for kind, c in counts.items()} == {"delivered-not-received": 1}


def test_a_kind_can_have_its_own_window() -> None:
    counts = count_offenses(
        EVENTS,
        customer_ids={7, 9},
        now=NOW,
        window=DAYS_180,
        windows_by_kind={"delivered-not-received": timedelta(days=365)},
    )
    assert counts["delivered-not-received"].count == 3
    assert counts["delivered-not-received"].window == timedelta(days=365)
    assert counts["damage"].count == 1


def test_no_history_is_an_empty_count() -> None:
    assert count_offenses([], customer_ids={1}, now=NOW, window=DAYS_180) == {}


def test_naive_times_and_negative_windows_are_refused() -> None:
    naive = datetime(2026, 11, 1)  # noqa: DTZ001
    with pytest.raises(ValueError, match="timezone-aware"):
        count_offenses([], customer_ids={1}, now=naive, window=DAYS_180)
    with pytest.raises(ValueError, match="no timezone"):
        count_offenses(
            [OffenseEvent("damage", naive, 1)], customer_ids={1}, now=NOW, window=DAYS_180
        )
    with pytest.raises(ValueError, match="negative"):
        count_offenses([], customer_ids={1}, now=NOW, window=-DAYS_180)


def test_counts_name_the_written_cases_they_counted() -> None:
    events = [
        OffenseEvent("damage", ago(3), customer_id=7, case_id=12),
        OffenseEvent("damage", ago(2), customer_id=9, case_id=15),
        OffenseEvent("damage", NOW, customer_id=7),  # the case being created: no id yet
    ]
    (damage,) = count_offenses(events, customer_ids={7, 9}, now=NOW, window=DAYS_180).values()
    assert (damage.count, damage.case_ids, damage.customer_ids) == (3, (12, 15), (7, 9))
