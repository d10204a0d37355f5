"""The levy (賦課) in the database: decide each person's levy with premiums.rules.levy and write the
revisions and their installments by COPY; the yearly main levy (本算定), the provisional levy
(仮算定) of April, and the corrections (更正).

One call handles one chunk (persons ``lo <= id < hi``) inside the caller's transaction: the batch
framework commits it together with the chunk's done mark, so a killed worker leaves nothing
behind and a re-run levies each person once.

Corrections: a change of qualification (an event of eligibility, also one dated in the past), a
tax correction or a reduction decision puts the person and year on the queue (``LevyPending``,
``levy_pending_add``); the monthly re-levy batch (``premiums.relevy``) recalculates them: the new
stage and amount, the installments already due kept, the rest re-split
(premiums.rules.levy.LevyCalculator.revise), and a new revision only where something changed.
The new revision is what the change notice (変更通知書) shows. See docs/subsystems/levy.md."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import connection
from django.utils import timezone

from kaigo.batches.registry import RecordError
from kaigo.db import copy_rows, number_allocate
from premiums.levy.models import Levy, LevyInstallment, LevySource
from premiums.levy.selectors import (
    PersonRows,
    calculator_for,
    current_schedules,
    deduction_stops,
    levy_facts,
    pending_in,
    read_facts,
)
from premiums.rules.codes import CollectionMethod, CollectionReason
from premiums.rules.errors import PremiumRuleError
from premiums.rules.levy import LevyDecision, levy_decision_deadline
from premiums.rules.provisional import ProvisionalBilling, ProvisionalFacts, provisional_billing
from premiums.rules.schedule import pension_payment_date
from premiums.rules.tables import PENSION_MONTHS, PROVISIONAL_MONTHS, YearMonth, add_months

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
LEVY_ID_SEQUENCE = "premiums_levy_id_seq"  # ids are taken ahead so that installments can name their levy in COPY
NOTICE_NUMBER_SEQUENCE = "premiums_notice_number_seq"  # 通知書番号 (migration 0005)
INSTALLMENT_COLUMNS = ["levy_id", "method", "kind", "number", "month", "due_date", "amount"]
INSTALLMENT_TYPES = ["int8", "text", "text", "int2", "date", "date", "int4"]


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
    (a re-run levies nobody twice). A current 仮算定 is superseded; a 普通徴収 仮算定's bills are
    kept and the rest of the year's premium spread over the remaining 期 (or the excess overpaid:
    premiums.rules.provisional.settled_schedule, LevyCalculator.settle)."""
    now = now or timezone.now()
    table_id, calculator = calculator_for(fiscal_year)
    result = LevyChunkResult()
    decided: list[tuple[int, PersonRows, LevyDecision]] = []
    facts = read_facts(fiscal_year, lo, hi)
    # a 普通徴収 仮算定 is settled, its bills kept (premiums.rules.provisional): its schedule is read
    provisional = current_schedules(fiscal_year, lo, hi) if any(
        r.current and r.current.source == LevySource.PROVISIONAL for r in facts.values()) else {}
    for pid, rows in sorted(facts.items()):
        if not rows.periods:
            continue
        if rows.current and rows.current.source != LevySource.PROVISIONAL:
            result.skipped += 1
            continue
        if rows.tax is None:
            result.errors.append(RecordError(str(pid), "tax_missing",
                                             "課税情報がないため所得段階を判定できません（課税情報の取込後に更正してください）。"))
            continue
        try:
            if pid in provisional and provisional[pid].of(CollectionMethod.BILLING):
                decided.append((pid, rows, calculator.settle(levy_facts(rows), provisional[pid])))
                continue
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
    replaced = [rows.current.id for _, rows, _ in decided if rows.current]
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
        revision, notice_number = (rows.current.revision + 1, rows.current.notice_number) if rows.current else (1, next(numbers))
        stage = d.stage
        levies.append((
            levy_id, pid, fiscal_year, revision, notice_number, source, cause, now,
            actor_id, batch_run_id, table_id, rows.tax.fact_id if rows.tax else None, stage.stage, stage.reason,
            stage.adjusted_income, stage.measure if stage.measure is not None else 0, d.breakdown.annual,
            d.breakdown.reduction, _month(d.months[0]) if d.months else None, len(d.months), d.amount, d.exemption,
            rows.pension.fact_id if rows.pension else (rows.previous.pension_fact_id if rows.previous and d.collection.method
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

@dataclass
class ProvisionalChunkResult:
    levied: int = 0
    skipped: int = 0  # a levy of the year exists already
    not_billed: dict[str, int] = field(default_factory=dict)  # NoProvisional reason -> persons


def provisional_billing_chunk(*, fiscal_year: int, lo: int, hi: int, batch_run_id: int | None = None,
                              actor_id: int | None = None, now: datetime | None = None) -> ProvisionalChunkResult:
    """The 普通徴収 仮算定 of persons ``lo <= id < hi`` (premiums.rules.provisional: 法 第129条-第133条,
    第140条, the city's 条例): for each person the rule bills, a revision of source 仮算定 with the
    bills of the plan's 仮算定期 at last year's stage under this year's table. A person with a
    levy of the year already (a 本算定, a 特別徴収 仮算定, this 仮算定 written before) is skipped: a
    re-run or a resumed chunk writes nobody twice. Runs in the caller's (the chunk's) transaction."""
    now = now or timezone.now()
    table_id, calculator = calculator_for(fiscal_year)
    facts = read_facts(fiscal_year, lo, hi)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT resident_id, stage, stage_reason, adjusted_income, measure FROM premiums_levy "
            "WHERE resident_id >= %s AND resident_id < %s AND fiscal_year = %s AND recorded_to IS NULL",
            [lo, hi, fiscal_year - 1])
        previous = {row[0]: row[1:] for row in cursor.fetchall()}
    result = ProvisionalChunkResult()
    todo: list[tuple[int, ProvisionalBilling]] = []
    for pid, rows in sorted(facts.items()):
        if not rows.periods:
            continue
        if rows.current is not None:
            result.skipped += 1
            continue
        decision = provisional_billing(
            ProvisionalFacts(tuple(rows.periods), previous[pid][0] if pid in previous else None,
                             pension_continuing=bool(rows.previous and rows.previous.february_deduction > 0)),
            fiscal_year=fiscal_year, annual_of=lambda stage: calculator.breakdown(stage).annual,
            plan=calculator.plan, holidays=calculator.holidays)
        if decision.billing is None:
            result.not_billed[decision.reason] = result.not_billed.get(decision.reason, 0) + 1
            continue
        todo.append((pid, decision.billing))
    if todo:
        ids = number_allocate(LEVY_ID_SEQUENCE, len(todo))
        numbers = number_allocate(NOTICE_NUMBER_SEQUENCE, len(todo))
        levies, installments = [], []
        for levy_id, number, (pid, billing) in zip(ids, numbers, todo, strict=True):
            _, reason, adjusted, measure = previous[pid]
            levies.append((
                levy_id, pid, fiscal_year, 1, number, LevySource.PROVISIONAL, "", now, actor_id, batch_run_id,
                table_id, None, billing.stage, reason, adjusted, measure, billing.annual, 0,
                date(fiscal_year, 4, 1), 12, billing.schedule.amount, 0, None,
                CollectionMethod.BILLING, CollectionReason.NOT_LISTED, None, None, 0, 0))
            installments += [(levy_id, str(i.method), str(i.kind), i.number, date(i.year, i.month, 1), i.due_date,
                              i.amount) for i in billing.schedule.installments]
        copy_rows(Levy, LEVY_COLUMNS, levies, types=LEVY_TYPES)
        copy_rows(LevyInstallment, INSTALLMENT_COLUMNS, installments, types=INSTALLMENT_TYPES)
    result.levied = len(todo)
    return result


# a stop of the pension deduction (資格喪失等の通知) reaches the 年金保険者 for the pension month
# at least this many months after the month it is decided in [K?: DOMAIN 2.8, confirm with 国保連]
PENSION_STOP_LEAD_MONTHS = 2


def levy_pending_add(rows: Iterable[tuple[int, int, date, str]]) -> int:
    """Queue (person, fiscal year, since, cause) for the re-levy; an open row of the same person
    and year keeps the earliest ``since`` and gains the cause. One statement (rows of the same
    person and year merged first); runs in the caller's transaction."""
    merged: dict[tuple[int, int], tuple[date, set[str]]] = {}
    for pid, year, since, cause in rows:
        earlier, causes = merged.get((pid, year), (since, set()))
        merged[(pid, year)] = (min(earlier, since), causes | {str(cause)})
    if not merged:
        return 0
    keys = sorted(merged)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO premiums_levypending (resident_id, fiscal_year, since, causes, created_at) "
            "SELECT r, y, s, string_to_array(c, ',')::varchar[], now() "
            "FROM unnest(%s::bigint[], %s::int[], %s::date[], %s::text[]) AS t(r, y, s, c) "
            "ON CONFLICT (resident_id, fiscal_year) WHERE processed_at IS NULL DO UPDATE SET "
            "since = least(premiums_levypending.since, EXCLUDED.since), causes = ARRAY(SELECT DISTINCT unnest("
            "premiums_levypending.causes || EXCLUDED.causes) ORDER BY 1)",
            [[k[0] for k in keys], [k[1] for k in keys], [merged[k][0] for k in keys],
             [",".join(sorted(merged[k][1])) for k in keys]])
    return len(keys)


def billing_from_for(business_date: date) -> YearMonth:
    """The first month whose bill a correction decided on ``business_date`` can still change: the
    next month (this month's bills are printed and sent)."""
    return add_months((business_date.year, business_date.month), 1)


def pension_stop_from_for(business_date: date) -> YearMonth:
    """The first pension month a stop or change decided on ``business_date`` still reaches."""
    ym = add_months((business_date.year, business_date.month), PENSION_STOP_LEAD_MONTHS)
    while ym[1] not in PENSION_MONTHS:
        ym = add_months(ym, 1)
    return ym


PERIOD_EXPIRED = ("賦課決定の期間制限（介護保険法第200条の2: 最初の納期の翌日から2年）を過ぎているため、{}年度の保険料は"
                  "増額も新たな賦課もできません（減額の更正のみ可能です）。")


def _unchanged(rows: PersonRows, decision: LevyDecision, schedule) -> bool:
    return rows.current.stage == decision.stage.stage and decision.schedule == schedule


def relevy_chunk(*, fiscal_year: int, lo: int, hi: int, business_date: date, everyone: bool = False,
                 batch_run_id: int | None = None, actor_id: int | None = None, now: datetime | None = None,
                 queued_before: datetime | None = None) -> LevyChunkResult:
    """Levy again the queued persons ``lo <= id < hi`` of ``fiscal_year`` (or, with ``everyone``,
    every person with a first-class period or a current levy in the year: the correction run after
    a rate change). A person whose levy comes out the same gets no new revision (``skipped``);
    one without a levy yet gets a first one with bills from next month. From the year's deadline
    of levy decisions (法 §200の2) a levy is only lowered: a raise or a first levy is refused as the
    person's error and the queue row closed (waiting cannot make it possible). The queue rows are
    closed except for persons in other errors, who stay queued."""
    now = now or timezone.now()
    table_id, calculator = calculator_for(fiscal_year)
    queued = pending_in(fiscal_year, lo, hi, queued_before=queued_before)
    facts = read_facts(fiscal_year, lo, hi)
    targets = sorted(pid for pid, rows in facts.items() if rows.periods or rows.current) if everyone \
        else sorted(queued)
    schedules = current_schedules(fiscal_year, lo, hi)
    failed = deduction_stops(fiscal_year, lo, hi)
    billing_from = billing_from_for(business_date)
    stop_from = pension_stop_from_for(business_date)
    barred = business_date >= levy_decision_deadline(fiscal_year, calculator.plan, calculator.holidays)
    result = LevyChunkResult()
    decided, done = [], []
    for pid in targets:
        rows = facts.get(pid) or PersonRows()
        if not rows.periods and not rows.current:
            done.append(pid)
            result.skipped += 1
            continue
        if rows.tax is None:
            result.errors.append(RecordError(str(pid), "tax_missing",
                                             "課税情報がないため所得段階を判定できません（課税情報の取込後に更正してください）。"))
            continue
        try:
            if rows.current is None:
                decision = calculator.decide(levy_facts(rows), billing_from=billing_from)
            else:
                decision = calculator.revise(levy_facts(rows), schedules[pid], billing_from=billing_from,
                                             pension_stop_from=stop_from, pension_failed_from=failed.get(pid))
        except PremiumRuleError as error:
            result.errors.append(RecordError(str(pid), error.code, str(error)))
            continue
        done.append(pid)
        if barred and (rows.current is None or decision.amount > rows.current.amount):
            result.errors.append(RecordError(str(pid), "levy_period_expired", PERIOD_EXPIRED.format(fiscal_year)))
            continue
        if rows.current is not None and _unchanged(rows, decision, schedules[pid]):
            result.skipped += 1
            continue
        decided.append((pid, rows, decision))
    causes = {pid: ",".join(queued.get(pid) or ["staff"]) for pid, _, _ in decided}
    for source_cause in sorted(set(causes.values())):
        write_levies([d for d in decided if causes[d[0]] == source_cause], fiscal_year=fiscal_year,
                     table_id=table_id, source=LevySource.RELEVY, cause=source_cause, batch_run_id=batch_run_id,
                     actor_id=actor_id, now=now)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE premiums_levypending SET processed_at = %s, batch_run_id = %s WHERE fiscal_year = %s "
                       "AND resident_id = ANY(%s) AND processed_at IS NULL AND created_at <= coalesce(%s, now())",
                       [now, batch_run_id, fiscal_year, done, queued_before])
    result.levied = len(decided)
    return result
