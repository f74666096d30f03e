"""Console pages show times in the desk's timezone: `render` passes it, `when` uses it."""

from __future__ import annotations

from datetime import UTC, datetime

from sopdesk.web.ui.rendering import env

AT = datetime(2026, 12, 1, 11, 15, tzinfo=UTC)


def test_a_page_time_is_in_the_desk_timezone() -> None:
    page = env.from_string("opened {{ at|when }}")
    assert page.render(at=AT, desk_timezone="Europe/Berlin") == "opened 2026-12-01 12:15 CET"
    assert page.render(at=AT, desk_timezone="America/New_York") == "opened 2026-12-01 06:15 EST"


def test_without_a_desk_or_with_an_unknown_zone_the_time_says_utc() -> None:
    page = env.from_string("{{ at|when }}")
    assert page.render(at=AT) == "2026-12-01 11:15 UTC"
    assert page.render(at=AT, desk_timezone="Mars/Olympus") == "2026-12-01 11:15 UTC"
    assert page.render(at=None, desk_timezone="Europe/Berlin") == ""
