"""Status-page rules: component state at an instant, 90-day uptime, incidents a text names."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sopdesk.domain.status import (
    ComponentState,
    IncidentFacts,
    IncidentPhase,
    MaintenanceFacts,
    UpdateFacts,
    component_states,
    daily_uptime,
    incidents_affecting,
    mentioned_components,
    overall_state,
    uptime_share,
)

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
H = timedelta(hours=1)
S = ComponentState
P = IncidentPhase
COMPONENTS = ["api", "dashboard", "wallet-passes"]


def incident(
    id: int, *updates: tuple[datetime, IncidentPhase, dict[str, ComponentState]]
) -> IncidentFacts:
    return IncidentFacts(id, f"incident {id}", tuple(UpdateFacts(*u) for u in updates))


API_DOWN = incident(
    1,
    (T0, P.INVESTIGATING, {"api": S.MAJOR_OUTAGE}),
    (T0 + 2 * H, P.MONITORING, {"api": S.DEGRADED}),
    (T0 + 4 * H, P.RESOLVED, {}),
)
WINDOW = MaintenanceFacts(7, "db upgrade", T0 + H, T0 + 3 * H, ("api", "dashboard"))


def test_a_component_takes_the_state_the_current_update_reports() -> None:
    assert component_states(COMPONENTS, [API_DOWN], [], T0 - H)["api"] is S.OPERATIONAL
    assert component_states(COMPONENTS, [API_DOWN], [], T0)["api"] is S.MAJOR_OUTAGE
    assert component_states(COMPONENTS, [API_DOWN], [], T0 + 3 * H)["api"] is S.DEGRADED
    assert component_states(COMPONENTS, [API_DOWN], [], T0 + 4 * H)["api"] is S.OPERATIONAL


def test_maintenance_marks_expected_down_only_in_its_window_and_an_outage_outranks_it() -> None:
    at = T0 + 2.5 * H
    states = component_states(COMPONENTS, [API_DOWN], [WINDOW], at)
    assert states == {"api": S.DEGRADED, "dashboard": S.MAINTENANCE, "wallet-passes": S.OPERATIONAL}
    assert component_states(COMPONENTS, [], [WINDOW], T0 + 3 * H)["dashboard"] is S.OPERATIONAL
    assert overall_state(states) is S.DEGRADED


def test_the_worst_of_two_overlapping_incidents_wins_and_unknown_slugs_are_ignored() -> None:
    other = incident(2, (T0 + H, P.IDENTIFIED, {"api": S.PARTIAL_OUTAGE, "gone": S.MAJOR_OUTAGE}))
    states = component_states(COMPONENTS, [API_DOWN, other], [], T0 + 3 * H)
    assert states["api"] is S.PARTIAL_OUTAGE
    assert "gone" not in states


def test_daily_uptime_counts_major_fully_partial_half_and_degraded_not() -> None:
    now = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    days = daily_uptime("api", [API_DOWN], now)
    assert len(days) == 90
    assert days[-1].day == now.date() and days[-1].uptime == 1.0
    incident_day = days[-2]
    assert incident_day.day == T0.date()
    assert incident_day.uptime == pytest.approx(1 - 2 / 24)  # 2 h major, then degraded
    assert incident_day.worst is S.MAJOR_OUTAGE and incident_day.incident_ids == (1,)
    partial = incident(
        3, (T0, P.IDENTIFIED, {"api": S.PARTIAL_OUTAGE}), (T0 + 4 * H, P.RESOLVED, {})
    )
    assert daily_uptime("api", [partial], now)[-2].uptime == pytest.approx(1 - 2 / 24)
    assert daily_uptime("dashboard", [API_DOWN], now)[-2].uptime == 1.0


def test_overlapping_outages_count_once_and_an_open_incident_runs_to_now() -> None:
    now = T0 + 6 * H
    twice = incident(4, (T0, P.INVESTIGATING, {"api": S.MAJOR_OUTAGE}))
    days = daily_uptime("api", [API_DOWN, twice], now, days=2)
    elapsed = 18  # hours of the day so far
    assert days[-1].uptime == pytest.approx(1 - 6 / elapsed)
    assert days[-1].incident_ids == (1, 4)
    assert uptime_share(days) == pytest.approx((1 + 1 - 6 / elapsed) / 2)


def test_an_outage_across_midnight_is_split_between_the_days() -> None:
    late = datetime(2026, 11, 20, 23, 0, tzinfo=UTC)
    night = incident(
        5, (late, P.INVESTIGATING, {"api": S.MAJOR_OUTAGE}), (late + 2 * H, P.RESOLVED, {})
    )
    days = daily_uptime("api", [night], late + 12 * H, days=2)
    assert [d.uptime for d in days] == [
        pytest.approx(23 / 24),
        pytest.approx(1 - 1 / 11),
    ]  # 11 h elapsed


def test_a_question_names_components_by_slug_or_by_every_word_of_the_title() -> None:
    titles = {"wallet-passes": "Wallet passes", "api": "API and webhooks", "dashboard": "Dashboard"}
    assert mentioned_components("My wallet passes do not update", titles) == ["wallet-passes"]
    assert mentioned_components("the API returns 500", titles) == ["api"]
    assert mentioned_components("Where is my wallet?", titles) == []


def test_only_active_incidents_on_the_named_components_are_found() -> None:
    assert incidents_affecting(["api"], [API_DOWN], T0 + H) == [API_DOWN]
    assert incidents_affecting(["dashboard"], [API_DOWN], T0 + H) == []
    assert incidents_affecting(["api"], [API_DOWN], T0 + 5 * H) == []
