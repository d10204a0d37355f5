"""The levy (賦課) in the database: read the facts of a range of persons, decide each person's
levy with premiums.rules.levy, write the revisions and their installments by COPY.

One call handles one chunk (persons ``lo <= id < hi``) inside the caller's transaction: the batch
framework commits it together with the chunk's done mark, so a killed worker leaves nothing
behind and a re-run levies each person once. Every query carries the range predicate on its own
table (docs/subsystems/levy.md).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from kaigo.batches.registry import RecordError
from kaigo.db import copy_rows, number_allocate
from premiums.calendar import closed_days
from premiums.models import Levy, LevyInstallment, LevySource, ReductionKind
from premiums.rules.codes import CollectionMethod, InstallmentKind, PensionKind
from premiums.rules.errors import PremiumRuleError
from premiums.rules.levy import LevyCalculator, LevyDecision, LevyFacts
from premiums.rules.reduction import ReductionGrant
from premiums.rules.schedule import Installment, PensionFacts, Schedule, pension_payment_date
from premiums.rules.stage import StageInputs
from premiums.rules.tables import PROVISIONAL_MONTHS
from premiums.selectors import collection_plan_for, rate_table_row_for

LEVY_COLUMNS = [
    "id", "resident_id", "fiscal_year", "revision", "notice_number", "source", "cause", "recorded_from",
    "recorded_by_id", "batch_run_id", "rate_table_id", "tax_fact_id", "stage", "stage_reason", "adjusted_income",
    "measure", "annual_amount", "reduction", "first_month", "months", "amount", "exemption", "pension_fact_id",
    "collection_method", "collection_reason", "pension_from", "provisional_amount", "overpaid", "february_deduction",
]
LEVY_TYPES = [
    "int8", "int8", "int2", "int2", "int4", "text", "text", "timestamptz",
    "int8", "int8", "int8", "int8", "int2", "text", "int8",
    "int8", "int4", "int4", "date", "int2", "int4", "int4", "int8",
    "text", "text", "date", "int4", "int4", "int4",
]
REDUCTION_LABELS = dict(ReductionKind.choices)
LEVY_ID_SEQUENCE = "premiums_levy_id_seq"  # ids are taken ahead so that installments can name their levy in COPY
NOTICE_NUMBER_SEQUENCE = "premiums_notice_number_seq"  # 通知書番号 (migration 0005)
INSTALLMENT_COLUMNS = ["levy_id", "method", "kind", "number", "month", "due_date", "amount"]
INSTALLMENT_TYPES = ["int8", "text", "text", "int2", "date", "date", "int4"]


def levy_candidates(fiscal_year: int, *, lo: int | None = None, hi: int | None = None) -> list[int]:
    """Persons with a current first-class qualification period overlapping ``fiscal_year``."""
    sql = ("SELECT DISTINCT resident_id FROM eligibility_qualificationperiod WHERE recorded_to IS NULL "
           "AND insured_class = '1' AND start < %s AND (\"end\" IS NULL OR \"end\" > %s)")
    params: list = [date(fiscal_year + 1, 4, 1), date(fiscal_year, 4, 1)]
    if lo is not None:
        sql += " AND resident_id >= %s AND resident_id < %s"
        params += [lo, hi]
    with connection.cursor() as cursor:
        cursor.execute(sql + " ORDER BY resident_id", params)
        return [r[0] for r in cursor.fetchall()]


@dataclass
class PersonRows:
    """The stored facts of one person for one year (ids kept for the levy row)."""

    periods: list[tuple[date, date | None]] = field(default_factory=list)
    tax: tuple | None = None  # (id, StageInputs)
    pension: tuple | None = None  # (id, PensionFacts without ``continuing``)
    previous: tuple | None = None  # (amount, february_deduction, pension kind, pension amount, pension fact id)
    current: tuple | None = None  # (levy id, revision, notice_number, source, stage, amount)
    reductions: list = field(default_factory=list)  # approved ReductionGrant of the year


def read_facts(fiscal_year: int, lo: int, hi: int) -> dict[int, PersonRows]:
    """The facts of persons ``lo <= id < hi`` for ``fiscal_year``: five range queries. A person
    appears with whatever of the five exists (callers check ``periods`` and ``current``)."""
    people: dict[int, PersonRows] = defaultdict(PersonRows)
    april, next_april = date(fiscal_year, 4, 1), date(fiscal_year + 1, 4, 1)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT resident_id, start, \"end\" FROM eligibility_qualificationperiod WHERE resident_id >= %s "
            "AND resident_id < %s AND recorded_to IS NULL AND insured_class = '1' AND start < %s "
            "AND (\"end\" IS NULL OR \"end\" > %s)", [lo, hi, next_april, april])
        for pid, start, end in cursor.fetchall():
            people[pid].periods.append((start, end))
        cursor.execute(
            "SELECT id, resident_id, self_taxed, household_taxed, total_income, taxable_pension_income, "
            "pension_misc_income, salary_income, special_deduction, non_taxable_pension_income, public_assistance, "
            "old_age_welfare_pension FROM premiums_taxfact WHERE resident_id >= %s AND resident_id < %s "
            "AND fiscal_year = %s AND recorded_to IS NULL", [lo, hi, fiscal_year])
        for row in cursor.fetchall():
            people[row[1]].tax = (row[0], StageInputs(*row[2:]))
        cursor.execute(
            "SELECT id, resident_id, pension_kind, annual_amount, listed_in, withholdable FROM premiums_pensionfact "
            "WHERE resident_id >= %s AND resident_id < %s AND fiscal_year = %s AND recorded_to IS NULL",
            [lo, hi, fiscal_year])
        for fid, pid, kind, amount, listed_in, withholdable in cursor.fetchall():
            people[pid].pension = (fid, PensionFacts(PensionKind(kind), amount, (listed_in.year, listed_in.month),
                                                     withholdable=withholdable))
        cursor.execute(
            "SELECT l.resident_id, l.amount, l.february_deduction, p.pension_kind, p.annual_amount, p.id "
            "FROM premiums_levy l LEFT JOIN premiums_pensionfact p ON p.id = l.pension_fact_id "
            "AND p.resident_id >= %s AND p.resident_id < %s "
            "WHERE l.resident_id >= %s AND l.resident_id < %s AND l.fiscal_year = %s AND l.recorded_to IS NULL",
            [lo, hi, lo, hi, fiscal_year - 1])
        for pid, *previous in cursor.fetchall():
            people[pid].previous = tuple(previous)
        cursor.execute(
            "SELECT resident_id, id, revision, notice_number, source, stage, amount FROM premiums_levy "
            "WHERE resident_id >= %s "
            "AND resident_id < %s AND fiscal_year = %s AND recorded_to IS NULL", [lo, hi, fiscal_year])
        for pid, *current in cursor.fetchall():
            people[pid].current = tuple(current)
        cursor.execute(
            "SELECT resident_id, kind, first_month, last_month, rate, stage FROM premiums_reduction "
            "WHERE resident_id >= %s AND resident_id < %s AND fiscal_year = %s AND status = 'approved' "
            "AND kind <> 'deferral' ORDER BY decided_at, id", [lo, hi, fiscal_year])
        for pid, kind, first, last, rate, stage in cursor.fetchall():
            people[pid].reductions.append(ReductionGrant(REDUCTION_LABELS.get(kind, kind), (first.year, first.month),
                                                         (last.year, last.month), rate or Decimal(0), stage))
    return people


_METHODS = {m.value: m for m in CollectionMethod}
_KINDS = {k.value: k for k in InstallmentKind}


def current_schedules(fiscal_year: int, lo: int, hi: int) -> dict[int, Schedule]:
    """The schedule of each current levy of persons ``lo <= id < hi`` for ``fiscal_year``. Equal
    schedules come back as one shared (immutable) object: most persons share their schedule with
    many others, and the re-levy caches its revisions by schedule."""
    levies: dict[int, tuple[int, int, int]] = {}
    rows_of: dict[int, list[tuple]] = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, resident_id, amount, overpaid FROM premiums_levy WHERE resident_id >= %s "
                       "AND resident_id < %s AND fiscal_year = %s AND recorded_to IS NULL", [lo, hi, fiscal_year])
        for levy_id, pid, amount, overpaid in cursor.fetchall():
            levies[levy_id] = (pid, amount, overpaid)
        cursor.execute(
            "SELECT i.levy_id, i.method, i.kind, i.number, i.month, i.due_date, i.amount FROM premiums_levyinstallment i "
            "JOIN premiums_levy l ON l.id = i.levy_id WHERE l.resident_id >= %s AND l.resident_id < %s "
            "AND l.fiscal_year = %s AND l.recorded_to IS NULL", [lo, hi, fiscal_year])
        for levy_id, *row in cursor.fetchall():
            rows_of[levy_id].append(tuple(row))
    shared: dict[tuple, Schedule] = {}
    result = {}
    for levy_id, (pid, amount, overpaid) in levies.items():
        key = (amount, overpaid, *sorted(rows_of[levy_id]))
        schedule = shared.get(key)
        if schedule is None:
            schedule = shared[key] = Schedule(amount, tuple(
                Installment(_METHODS[method], _KINDS[kind], number, month.year, month.month, due_date, value)
                for method, kind, number, month, due_date, value in rows_of[levy_id]), overpaid)
        result[pid] = schedule
    return result


def levy_facts(rows: PersonRows) -> LevyFacts:
    """The rules' facts from the stored rows: a pension deducted last February continues (仮徴収
    at last February's amount, 平準化 on last year's amount); with no listing this year it
    continues on last year's listed pension (the 年金保険者 has not reported a stop)."""
    pension = rows.pension[1] if rows.pension else None
    provisional = levelling = None
    if rows.previous and rows.previous[1] > 0:
        amount, february, kind, pension_amount, _ = rows.previous
        if pension is None and kind is not None:
            pension = PensionFacts(PensionKind(kind), pension_amount)
        if pension is not None:
            pension = PensionFacts(pension.kind, pension.annual_amount, pension.listed_in, continuing=True,
                                   withholdable=pension.withholdable)
            provisional, levelling = february, amount
    return LevyFacts(tuple(rows.periods), rows.tax[1], pension, provisional, levelling, tuple(rows.reductions))


def calculator_for(fiscal_year: int) -> tuple[int, LevyCalculator]:
    """The rate table's id and a calculator with the year's table, plan and closed days."""
    table_id, table = rate_table_row_for(fiscal_year)
    return table_id, LevyCalculator(fiscal_year=fiscal_year, table=table, plan=collection_plan_for(fiscal_year),
                                    holidays=closed_days(fiscal_year))


@dataclass
class LevyChunkResult:
    levied: int = 0
    skipped: int = 0  # already levied (a current 本算定 or later revision)
    errors: list[RecordError] = field(default_factory=list)


def main_levy_chunk(*, fiscal_year: int, lo: int, hi: int, source: str = LevySource.MAIN,
                    batch_run_id: int | None = None, actor_id: int | None = None,
                    now: datetime | None = None) -> LevyChunkResult:
    """The yearly levy (本算定) of persons ``lo <= id < hi``: one new revision per person with a
    first-class period in the year, unless a 本算定 or a later correction is already current
    (a re-run levies nobody twice). A current 仮算定 is superseded."""
    now = now or timezone.now()
    table_id, calculator = calculator_for(fiscal_year)
    result = LevyChunkResult()
    decided: list[tuple[int, PersonRows, LevyDecision]] = []
    for pid, rows in sorted(read_facts(fiscal_year, lo, hi).items()):
        if not rows.periods:
            continue
        if rows.current and rows.current[3] != LevySource.PROVISIONAL:
            result.skipped += 1
            continue
        if rows.tax is None:
            result.errors.append(RecordError(str(pid), "tax_missing",
                                             "課税情報がないため所得段階を判定できません（課税情報の取込後に更正してください）。"))
            continue
        try:
            decided.append((pid, rows, calculator.decide(levy_facts(rows))))
        except PremiumRuleError as error:
            result.errors.append(RecordError(str(pid), error.code, str(error)))
    write_levies(decided, fiscal_year=fiscal_year, table_id=table_id, source=source, cause="",
                 batch_run_id=batch_run_id, actor_id=actor_id, now=now)
    result.levied = len(decided)
    return result


def _month(ym) -> date:
    return date(ym[0], ym[1], 1)


def write_levies(decided: list[tuple[int, PersonRows, LevyDecision]], *, fiscal_year: int, table_id: int,
                 source: str, cause: str, batch_run_id: int | None, actor_id: int | None, now: datetime) -> None:
    """Close the current revisions these levies replace and write the new ones with their
    installments (two COPYs). A person keeps the year's 通知書番号 across revisions."""
    if not decided:
        return
    replaced = [rows.current[0] for _, rows, _ in decided if rows.current]
    new_numbers = sum(1 for _, rows, _ in decided if not rows.current)
    with connection.cursor() as cursor:
        if replaced:
            cursor.execute("UPDATE premiums_levy SET recorded_to = %s WHERE id = ANY(%s) AND recorded_to IS NULL",
                           [now, replaced])
            if cursor.rowcount != len(replaced):
                raise RuntimeError("a levy revision was replaced concurrently")
    ids = number_allocate(LEVY_ID_SEQUENCE, len(decided))
    numbers = iter(number_allocate(NOTICE_NUMBER_SEQUENCE, new_numbers))
    levies, installments = [], []
    schedule_rows: dict[int, list[tuple]] = {}  # a schedule's rows without the levy id (schedules are shared)
    for levy_id, (pid, rows, d) in zip(ids, decided, strict=True):
        revision, notice_number = (rows.current[1] + 1, rows.current[2]) if rows.current else (1, next(numbers))
        stage = d.stage
        levies.append((
            levy_id, pid, fiscal_year, revision, notice_number, source, cause, now,
            actor_id, batch_run_id, table_id, rows.tax[0] if rows.tax else None, stage.stage, stage.reason,
            stage.adjusted_income, stage.measure if stage.measure is not None else 0, d.breakdown.annual,
            d.breakdown.reduction, _month(d.months[0]) if d.months else None, len(d.months), d.amount, d.exemption,
            rows.pension[0] if rows.pension else (rows.previous[4] if rows.previous and d.collection.method
                                                  != CollectionMethod.BILLING else None),
            d.collection.method, d.collection.reason,
            _month(d.collection.pension_from) if d.collection.pension_from else None,
            _provisional(d), d.schedule.overpaid, d.february_deduction,
        ))
        shape = schedule_rows.get(id(d.schedule))
        if shape is None:
            shape = schedule_rows[id(d.schedule)] = [
                (str(i.method), str(i.kind), i.number, date(i.year, i.month, 1), i.due_date, i.amount)
                for i in d.schedule.installments]
        installments += [(levy_id, *row) for row in shape]
    copy_rows(Levy, LEVY_COLUMNS, levies, types=LEVY_TYPES)
    copy_rows(LevyInstallment, INSTALLMENT_COLUMNS, installments, types=INSTALLMENT_TYPES)


def _provisional(d: LevyDecision) -> int | None:
    april = [i.amount for i in d.schedule.installments if i.method == CollectionMethod.PENSION_DEDUCTION
             and i.kind == "provisional" and i.month == 4]
    return april[0] if april else None


def provisional_levy_chunk(*, fiscal_year: int, lo: int, hi: int, batch_run_id: int | None = None,
                           actor_id: int | None = None, now: datetime | None = None) -> LevyChunkResult:
    """The provisional levy (仮算定) in April of persons ``lo <= id < hi``: for everyone deducted from
    a pension last February and still first-class in the year, a revision of source 仮算定 with the
    provisional deductions of April, June and August at last February's amount (法 §140), the stage
    of last year carried (the year's tax facts arrive in June). The main levy in July supersedes
    it. A person with a levy of the year already is skipped (a re-run writes nothing twice)."""
    now = now or timezone.now()
    table_id, calculator = calculator_for(fiscal_year)
    plan, holidays = calculator.plan.pension, calculator.holidays
    facts = read_facts(fiscal_year, lo, hi)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT resident_id, stage, stage_reason, adjusted_income, measure, february_deduction, pension_fact_id "
            "FROM premiums_levy WHERE resident_id >= %s AND resident_id < %s AND fiscal_year = %s "
            "AND recorded_to IS NULL AND february_deduction > 0", [lo, hi, fiscal_year - 1])
        previous = {row[0]: row[1:] for row in cursor.fetchall()}
    result = LevyChunkResult()
    targets = [pid for pid, rows in sorted(facts.items()) if rows.periods and pid in previous]
    todo = [pid for pid in targets if facts[pid].current is None]
    result.skipped = len(targets) - len(todo)
    if todo:
        ids = number_allocate(LEVY_ID_SEQUENCE, len(todo))
        numbers = number_allocate(NOTICE_NUMBER_SEQUENCE, len(todo))
        levies, installments = [], []
        for levy_id, number, pid in zip(ids, numbers, todo, strict=True):
            stage, reason, adjusted, measure, february, pension_fact_id = previous[pid]
            months = [(fiscal_year, m) for m in PROVISIONAL_MONTHS]
            levies.append((
                levy_id, pid, fiscal_year, 1, number, LevySource.PROVISIONAL, "", now, actor_id, batch_run_id,
                table_id, None, stage, reason, adjusted, measure, calculator.breakdown(stage).annual, 0,
                date(fiscal_year, 4, 1), 12, february * len(months), 0, pension_fact_id,
                CollectionMethod.PENSION_DEDUCTION, "continuing", date(fiscal_year, 4, 1), february, 0, 0))
            installments += [(levy_id, CollectionMethod.PENSION_DEDUCTION, "provisional", k, date(y, m, 1),
                              pension_payment_date(plan, (y, m), holidays), february)
                             for k, (y, m) in enumerate(months, start=1)]
        copy_rows(Levy, LEVY_COLUMNS, levies, types=LEVY_TYPES)
        copy_rows(LevyInstallment, INSTALLMENT_COLUMNS, installments, types=INSTALLMENT_TYPES)
    result.levied = len(todo)
    return result
