"""Reads of the levy: the persons to levy, the stored facts of a range of persons for a year (one
range query per table), the current schedules, the re-levy queue, the year's rate table, plan and
closed days as a calculator; and the counter's estimate (保険料の試算: the rules on facts a resident
tells, nothing stored). Every query of a range carries the range predicate on its own table
(docs/subsystems/levy.md). No personal data reaches a screen from here."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

from django.db import connection

from eligibility.qualification.selectors import first_class_periods, first_class_persons
from premiums.intake.selectors import stage_input_columns
from premiums.levy.models import LevySource
from premiums.rates.selectors import collection_plan_for, rate_table_for, rate_table_row_for
from premiums.reductions.models import ReductionKind
from premiums.rules.amount import AmountBreakdown, annual_amount, prorated_amount
from premiums.rules.calendar import closed_days
from premiums.rules.codes import CollectionMethod, InstallmentKind, PensionKind
from premiums.rules.levy import LevyCalculator, LevyFacts
from premiums.rules.reduction import ReductionGrant
from premiums.rules.schedule import Installment, PensionFacts, Schedule
from premiums.rules.stage import StageDecision, StageInputs, stage_of
from premiums.rules.tables import YearMonth


@dataclass(frozen=True)
class Estimate:
    fiscal_year: int
    table_name: str
    stage: StageDecision
    breakdown: AmountBreakdown
    months: int
    amount: int


def premium_estimate(data: dict) -> Estimate:
    table = rate_table_for(data["fiscal_year"])
    inputs = StageInputs(
        self_taxed=data["self_taxed"], household_taxed=data["household_taxed"], total_income=data["total_income"],
        taxable_pension_income=data.get("taxable_pension_income") or 0,
        pension_misc_income=data.get("pension_misc_income") or 0, salary_income=data.get("salary_income") or 0,
        special_deduction=data.get("special_deduction") or 0, public_assistance=data["public_assistance"],
        old_age_welfare_pension=data["old_age_welfare_pension"])
    stage = stage_of(inputs, table)
    breakdown = annual_amount(stage.stage, table)
    amount = prorated_amount(breakdown.annual, data["months"], rounding=table.proration_rounding)
    return Estimate(data["fiscal_year"], table.name, stage, breakdown, data["months"], amount)
REDUCTION_LABELS = dict(ReductionKind.choices)


def levy_candidates(fiscal_year: int, *, lo: int | None = None, hi: int | None = None) -> list[int]:
    """Persons with a current first-class qualification period overlapping ``fiscal_year``."""
    return first_class_persons(date(fiscal_year, 4, 1), date(fiscal_year + 1, 3, 31), lo=lo, hi=hi)


class TaxRow(NamedTuple):
    fact_id: int
    inputs: StageInputs


class PensionRow(NamedTuple):
    fact_id: int
    facts: PensionFacts  # without ``continuing`` (levy_facts decides it)


class PreviousLevy(NamedTuple):
    """The person's current levy of the year before, with the pension it was deducted from."""

    amount: int
    february_deduction: int
    pension_kind: str | None
    pension_amount: int | None
    pension_fact_id: int | None


class CurrentLevy(NamedTuple):
    """The person's current levy revision of the year."""

    id: int
    revision: int
    notice_number: int
    source: str
    stage: int
    amount: int


@dataclass
class PersonRows:
    """The stored facts of one person for one year (ids kept for the levy row)."""

    periods: list[tuple[date, date | None]] = field(default_factory=list)
    tax: TaxRow | None = None
    pension: PensionRow | None = None
    previous: PreviousLevy | None = None
    current: CurrentLevy | None = None
    reductions: list = field(default_factory=list)  # approved ReductionGrant of the year


def read_facts(fiscal_year: int, lo: int, hi: int) -> dict[int, PersonRows]:
    """The facts of persons ``lo <= id < hi`` for ``fiscal_year``: six range queries (the first-class
    periods from eligibility's selectors, the rest on premiums' own tables). A person
    appears with whatever of the five exists (callers check ``periods`` and ``current``)."""
    people: dict[int, PersonRows] = defaultdict(PersonRows)
    for pid, start, end in first_class_periods(date(fiscal_year, 4, 1), date(fiscal_year + 1, 3, 31), lo=lo, hi=hi):
        people[pid].periods.append((start, end))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT t.id, t.resident_id, {stage_input_columns('t')} FROM premiums_taxfact t "
            "WHERE t.resident_id >= %s AND t.resident_id < %s AND t.fiscal_year = %s AND t.recorded_to IS NULL",
            [lo, hi, fiscal_year])
        for fact_id, pid, *inputs in cursor.fetchall():  # the inputs in StageInputs' field order
            people[pid].tax = TaxRow(fact_id, StageInputs(*inputs))
        cursor.execute(
            "SELECT id, resident_id, pension_kind, annual_amount, listed_in, withholdable FROM premiums_pensionfact "
            "WHERE resident_id >= %s AND resident_id < %s AND fiscal_year = %s AND recorded_to IS NULL",
            [lo, hi, fiscal_year])
        for fid, pid, kind, amount, listed_in, withholdable in cursor.fetchall():
            people[pid].pension = PensionRow(fid, PensionFacts(PensionKind(kind), amount, (listed_in.year, listed_in.month),
                                                     withholdable=withholdable))
        cursor.execute(
            "SELECT l.resident_id, l.amount, l.february_deduction, p.pension_kind, p.annual_amount, p.id "
            "FROM premiums_levy l LEFT JOIN premiums_pensionfact p ON p.id = l.pension_fact_id "
            "AND p.resident_id >= %s AND p.resident_id < %s "
            "WHERE l.resident_id >= %s AND l.resident_id < %s AND l.fiscal_year = %s AND l.recorded_to IS NULL",
            [lo, hi, lo, hi, fiscal_year - 1])
        for pid, *previous in cursor.fetchall():
            people[pid].previous = PreviousLevy._make(previous)
        cursor.execute(
            "SELECT resident_id, id, revision, notice_number, source, stage, amount FROM premiums_levy "
            "WHERE resident_id >= %s "
            "AND resident_id < %s AND fiscal_year = %s AND recorded_to IS NULL", [lo, hi, fiscal_year])
        for pid, *current in cursor.fetchall():
            people[pid].current = CurrentLevy._make(current)
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
    pension = rows.pension.facts if rows.pension else None
    provisional = levelling = None
    previous = rows.previous
    if previous and previous.february_deduction > 0:
        if pension is None and previous.pension_kind is not None:
            pension = PensionFacts(PensionKind(previous.pension_kind), previous.pension_amount)
        if pension is not None:
            pension = PensionFacts(pension.kind, pension.annual_amount, pension.listed_in, continuing=True,
                                   withholdable=pension.withholdable)
            provisional, levelling = previous.february_deduction, previous.amount
    return LevyFacts(tuple(rows.periods), rows.tax.inputs, pension, provisional, levelling, tuple(rows.reductions))


def calculator_for(fiscal_year: int) -> tuple[int, LevyCalculator]:
    """The rate table's id and a calculator with the year's table, plan and closed days."""
    table_id, table = rate_table_row_for(fiscal_year)
    return table_id, LevyCalculator(fiscal_year=fiscal_year, table=table, plan=collection_plan_for(fiscal_year),
                                    holidays=closed_days(fiscal_year))


def pending_in(fiscal_year: int, lo: int, hi: int, *, queued_before: datetime | None = None) -> dict[int, list[str]]:
    """The open queue rows of persons ``lo <= id < hi`` (those queued before ``queued_before``: a run
    takes the queue as it was when it started; later causes wait for the next run)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT resident_id, causes FROM premiums_levypending WHERE resident_id >= %s "
                       "AND resident_id < %s AND fiscal_year = %s AND processed_at IS NULL "
                       "AND created_at <= coalesce(%s, now())", [lo, hi, fiscal_year, queued_before])
        return dict(cursor.fetchall())


def pending_persons(fiscal_year: int, *, queued_before: datetime | None = None) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT resident_id FROM premiums_levypending WHERE fiscal_year = %s "
                       "AND processed_at IS NULL AND created_at <= coalesce(%s, now()) ORDER BY resident_id",
                       [fiscal_year, queued_before])
        return [r[0] for r in cursor.fetchall()]


def deduction_stops(fiscal_year: int, lo: int, hi: int) -> dict[int, YearMonth]:
    """The first month of ``fiscal_year`` whose pension deduction was reported not made, by person."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT resident_id, min(month) FROM premiums_deductionstop WHERE resident_id >= %s "
                       "AND resident_id < %s AND fiscal_year = %s GROUP BY resident_id", [lo, hi, fiscal_year])
        return {pid: (month.year, month.month) for pid, month in cursor.fetchall()}


def relevy_everyone(fiscal_year: int) -> list[int]:
    """Every person with a first-class period in the year or a current levy of it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT resident_id FROM premiums_levy WHERE fiscal_year = %s AND recorded_to IS NULL",
                       [fiscal_year])
        levied = {r[0] for r in cursor.fetchall()}
    return sorted(levied.union(levy_candidates(fiscal_year)))


@dataclass(frozen=True)
class MainLevyDone:
    """A main levy (本算定) already run for a year: the last run, and what a run again would do."""

    run_id: int
    started_at: datetime
    status: str  # the run's status label (実行中, 正常終了, 一部失敗)
    finished: bool
    to_levy: int  # persons in the year with no 本算定 or correction yet (none, or only a 仮算定)


def main_levy_done(fiscal_year: int) -> MainLevyDone | None:
    """The last main levy batch of ``fiscal_year`` and the persons a run again would levy: those
    with a first-class period in the year and no current revision other than a 仮算定 (what
    ``main_levy_chunk`` levies; everyone else it skips). None when the year was never run."""
    from kaigo.batches.models import BatchRun  # the core's run table (read only)

    last = (BatchRun.objects.filter(kind="premiums.main_levy", params__fiscal_year=fiscal_year)
            .order_by("-started_at", "-pk").first())
    if last is None:
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT resident_id FROM premiums_levy WHERE fiscal_year = %s AND recorded_to IS NULL "
                       "AND source <> %s", [fiscal_year, LevySource.PROVISIONAL])
        levied = {r[0] for r in cursor.fetchall()}
    to_levy = sum(1 for pid in levy_candidates(fiscal_year) if pid not in levied)
    return MainLevyDone(run_id=last.pk, started_at=last.started_at or last.created_at,
                        status=last.get_status_display(), finished=last.is_finished, to_levy=to_levy)
