"""Writes of arrears (滞納), one chunk of persons at a time inside the batch framework's
transaction: the reminders (督促状) of bills unpaid after their 納期限 and the prescription (時効)
that writes off what can no longer be collected (不納欠損). The rules are premiums.rules.arrears;
the batch kinds ``premiums.reminders`` and ``premiums.prescription`` call these functions."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import connection

from premiums.arrears.selectors import OPEN_BILLS_SQL
from premiums.rules.arrears import ASSUMED_ARREARS_PLAN, ArrearsPlan, prescribed_on, reminder_pay_by


@dataclass
class ArrearsChunkResult:
    done: int = 0
    persons: set[int] = field(default_factory=set)


def reminders_chunk(*, lo: int, hi: int, issued_on: date, batch_run_id: int | None = None,
                    plan: ArrearsPlan = ASSUMED_ARREARS_PLAN) -> ArrearsChunkResult:
    """One reminder (督促状) per bill installment of persons ``lo <= id < hi`` unpaid after a 納期限
    that lies within the reminder window before ``issued_on`` (up to ``reminder_within_days``),
    unless one was issued already (a re-run issues none) or a store 速報 of it awaits its 確報 (the
    resident has paid). Returns the reminders written."""
    earliest = issued_on - timedelta(days=plan.reminder_within_days)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO premiums_premiumnotice (resident_id, fiscal_year, kind, levy_id, installment_month, "
            "issued_on, reprint, batch_run_id, created_at) "
            "SELECT o.resident_id, o.fiscal_year, 'reminder', o.id, o.month, %(today)s, false, %(run)s, now() "
            "FROM (" + OPEN_BILLS_SQL + ") o WHERE o.due_date >= %(earliest)s AND NOT EXISTS ("
            "SELECT 1 FROM premiums_premiumnotice n WHERE n.resident_id = o.resident_id AND n.fiscal_year = "
            "o.fiscal_year AND n.kind = 'reminder' AND n.installment_month = o.month) AND NOT EXISTS ("
            "SELECT 1 FROM premiums_preliminarypayment pp WHERE pp.resident_id = o.resident_id AND pp.fiscal_year = "
            "o.fiscal_year AND pp.month = o.month AND pp.confirmed_by_id IS NULL) RETURNING resident_id",
            {"lo": lo, "hi": hi, "today": issued_on, "earliest": earliest, "run": batch_run_id})
        persons = [r[0] for r in cursor.fetchall()]
    return ArrearsChunkResult(len(persons), set(persons))


def prescription_chunk(*, lo: int, hi: int, today: date, batch_run_id: int | None = None,
                       plan: ArrearsPlan = ASSUMED_ARREARS_PLAN) -> ArrearsChunkResult:
    """Write off (不納欠損) the open part of every bill installment of persons ``lo <= id < hi``
    whose right of collection has lapsed by ``today``: two years from the day after the 納期限,
    renewed by each reminder's payment date and each payment on it (premiums.rules.arrears)."""
    with connection.cursor() as cursor:
        cursor.execute(OPEN_BILLS_SQL, {"lo": lo, "hi": hi, "today": today})
        open_rows = cursor.fetchall()
        if not open_rows:
            return ArrearsChunkResult()
        cursor.execute("SELECT resident_id, fiscal_year, installment_month, issued_on FROM premiums_premiumnotice "
                       "WHERE kind = 'reminder' AND resident_id >= %s AND resident_id < %s", [lo, hi])
        renewals: dict[tuple, list[date]] = defaultdict(list)
        for pid, fiscal_year, month, issued in cursor.fetchall():
            renewals[(pid, fiscal_year, month)].append(reminder_pay_by(issued, plan))
        cursor.execute("SELECT resident_id, fiscal_year, month, paid_on FROM premiums_payment WHERE method = 'billing' "
                       "AND amount > 0 AND resident_id >= %s AND resident_id < %s", [lo, hi])
        for pid, fiscal_year, month, paid_on in cursor.fetchall():
            renewals[(pid, fiscal_year, month)].append(paid_on)
        rows = []
        for pid, fiscal_year, _levy_id, month, due_date, open_amount in open_rows:
            lapsed = prescribed_on(due_date, renewals.get((pid, fiscal_year, month), ()), plan)
            if lapsed <= today:
                rows.append((pid, fiscal_year, "billing", month, open_amount, lapsed, batch_run_id))
        if rows:
            cursor.executemany(
                "INSERT INTO premiums_writeoff (resident_id, fiscal_year, method, month, amount, prescribed_on, "
                "batch_run_id, recorded_at) VALUES (%s, %s, %s, %s, %s, %s, %s, now()) "
                "ON CONFLICT (resident_id, fiscal_year, method, month) DO NOTHING", rows)
    return ArrearsChunkResult(len(rows), {r[0] for r in rows})
