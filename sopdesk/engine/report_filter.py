"""The filter every report reads (period, level, category, channel, agent, shop), parsed from
query parameters with a clear message for each bad value, and who may read reports.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sopdesk.domain.principal import Principal
from sopdesk.engine.access import require
from sopdesk.errors import InvalidInput

MIN_REPORT_LEVEL = 2
MAX_PERIOD = timedelta(days=366)
DEFAULT_PERIOD = timedelta(days=30)


def require_report_reader(principal: Principal) -> None:
    """Reports are for agents of level 2 and up, leads and admins (`reports.read`)."""
    require(principal, "reports.read")


@dataclass(frozen=True)
class ReportFilter:
    since: datetime
    until: datetime
    level: int | None = None
    category: str | None = None
    channel: str | None = None
    agent_id: int | None = None
    shop_id: int | None = None

    @property
    def narrows_cases(self) -> bool:
        return any(
            v is not None
            for v in (self.level, self.category, self.channel, self.agent_id, self.shop_id)
        )


def _int(params: Mapping[str, str], name: str) -> int | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise InvalidInput(f"{name} must be a whole number, not {raw!r}") from None


def _date(params: Mapping[str, str], name: str, default: datetime) -> datetime:
    raw = (params.get(name) or "").strip()
    if not raw:
        return default
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(f"{name} must be a date like 2026-11-23, not {raw!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=default.tzinfo)


def parse_filter(params: Mapping[str, str], now: datetime) -> ReportFilter:
    """The filter from query parameters `from`, `to` (dates or ISO times; `to` is exclusive and
    a bare date means the end of that day; by default the
    30 days up to the end of today), `level`, `category`, `channel`, `agent`, `shop`."""
    end_of_today = datetime.combine(now.date() + timedelta(days=1), time(), now.tzinfo)
    until = _date(params, "to", end_of_today)
    if (params.get("to") or "").strip() and len(params["to"].strip()) == 10:
        until += timedelta(days=1)
    since = _date(params, "from", until - DEFAULT_PERIOD)
    if since >= until:
        raise InvalidInput("from must be before to")
    if until - since > MAX_PERIOD:
        raise InvalidInput(f"a report covers at most {MAX_PERIOD.days} days")
    level = _int(params, "level")
    if level is not None and not 1 <= level <= 4:
        raise InvalidInput("level must be 1..4")
    return ReportFilter(
        since,
        until,
        level=level,
        category=(params.get("category") or "").strip() or None,
        channel=(params.get("channel") or "").strip() or None,
        agent_id=_int(params, "agent"),
        shop_id=_int(params, "shop"),
    )
