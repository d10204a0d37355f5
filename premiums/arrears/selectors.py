"""Reads of arrears (滞納): the open bill installments past their 納期限 (set-based, for a range of
persons at a time: the current levy revision's bill installments minus the payments and
write-offs of the same person, year and month), the persons to plan the reminder and
prescription runs over, the arrears list of a ward for collection work (滞納整理) with the
persons' names (one access-log row per page), and the store 速報 waiting too long for their
確報. The rules are premiums.rules.arrears."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from django.conf import settings
from django.db import connection

from audit.services import access_log_write
from eligibility.residents.selectors import residents_by_id, ward_residents
from kaigo.db import fetch_rows
from premiums.rules.arrears import ASSUMED_ARREARS_PLAN, ArrearsPlan, prescribed_on, reminder_pay_by


def arrears_plan() -> ArrearsPlan:
    """The city's arrears settings in force: ASSUMED_ARREARS_PLAN with the late charge (延滞金) as the
    setting KAIGO_LATE_CHARGE_FROM says (the first fiscal year charged; None: not charged)."""
    start = settings.KAIGO_LATE_CHARGE_FROM
    if start is None:
        return ASSUMED_ARREARS_PLAN
    return replace(ASSUMED_ARREARS_PLAN, charge_late_fees=True, late_fees_from_fiscal_year=start)

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
        cursor.execute("SELECT o.resident_id, o.fiscal_year, o.month, o.due_date, o.open FROM (" + OPEN_BILLS_SQL + ") o",
                       {"lo": 0, "hi": 2**62, "today": today})
        rows = cursor.fetchall()
        in_ward = ward_residents(ward, sorted({r[0] for r in rows}))
        rows = [r for r in rows if r[0] in in_ward]
        persons = sorted(in_ward)
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
    rows = fetch_rows(
        "SELECT resident_id, fiscal_year, month, amount, paid_on, agent_code FROM premiums_preliminarypayment "
        "WHERE confirmed_by_id IS NULL AND paid_on <= %s ORDER BY paid_on, id", [today - timedelta(days=wait_days)])
    in_ward = ward_residents(ward, sorted({r.resident_id for r in rows}))
    return [StalePreliminary(*row, (today - row.paid_on).days) for row in rows if row.resident_id in in_ward][:limit]


# --- the arrears list of a ward ------------------------------------------------------------------


ARREARS_PAGE_SIZE = 50


@dataclass
class ArrearsPage:
    ward: str
    rows: list[tuple]  # (ArrearsRow, Resident)
    total: int
    offset: int
    stale: list[tuple] = field(default_factory=list)  # (StalePreliminary, Resident): 速報 waiting too long


def arrears_page(*, actor, request, ward: str, today: date, offset: int = 0) -> ArrearsPage:
    """One page of a ward's arrears list with the persons' names (decrypted for this page only),
    and on the first page the store 速報 waiting too long for their 確報; one access-log row naming
    the page's persons."""
    from premiums.arrears.selectors import arrears_rows, stale_preliminaries

    rows, total = arrears_rows(ward=ward, today=today, limit=ARREARS_PAGE_SIZE, offset=offset)
    stale = stale_preliminaries(ward=ward, today=today) if offset == 0 else []
    ids = sorted({r.resident_id for r in rows} | {s.resident_id for s in stale})
    residents = residents_by_id(ids)
    page = ArrearsPage(ward, [(r, residents[r.resident_id]) for r in rows if r.resident_id in residents], total, offset,
                       [(s, residents[s.resident_id]) for s in stale if s.resident_id in residents])
    access_log_write(actor=actor, request=request, function="premium.arrears", channel="screen", person_ids=ids,
                     hits=total)
    return page


# --- the arrears facts of the benefit restrictions (給付制限, benefits.restrictions) -----------------


@dataclass(frozen=True)
class OpenBill:
    """A bill installment (普通徴収) unpaid after its 納期限 in force (a deferral's 猶予期限 when one
    covers it). Pension deductions (特別徴収) are never arrears."""

    fiscal_year: int
    month: date
    due_date: date
    open: int


@dataclass(frozen=True)
class PremiumYearFacts:
    """One fiscal year of a person's premiums (調定年度): the levied amount of the current revision
    after 減免 (調定額), what was collected by any method (収入額) and what lapsed by prescription
    (時効消滅, 不納欠損)."""

    fiscal_year: int
    levied: int
    paid: int
    prescribed: int


def open_bills_of(resident_id: int, *, today: date) -> list[OpenBill]:
    """A person's bill installments unpaid after their 納期限 in force on ``today``, oldest first
    (the same query as the arrears list; no access log: a caller showing them logs its page)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT o.fiscal_year, o.month, o.due_date, o.open FROM (" + OPEN_BILLS_SQL + ") o "
                       "ORDER BY o.due_date, o.fiscal_year, o.month",
                       {"lo": resident_id, "hi": resident_id + 1, "today": today})
        return [OpenBill(*row) for row in cursor.fetchall()]


def oldest_open_dues(*, today: date, due_before: date) -> dict[int, tuple[date, int]]:
    """Set-based, for the whole city: every person with a bill unpaid on ``today`` whose 納期限 in
    force is before ``due_before``, with the oldest such 納期限 and their whole unpaid amount."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT o.resident_id, min(o.due_date), sum(o.open) FROM (" + OPEN_BILLS_SQL + ") o "
                       "GROUP BY o.resident_id HAVING min(o.due_date) < %(before)s",
                       {"lo": 0, "hi": 2**62, "today": today, "before": due_before})
        return {pid: (due, int(amount)) for pid, due, amount in cursor.fetchall()}


def prescribed_persons() -> dict[int, int]:
    """Every person with premiums written off by prescription (時効消滅) and the amount."""
    return {pid: int(amount) for pid, amount in fetch_rows(
        "SELECT resident_id, sum(amount) AS amount FROM premiums_writeoff GROUP BY resident_id", [])}


def premium_years_of(resident_id: int) -> list[PremiumYearFacts]:
    """A person's fiscal years with a current levy: 調定額, 収入額 and 時効消滅額 (the 給付額減額期間 of
    法 §69 is computed from them), oldest first."""
    return [PremiumYearFacts(*row) for row in fetch_rows(
        "SELECT l.fiscal_year, l.amount - l.exemption AS levied, "
        "       coalesce((SELECT sum(p.amount) FROM premiums_payment p WHERE p.resident_id = l.resident_id "
        "                 AND p.fiscal_year = l.fiscal_year), 0)::int AS paid, "
        "       coalesce((SELECT sum(w.amount) FROM premiums_writeoff w WHERE w.resident_id = l.resident_id "
        "                 AND w.fiscal_year = l.fiscal_year), 0)::int AS prescribed "
        "FROM premiums_levy l WHERE l.resident_id = %s AND l.recorded_to IS NULL ORDER BY l.fiscal_year",
        [resident_id])]
