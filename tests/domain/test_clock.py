"""Times as people read them: the desk's timezone, with the zone's abbreviation."""

from __future__ import annotations

from datetime import UTC, datetime

from sopdesk.domain.clock import local_text


def test_local_text_is_the_instant_in_the_desk_timezone_as_a_person_reads_it() -> None:
    from_utc = datetime(2026, 11, 27, 23, 30, tzinfo=UTC)
    assert local_text(from_utc, "Europe/Berlin") == "Sat 28 Nov 2026 00:30 CET"
    assert local_text(from_utc, "America/New_York") == "Fri 27 Nov 2026 18:30 EST"
    summer = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    assert local_text(summer, "Europe/Berlin") == "Wed 01 Jul 2026 10:00 CEST"
