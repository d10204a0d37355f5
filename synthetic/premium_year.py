"""The synthetic city's year of premiums so far (premiums' part; a step of ``generate_city`` with
``--business-to``): what the office would have done in the fiscal year of ``as_of`` up to that day,
through the batch kinds and services staff use, so that the premium tab, the arrears list and the
reductions screen show data on first sight (issue 16, item 9):

1. the main levy (本算定): batch kind ``premiums.main_levy``, business date 1 July (or the day,
   if earlier);
2. the payments of every installment due by the day, written by COPY: pension deductions on their
   payment day; bills by account transfer on the 納期限, at a bank or convenience store before it,
   some late, and a few persons who stop paying or never pay (the arrears). Each person's habits
   are drawn from the seed and the person's number, so the same seed and days give the same
   payments;
3. the reminders (督促状): batch kind ``premiums.reminders`` ten days after each bill's 納期限 that
   has passed by then, each run seeing the payments made up to its day (as the daily run would);
4. reductions (減免): two applications taken by a clerk and approved by the section chief, one left
   for the chief to decide (services ``reduction_apply``, ``reduction_decide``), and the re-levy
   (``premiums.relevy``) that applies the approved ones. It needs staff who hold those roles (the
   demo accounts of ``demo_setup``); without them this part is skipped, and the step says so.

The batch runs are real ``BatchRun`` rows processed in this process (``batch_run_here``): the
console lists them like any other run. Nothing is done when the year has a levy already (a city
whose year was run, or levied by hand), nor without a rate table for the year.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.utils import timezone

from kaigo.batches.models import BatchRun
from kaigo.batches.services import batch_run_here
from kaigo.db import constraints_immediate, copy_rows
from kaigo.errors import ApplicationError
from kaigo.staff.models import RoleGrant, Staff
from kaigo.staff.roles import Role
from linkage.payments.simulator import BANKS, POST_OFFICE, STORE_AGENTS
from premiums.collection.models import Payment, PaymentChannel
from premiums.intake.payment_feed.format import payment_number
from premiums.levy.models import Levy, LevyInstallment
from premiums.notices.models import NoticeKind, PremiumNotice
from premiums.levy.selectors import calculator_for
from premiums.reductions.models import Evidence, ReductionKind
from premiums.reductions.services import ReductionApplication, reduction_apply, reduction_decide
from premiums.rules.codes import CollectionMethod
from premiums.rules.tables import fiscal_year_of

if TYPE_CHECKING:
    from synthetic.steps import CityRun

MAIN_LEVY_DAY = (7, 1)  # the main levy runs in July (本算定), once the year's tax facts are in
REMINDER_AFTER_DAYS = 10  # the reminder run that catches a bill: this many days after its 納期限

# Payment habits of the persons billed (普通徴収), by share; everyone else pays on time.
NEVER_PAYS = 0.04  # no payment at all
STOPS_PAYING = 0.06  # pays the first installments, then stops
PAYS_LATE = 0.12  # pays, some installments weeks after the 納期限 (after the reminder)
LATE_SHARE = 0.5  # of a late payer's installments
# How the punctual pay: by account transfer on the 納期限, else at a bank or a store before it.
TRANSFER_SHARE = 0.55
STORE_SHARE = 0.20
PAYMENT_COLUMNS = ["resident_id", "fiscal_year", "method", "month", "channel", "amount", "paid_on", "booked_on",
                   "payment_number", "agent_code", "serial", "note", "recorded_at"]
PAYMENT_TYPES = ["int8", "int2", "text", "date", "text", "int4", "date", "date", "text", "text", "text", "text",
                 "timestamptz"]

# The reductions (減免) of the demo year: kind, evidence, the share remitted (None: left undecided).
REDUCTIONS = (
    (ReductionKind.INCOME_LOSS, (Evidence.INCOME_PROOF,), Decimal("0.5")),
    (ReductionKind.DISASTER, (Evidence.DISASTER_CERTIFICATE,), Decimal("1")),
    (ReductionKind.INCOME_LOSS, (Evidence.INCOME_PROOF,), None),
)


@dataclass(frozen=True)
class Bill:
    """One installment of a person's current levy, as the payments need it."""

    resident_id: int
    notice_number: int
    method: str
    number: int
    month: date
    due_date: date
    amount: int


def _current_installments(fiscal_year: int) -> dict[int, list[Bill]]:
    """Every installment of the year's current levies, by person, in order of their 納期限."""
    rows = (LevyInstallment.objects.filter(levy__fiscal_year=fiscal_year, levy__recorded_to__isnull=True)
            .values_list("levy__resident_id", "levy__notice_number", "method", "number", "month", "due_date", "amount")
            .order_by("levy__resident_id", "due_date", "method"))
    bills: dict[int, list[Bill]] = defaultdict(list)
    for row in rows:
        bills[row[0]].append(Bill(*row))
    return bills


def _insurers(fiscal_year: int) -> dict[int, str]:
    """The 特別徴収義務者 of each person deducted from a pension (the current levy's pension fact)."""
    return dict(Levy.objects.filter(fiscal_year=fiscal_year, recorded_to__isnull=True, pension_fact__isnull=False)
                .values_list("resident_id", "pension_fact__insurer_code"))


def payments_of(person: int, bills: list[Bill], *, fiscal_year: int, seed: int, until: date,
                insurer: str | None, now) -> list[tuple]:
    """The payments (rows of PAYMENT_COLUMNS) a person made for ``bills`` up to ``until``: the
    person's habit and channel drawn from the seed and the person's number alone."""
    rng = random.Random(f"{seed}:premium-payments:{person}")
    draw = rng.random()
    habit = ("never" if draw < NEVER_PAYS else "stops" if draw < NEVER_PAYS + STOPS_PAYING
             else "late" if draw < NEVER_PAYS + STOPS_PAYING + PAYS_LATE else "punctual")
    stops_at = rng.randint(2, 5)  # the first bill a person who stops leaves unpaid
    channel = rng.random()
    agent = rng.choice(BANKS)
    store = rng.choice(STORE_AGENTS)
    rows = []
    billed = 0
    for bill in bills:
        if bill.method == CollectionMethod.PENSION_DEDUCTION:
            if bill.due_date <= until:  # deducted on the pension's payment day
                rows.append((person, fiscal_year, bill.method, bill.month, PaymentChannel.PENSION, bill.amount,
                             bill.due_date, bill.due_date, "", insurer or "", "", "", now))
            continue
        billed += 1
        late = rng.random() < LATE_SHARE  # drawn for every bill, so that one habit does not shift the next
        days_before = rng.randint(0, 12)
        days_late = rng.randint(REMINDER_AFTER_DAYS + 2, 45)
        if habit == "never" or (habit == "stops" and billed >= stops_at):
            continue
        if habit == "late" and late:
            paid_on, kind, code = bill.due_date + timedelta(days=days_late), PaymentChannel.BANK, agent
        elif channel < TRANSFER_SHARE:
            paid_on, kind, code = bill.due_date, PaymentChannel.TRANSFER, agent
        elif channel < TRANSFER_SHARE + STORE_SHARE:
            paid_on, kind, code = max(bill.month, bill.due_date - timedelta(days=days_before)), \
                PaymentChannel.CONVENIENCE, store
        else:
            paid_on = max(bill.month, bill.due_date - timedelta(days=days_before))
            kind, code = PaymentChannel.BANK, POST_OFFICE if agent == BANKS[0] else agent
        if paid_on > until:
            continue
        booked_on = min(paid_on + timedelta(days=0 if kind == PaymentChannel.TRANSFER else 2), until)
        rows.append((person, fiscal_year, bill.method, bill.month, kind, bill.amount, paid_on, booked_on,
                     payment_number(fiscal_year, bill.notice_number, bill.number), code, "", "", now))
    return rows


def _write_payments(rows: list[tuple]) -> int:
    if not rows:
        return 0
    with transaction.atomic():
        constraints_immediate()  # bulk writes to trail-tracked tables (kaigo.db)
        written = copy_rows(Payment, PAYMENT_COLUMNS, rows, types=PAYMENT_TYPES)
    _analyze(Payment)
    return written


def _analyze(*models) -> None:
    """Fresh planner statistics after a bulk write: a table filled by COPY a moment ago still looks
    empty to the planner until autovacuum analyzes it, and the reminders' plan over it (a join of
    the installments and their payments) then takes seconds instead of milliseconds."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models))


def _staff_with(role: Role) -> Staff | None:
    """The first active staff member (by number) who holds ``role`` now."""
    grant = (RoleGrant.objects.in_force().filter(role=role, staff__is_active=True).order_by("staff_id")
             .select_related("staff").first())
    return grant.staff if grant else None


def _reductions(fiscal_year: int, *, seed: int, day: date) -> tuple[int, int]:
    """The demo year's reductions (REDUCTIONS) of persons billed at stage 2 or higher, chosen by the
    seed: (approved, left undecided). Taken by a head-office clerk (else a ward clerk), decided by
    the section chief; (-1, -1) when the city has no such staff."""
    clerk = _staff_with(Role.HEAD_OFFICE_CLERK) or _staff_with(Role.WARD_CLERK)
    chief = _staff_with(Role.SECTION_CHIEF)
    if clerk is None or chief is None:
        return -1, -1
    candidates = list(Levy.objects.filter(fiscal_year=fiscal_year, recorded_to__isnull=True, stage__gte=2,
                                          collection_method=CollectionMethod.BILLING)
                      .order_by("resident_id").values_list("resident_id", flat=True))
    persons = random.Random(f"{seed}:reductions").sample(candidates, min(len(REDUCTIONS), len(candidates)))
    applied_on = max(date(fiscal_year, 4, 1), day - timedelta(days=14))
    first_month = applied_on.replace(day=1)
    approved = pending = 0
    for person, (kind, evidence, rate) in zip(persons, REDUCTIONS, strict=False):
        reduction = reduction_apply(actor=clerk, resident_id=person, application=ReductionApplication(
            fiscal_year=fiscal_year, kind=kind, applied_on=applied_on, first_month=first_month,
            last_month=date(fiscal_year + 1, 3, 1), evidence=evidence))
        if rate is None:
            pending += 1
            continue
        reduction_decide(actor=chief, reduction_id=reduction.pk, approve=True, rate=rate)
        approved += 1
    return approved, pending


def premium_year_step(run: CityRun) -> str | None:
    """Step of ``generate_city`` with ``--business-to``: the year of ``run.as_of`` run up to that
    day (module docstring). Nothing without it, when the year has a levy, or without a rate table."""
    if run.business_to is None:
        return None
    fiscal_year = fiscal_year_of(run.as_of)
    if Levy.objects.filter(fiscal_year=fiscal_year).exists():
        return None
    try:
        calculator_for(fiscal_year)
    except ApplicationError as missing:  # no rate table or collection plan for the year
        return f"premium year {fiscal_year}: not run ({missing.code})"
    started = time.perf_counter()
    day = run.business_to
    levy_day = min(date(fiscal_year, *MAIN_LEVY_DAY), day)
    levy = batch_run_here(kind="premiums.main_levy", params={"fiscal_year": fiscal_year,
                                                             "business_date": levy_day.isoformat()},
                          actor=None, origin=BatchRun.Origin.COMMAND)
    _analyze(Levy, LevyInstallment)
    bills = _current_installments(fiscal_year)
    insurers = _insurers(fiscal_year)
    now = timezone.now()
    payments = sorted((row for person, rows in bills.items()
                       for row in payments_of(person, rows, fiscal_year=fiscal_year, seed=run.seed, until=day,
                                              insurer=insurers.get(person), now=now)),
                      key=lambda row: (row[6], row[0]))
    reminder_days = sorted({b.due_date + timedelta(days=REMINDER_AFTER_DAYS) for rows in bills.values() for b in rows
                            if b.method == CollectionMethod.BILLING
                            and b.due_date + timedelta(days=REMINDER_AFTER_DAYS) <= day})
    written = 0
    for reminder_day in reminder_days:  # each run sees the payments made by its day
        written += _write_payments([row for row in payments[written:] if row[6] <= reminder_day])
        batch_run_here(kind="premiums.reminders", params={"business_date": reminder_day.isoformat()},
                       actor=None, origin=BatchRun.Origin.SCHEDULE)
    written += _write_payments(payments[written:])
    reminded = PremiumNotice.objects.filter(fiscal_year=fiscal_year, kind=NoticeKind.REMINDER).count()
    approved, pending = _reductions(fiscal_year, seed=run.seed, day=day)
    if approved > 0:
        batch_run_here(kind="premiums.relevy", params={"fiscal_year": fiscal_year, "business_date": day.isoformat()},
                       actor=None, origin=BatchRun.Origin.COMMAND)
    reductions = ("no reductions (no staff holding the clerk's and the section chief's roles: run demo_staff first)"
                  if approved < 0 else f"{approved} reductions approved and applied, {pending} awaiting the chief")
    return (f"premium year {fiscal_year} up to {day.isoformat()}: {levy.total:,} persons levied, {written:,} payments, "
            f"{reminded:,} reminders in {len(reminder_days)} runs, {reductions}, in "
            f"{time.perf_counter() - started:.1f} s")
