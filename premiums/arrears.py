"""Arrears (滞納) in the database: the reminders (督促状) of bills unpaid after their 納期限, the
prescription (時効) that writes off what can no longer be collected (不納欠損), and the arrears
list per ward for collection work. The rules are premiums.rules.arrears; the batch kinds
``premiums.reminders`` and ``premiums.prescription`` call the chunk functions here.

Open amounts are computed set-based: the current levy revision's bill installments minus the
payments and write-offs of the same (person, year, month), for a range of persons at a time.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import connection

from premiums.rules.arrears import ASSUMED_ARREARS_PLAN, ArrearsPlan, prescribed_on, reminder_pay_by

# the open bill installments of current levies: (resident, fiscal year, levy, month, 納期限 in force,
# open). The 納期限 in force is the latest 猶予期限 of an approved deferral (徴収猶予) covering the
# installment's own 納期限, else that date: the SQL form of premiums.rules.deferral.deferred_due.
OPEN_BILLS_SQL = """
SELECT l.resident_id, l.fiscal_year, l.id, i.month, coalesce(d.until, i.due_date) AS due_date,
       i.amount - coalesce(p.paid, 0) - coalesce(w.amount, 0) AS open
FROM premiums_levy l
JOIN premiums_levyinstallment i ON i.levy_id = l.id AND i.method = 'billing'
LEFT JOIN LATERAL (SELECT max(r.deferred_until) AS until FROM premiums_reduction r
                   WHERE r.resident_id = l.resident_id AND r.fiscal_year = l.fiscal_year AND r.kind = 'deferral'
                     AND r.status = 'approved' AND i.due_date BETWEEN r.first_month AND r.deferred_until) d ON true
LEFT JOIN (SELECT resident_id, fiscal_year, month, sum(amount) AS paid FROM premiums_payment
           WHERE method = 'billing' AND resident_id >= %(lo)s AND resident_id < %(hi)s
           GROUP BY resident_id, fiscal_year, month) p
       ON p.resident_id = l.resident_id AND p.fiscal_year = l.fiscal_year AND p.month = i.month
LEFT JOIN premiums_writeoff w ON w.resident_id = l.resident_id AND w.fiscal_year = l.fiscal_year
       AND w.method = 'billing' AND w.month = i.month AND w.resident_id >= %(lo)s AND w.resident_id < %(hi)s
WHERE l.recorded_to IS NULL AND l.resident_id >= %(lo)s AND l.resident_id < %(hi)s
  AND coalesce(d.until, i.due_date) < %(today)s AND i.amount - coalesce(p.paid, 0) - coalesce(w.amount, 0) > 0
"""


def overdue_persons(today: date) -> list[int]:
    """Persons with a bill installment unpaid after its 納期限 (for planning chunks)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT resident_id FROM (" + OPEN_BILLS_SQL + ") o ORDER BY resident_id",
                       {"lo": 0, "hi": 2**62, "today": today})
        return [r[0] for r in cursor.fetchall()]


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


@dataclass
class ArrearsRow:
    resident_id: int
    years: list[int]
    installments: int
    amount: int
    oldest_due: date
    reminded: int
    next_prescription: date | None


def arrears_rows(*, ward: str, today: date, limit: int, offset: int = 0,
                 plan: ArrearsPlan = ASSUMED_ARREARS_PLAN) -> tuple[list[ArrearsRow], int]:
    """The persons of ``ward`` with bills unpaid after their 納期限, the largest arrears first, and
    how many there are in all (the collection worklist, 滞納整理)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT o.resident_id, o.fiscal_year, o.month, o.due_date, o.open FROM (" + OPEN_BILLS_SQL + ") o "
            "JOIN eligibility_resident r ON r.id = o.resident_id WHERE r.ward = %(ward)s",
            {"lo": 0, "hi": 2**62, "today": today, "ward": ward})
        rows = cursor.fetchall()
        persons = sorted({r[0] for r in rows})
        cursor.execute("SELECT resident_id, fiscal_year, installment_month, issued_on FROM premiums_premiumnotice "
                       "WHERE kind = 'reminder' AND resident_id = ANY(%s)", [persons])
        reminders: dict[tuple, list[date]] = defaultdict(list)
        for pid, fiscal_year, month, issued in cursor.fetchall():
            reminders[(pid, fiscal_year, month)].append(issued)
    by_person: dict[int, list[tuple]] = defaultdict(list)
    for pid, fiscal_year, month, due_date, open_amount in rows:
        by_person[pid].append((fiscal_year, month, due_date, open_amount))
    result = []
    for pid, items in by_person.items():
        reminded = sum(1 for fy, month, _, _ in items if reminders.get((pid, fy, month)))
        lapses = [prescribed_on(due, [reminder_pay_by(d, plan) for d in reminders.get((pid, fy, month), [])], plan)
                  for fy, month, due, _ in items]
        result.append(ArrearsRow(pid, sorted({i[0] for i in items}), len(items), sum(i[3] for i in items),
                                 min(i[2] for i in items), reminded, min(lapses) if lapses else None))
    result.sort(key=lambda r: (-r.amount, r.resident_id))
    return result[offset:offset + limit], len(result)


PRELIMINARY_WAIT_DAYS = 14  # a 確報 normally follows its 速報 within about a week [CONFIG]


@dataclass
class StalePreliminary:
    resident_id: int
    fiscal_year: int
    month: date
    amount: int
    paid_on: date
    agent_code: str
    days: int


def stale_preliminaries(*, ward: str, today: date, wait_days: int = PRELIMINARY_WAIT_DAYS,
                        limit: int = 100) -> list[StalePreliminary]:
    """Store 速報 of ``ward``'s residents still without their 確報 ``wait_days`` after the payment,
    the oldest first: the store chain may have cancelled them, and while they wait no reminder is
    issued for their installment, so staff check them with the collecting agent."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pp.resident_id, pp.fiscal_year, pp.month, pp.amount, pp.paid_on, pp.agent_code "
            "FROM premiums_preliminarypayment pp JOIN eligibility_resident r ON r.id = pp.resident_id "
            "WHERE pp.confirmed_by_id IS NULL AND pp.paid_on <= %s AND r.ward = %s "
            "ORDER BY pp.paid_on, pp.id LIMIT %s", [today - timedelta(days=wait_days), ward, limit])
        return [StalePreliminary(*row, (today - row[4]).days) for row in cursor.fetchall()]
