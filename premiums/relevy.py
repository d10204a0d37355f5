"""Corrections (更正): levying a person's year again after a change of qualification (an event of
eligibility, also one dated in the past), a tax correction or a reduction decision.

The causes put the person and year on the queue (``LevyPending``, ``levy_pending_add``); the
monthly re-levy batch (``premiums.relevy``) recalculates them: the new stage and amount, the
installments already due kept, the rest re-split (premiums.rules.levy.LevyCalculator.revise),
and a new revision only where something changed. The new revision is what the change notice
(変更通知書) shows. See docs/subsystems/levy.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from django.db import connection
from django.utils import timezone

from kaigo.batches.registry import RecordError
from premiums.levy import (
    LevyChunkResult,
    PersonRows,
    calculator_for,
    levy_candidates,
    current_schedules,
    levy_facts,
    read_facts,
    write_levies,
)
from premiums.models import LevySource
from premiums.rules.errors import PremiumRuleError
from premiums.rules.levy import LevyDecision, levy_decision_deadline
from premiums.rules.tables import PENSION_MONTHS, YearMonth, add_months

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


PERIOD_EXPIRED = ("賦課決定の期間制限（介護保険法第200条の2: 最初の納期の翌日から2年）を過ぎているため、{}年度の保険料は"
                  "増額も新たな賦課もできません（減額の更正のみ可能です）。")


def _unchanged(rows: PersonRows, decision: LevyDecision, schedule) -> bool:
    return rows.current[4] == decision.stage.stage and decision.schedule == schedule


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
        if barred and (rows.current is None or decision.amount > rows.current[5]):
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
