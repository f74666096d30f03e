"""The database reports as charts for the console: one horizontal bar chart per report (drawn
server-side as inline SVG, labels above the bars so it reads at 390 px), each with its table.
"""

from __future__ import annotations

from dataclasses import dataclass

from sopdesk.engine.reports import Report

WIDTH = 360  # viewBox units; the SVG scales to the page
# Drawn at SCALE times its viewBox (12-unit labels at 18 px) and no wider, and CSS shrinks it
# on a phone: at width 100% a wide screen blew a chart of three bars up to 40 px letters.
SCALE = 1.5
ROW = 34
# Per report: the columns that name a bar, and the column its length shows.
SHAPES: dict[str, tuple[tuple[str, ...], str]] = {
    "volume-category": (("category",), "cases"),
    "volume-level": (("level",), "cases"),
    "volume-channel": (("channel",), "cases"),
    "volume-day": (("day",), "cases"),
    "sla": (("policy", "metric"), "percent_met"),
    "times": (("metric",), "median_seconds"),
    "backlog": (("level", "age"), "cases"),
    "escalations": (("from_level", "to_level", "reason"), "count"),
    "partners": (("shop_id",), "median_seconds"),
    "resolutions": (("kind", "paid_by", "currency"), "total"),
    "triage": (("category",), "percent_corrected"),
    "bot": (("outcome",), "conversations"),
}
MAX_BARS = 40


@dataclass(frozen=True)
class ChartBar:
    label: str
    value: float
    shown: str
    y: int
    width: float


@dataclass(frozen=True)
class Chart:
    report: Report
    measure: str
    bars: list[ChartBar]

    @property
    def height(self) -> int:
        return max(ROW, len(self.bars) * ROW)


def _number(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0


def chart_of(report: Report) -> Chart:
    names, measure = SHAPES[report.name]
    at = {c: i for i, c in enumerate(report.columns)}
    records = report.rows[-MAX_BARS:] if report.name == "volume-day" else report.rows[:MAX_BARS]
    values = [_number(row[at[measure]]) for row in records]
    biggest = max(values, default=0.0) or 1.0
    bars = []
    for index, (row, value) in enumerate(zip(records, values, strict=True)):
        label = " · ".join(f"{row[at[n]]}" for n in names)
        if report.name == "escalations":
            label = f"level {row[at['from_level']]} → {row[at['to_level']]} ({row[at['reason']]})"
        shown = "—" if row[at[measure]] is None else f"{row[at[measure]]}"
        bars.append(ChartBar(label, value, shown, index * ROW, (WIDTH - 60) * value / biggest))
    return Chart(report, measure, bars)
