"""The levy of one person for one fiscal year (賦課, DOMAIN 2.3-2.9): the facts in, the stage, the
amount, the collection method and the schedule out. Pure: the batch reads the facts of a chunk
of persons, calls ``decide_levy`` for each, and writes the decisions by COPY.

``LevyCalculator`` holds a year's table, plan and closed days, and caches what many persons
share (the annual amount of a stage, the schedule of an amount under a decision, the revision
of a schedule to a new amount): a city has a few thousand distinct schedules for a million
persons. Schedules are immutable values, so a cached one is shared safely.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache

from eligibility.qualification.rules import premium_months
from premiums.rules.amount import AmountBreakdown, annual_amount, prorated_amount
from premiums.rules.arrears import ONE_DAY, add_years
from premiums.rules.codes import CollectionMethod
from premiums.rules.provisional import settled_schedule
from premiums.rules.reduction import ReducedAmount, ReductionGrant, reduced_amount
from premiums.rules.schedule import (
    CollectionDecision,
    PensionFacts,
    Schedule,
    billing_due_date,
    collection_method,
    collection_schedule,
    revised_schedule,
)
from premiums.rules.stage import StageDecision, StageInputs, stage_of
from premiums.rules.tables import CollectionPlan, RateTable, YearMonth


@dataclass(frozen=True)
class LevyFacts:
    """What the levy of one person and year is decided from."""

    periods: Sequence[tuple[date, date | None]]  # first-class qualification [start, end) in the year
    stage_inputs: StageInputs
    pension: PensionFacts | None = None  # the listed pension, ``continuing`` set from last year
    provisional_amount: int | None = None  # last February's deduction (仮徴収額), when continuing
    levelling_base: int | None = None  # last year's amount (平準化), when continuing
    reductions: tuple[ReductionGrant, ...] = ()  # approved 減免 and 境界層 of the year


@dataclass(frozen=True)
class LevyDecision:
    stage: StageDecision
    breakdown: AmountBreakdown
    months: tuple[YearMonth, ...]  # the owed months (取得月 <= 対象月 < 喪失月)
    amount: int  # the year's premium: the annual amount prorated to the months, less reductions
    collection: CollectionDecision
    schedule: Schedule
    exemption: int = 0  # 減免額: what the reductions remit
    reduction_steps: tuple[str, ...] = ()

    @property
    def february_deduction(self) -> int:
        """The February pension deduction: next year's provisional amount (法 §140)."""
        return sum(i.amount for i in self.schedule.installments if i.method == "pension" and i.month == 2)


def owed_months(periods: Sequence[tuple[date, date | None]], fiscal_year: int) -> tuple[YearMonth, ...]:
    months: set[YearMonth] = set()
    for start, end in periods:
        months.update(premium_months(start, end, fiscal_year))
    return tuple(sorted(months))


class LevyCalculator:
    def __init__(self, *, fiscal_year: int, table: RateTable, plan: CollectionPlan,
                 holidays: frozenset[date] = frozenset()):
        self.fiscal_year = fiscal_year
        self.table = table
        self.plan = plan
        self.holidays = holidays
        self._annual: dict[int, AmountBreakdown] = {}
        self._months: dict[tuple, tuple[YearMonth, ...]] = {}
        self._amounts: dict[tuple[int, int], int] = {}
        self._schedule = lru_cache(maxsize=50_000)(self._schedule_uncached)
        self._revised = lru_cache(maxsize=50_000)(self._revised_uncached)

    def breakdown(self, stage: int) -> AmountBreakdown:
        found = self._annual.get(stage)
        if found is None:
            found = self._annual[stage] = annual_amount(stage, self.table)
        return found

    def amount_for(self, stage: int, months: int) -> int:
        found = self._amounts.get((stage, months))
        if found is None:
            found = self._amounts[(stage, months)] = prorated_amount(
                self.breakdown(stage).annual, months, rounding=self.table.proration_rounding)
        return found

    def owed_months(self, periods: Sequence[tuple[date, date | None]]) -> tuple[YearMonth, ...]:
        """``owed_months`` of the year, cached by the periods' months (a million persons have a few
        hundred distinct ones)."""
        key = tuple(((s.year, s.month), (e.year, e.month) if e else None) for s, e in periods)
        found = self._months.get(key)
        if found is None:
            found = self._months[key] = owed_months(periods, self.fiscal_year)
        return found

    def reduced(self, stage: int, months: tuple[YearMonth, ...], grants) -> ReducedAmount:
        """The year's amount with the reductions of ``grants`` (none: the plain 月割)."""
        if not grants:
            return ReducedAmount(self.amount_for(stage, len(months)), 0, ())
        return reduced_amount(self.breakdown(stage).annual, months, grants, rounding=self.table.proration_rounding,
                              unreduced=self.amount_for(stage, len(months)),
                              annual_of_stage=lambda n: self.breakdown(n).annual)

    def first_provisional(self, amount: int) -> int:
        """仮徴収額 of a person deducted from April who was not deducted last February (listed
        during the last year): a sixth of this year's amount, truncated to the 平準化 unit
        (project rule; DOMAIN 2.8 gives only the continuing case, 法 §140)."""
        unit = self.plan.pension.levelling_unit
        return amount // 6 // unit * unit

    def decide(self, facts: LevyFacts, *, billing_from: YearMonth | None = None) -> LevyDecision:
        """The whole year's levy (本算定, or a new levy during the year): bills from
        ``billing_from`` (None: the first owed month)."""
        stage = stage_of(facts.stage_inputs, self.table)
        months = self.owed_months(facts.periods)
        reduced = self.reduced(stage.stage, months, facts.reductions)
        amount = reduced.amount
        collection = collection_method(facts.pension, fiscal_year=self.fiscal_year, plan=self.plan.pension)
        if billing_from is not None and months and billing_from < months[0]:
            billing_from = None
        provisional = facts.provisional_amount
        if provisional is None and collection.pension_from == (self.fiscal_year, 4):
            provisional = self.first_provisional(amount)
        schedule = self._schedule(amount, collection, months, provisional, facts.levelling_base, billing_from)
        return LevyDecision(stage, self.breakdown(stage.stage), months, amount, collection, schedule,
                            reduced.exemption, reduced.steps)

    def settle(self, facts: LevyFacts, provisional: Schedule) -> LevyDecision:
        """The 本算定 of a person billed by the 普通徴収 仮算定 (``provisional``, its schedule): the
        year's levy as ``decide`` makes it, the 仮算定 bills kept and the rest spread over the
        remaining 期, or the excess overpaid (premiums.rules.provisional.settled_schedule)."""
        decided = self.decide(facts)
        schedule = settled_schedule(decided.schedule, provisional, decision=decided.collection,
                                    fiscal_year=self.fiscal_year, plan=self.plan, holidays=self.holidays)
        return replace(decided, schedule=schedule)

    def _schedule_uncached(self, amount, collection, months, provisional_amount, levelling_base, billing_from):
        return collection_schedule(
            amount, fiscal_year=self.fiscal_year, decision=collection, plan=self.plan, owed_months=months,
            provisional_amount=provisional_amount if collection.method != "billing" else None,
            levelling_base=levelling_base if collection.method != "billing" else None,
            billing_from=billing_from, holidays=self.holidays,
        )

    def _revised_uncached(self, current, amount, billing_from, pension_stop_from, lost, pension_failed_from):
        return revised_schedule(current, amount, fiscal_year=self.fiscal_year, plan=self.plan,
                                billing_from=billing_from, pension_stop_from=pension_stop_from,
                                qualification_lost=lost, holidays=self.holidays,
                                pension_failed_from=pension_failed_from)

    def revise(self, facts: LevyFacts, current: Schedule, *, billing_from: YearMonth,
               pension_stop_from: YearMonth, pension_failed_from: YearMonth | None = None) -> LevyDecision:
        """A correction (更正) during the year: the new stage and amount; installments already
        due are kept, the rest re-split (``revised_schedule``). The collection decision of the
        revision is the one the kept pension deductions show (no new 特別徴収 starts mid-year
        from a correction: the 年金保険者 is asked only by the yearly and additional requests).
        ``pension_failed_from``: the first month the 年金保険者 reported a deduction not made."""
        stage = stage_of(facts.stage_inputs, self.table)
        months = self.owed_months(facts.periods)
        reduced = self.reduced(stage.stage, months, facts.reductions)
        amount = reduced.amount
        lost = not months or months[-1] < (self.fiscal_year + 1, 3)
        schedule = self._revised(current, amount, billing_from, pension_stop_from, lost, pension_failed_from)
        collection = as_collected(schedule, collection_method(facts.pension, fiscal_year=self.fiscal_year,
                                                               plan=self.plan.pension))
        return LevyDecision(stage, self.breakdown(stage.stage), months, amount, collection, schedule,
                            reduced.exemption, reduced.steps)


def levy_decision_deadline(fiscal_year: int, plan: CollectionPlan, holidays: frozenset[date] = frozenset()) -> date:
    """The first day no levy decision of ``fiscal_year`` may be made any more (賦課決定の期間制限,
    法 §200の2): two years from the day after the year's first 納期 (the first 普通徴収 期 of the
    plan, its 納期限 moved past closed days). From that day a correction may lower a levy (the
    overpayment is refunded) but may neither raise it nor make a first levy of the year."""
    first_slot = plan.billing.slots(fiscal_year)[0][1]
    return add_years(billing_due_date(plan.billing, first_slot, holidays) + ONE_DAY, 2)


def as_collected(schedule: Schedule, decided: CollectionDecision) -> CollectionDecision:
    """The collection decision a revised schedule shows: stopped deductions make it billing."""
    pension, bills = schedule.of(CollectionMethod.PENSION_DEDUCTION), schedule.of(CollectionMethod.BILLING)
    method = (CollectionMethod.BOTH if pension and bills else CollectionMethod.PENSION_DEDUCTION if pension
              else CollectionMethod.BILLING)
    if method == decided.method or not (pension or bills):
        return decided
    first = min((i.ym for i in pension), default=None)
    message = ("更正により特別徴収を継続し、差額は普通徴収" if pension and bills
               else "更正により特別徴収を中止し、普通徴収" if bills else decided.message)
    return replace(decided, method=method, message=message, pension_from=first)
