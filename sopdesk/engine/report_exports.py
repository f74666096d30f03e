"""Report exports: any report as CSV, and the payout adjustment of each shop for a period
(seed 000: credits "taken out of the shop's payout"), one row per ledger entry paid by the
shop's payout, with each shop's total, as CSV for the finance team.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from sopdesk.domain.principal import Principal
from sopdesk.engine.reports import Report, ReportFilter, require_report_reader
from sopdesk.store.db import Database
from sopdesk.store.models import Case, LedgerEntry, Order, Partner

PAYOUT = "partner-payout"
PAYOUT_COLUMNS = (
    "shop_id",
    "shop",
    "case_id",
    "order_ref",
    "kind",
    "amount",
    "currency",
    "at",
    "description",
)


def to_csv(columns: tuple[str, ...], rows: list[tuple[object, ...]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    return out.getvalue()


def report_csv(report: Report) -> str:
    return to_csv(report.columns, report.rows)


@dataclass(frozen=True)
class PayoutExport:
    rows: list[tuple[object, ...]]
    totals: dict[tuple[int, str], Decimal]  # (shop id, currency) -> amount to deduct

    def csv(self) -> str:
        return to_csv(PAYOUT_COLUMNS, self.rows)


def payout_adjustments(db: Database, principal: Principal, f: ReportFilter) -> PayoutExport:
    """Ledger entries in [since, until) paid out of a shop's payout, per shop (the shop filter
    narrows to one), oldest first."""
    require_report_reader(principal)
    query = (
        select(
            Partner.id,
            Partner.name,
            Case.id,
            Order.external_ref,
            LedgerEntry.kind,
            LedgerEntry.amount,
            LedgerEntry.currency,
            LedgerEntry.at,
            LedgerEntry.description,
        )
        .join(Case, Case.id == LedgerEntry.case_id)
        .join(Partner, Partner.id == Case.partner_id)
        .outerjoin(Order, Order.id == Case.order_id)
        .where(
            LedgerEntry.paid_by == PAYOUT,
            LedgerEntry.at >= f.since,
            LedgerEntry.at < f.until,
        )
        .order_by(Partner.id, LedgerEntry.at, LedgerEntry.id)
    )
    if f.shop_id is not None:
        query = query.where(Partner.id == f.shop_id)
    rows: list[tuple[object, ...]] = []
    totals: dict[tuple[int, str], Decimal] = {}
    with db.transaction(write=False) as session:
        for shop, name, case_id, ref, kind, amount, currency, at, text in session.execute(query):
            value = Decimal(amount or 0)
            key = (int(shop), str(currency))
            totals[key] = totals.get(key, Decimal("0")) + value
            stamp = at.isoformat() if isinstance(at, datetime) else str(at)
            rows.append((shop, name, case_id, ref, kind, f"{value:.2f}", currency, stamp, text))
    return PayoutExport(rows, totals)
