"""普通徴収の仮算定 (the provisional levy of ordinary collection) and how the 本算定 settles it. Pure.

The law: the premium is levied on the status of the 賦課期日, the first day of the fiscal year
(介護保険法 第130条), at the rate of the city's 条例 (第129条), and collected by 特別徴収 or else by
普通徴収 (第131条), on the 納期 the 条例 sets (第133条). The income stage needs the year's
inhabitant-tax facts, which arrive in June; the yearly levy (本算定) is made in July. A city whose
普通徴収 納期 begin before the 本算定 bills its first 期 provisionally: the city's 介護保険条例
(「保険料の額の算定の特例」, under 第133条) has them paid, until the year's premium is decided, at a
provisional amount from the previous year's levy. 特別徴収 has its own provisional collection by law
(仮徴収, 第140条: last February's deduction in April, June and August; premiums.levy.services
.provisional_levy_chunk), so a person deducted from a pension last February is not billed here.

The city's rule as data (the collection plan, premiums.rules.tables.BillingPlan):
``provisional_periods`` = how many of the year's first 期 are 仮算定期 (0: no 普通徴収 仮算定).
The amount of each 仮算定期 [CONFIG, the 条例's formula; assumed, docs/subsystems/levy.md]: the
annual amount of the stage the person had last year under this year's rate table, divided by the
number of 期 of the year, truncated to the plan's unit. So a new rate table applies from the first
期, and last year's proration (a person insured for part of last year) does not shrink the bill.

Who is billed provisionally (``provisional_billing``; the reason otherwise, ``NoProvisional``):
insured (first class) on the 賦課期日 with no known loss of qualification in the year, levied last
year (a stage to carry), not deducted from a pension last February. New entrants, persons who
acquire during the year and persons whose loss is already known wait for the 本算定, which
prorates by month (第1号被保険者の資格の取得・喪失の月割, premiums.rules.amount).

The 本算定 settles (``settled_schedule``): the year's premium less the pension deductions it
decides less the 仮算定 bills (kept as billed: issued, paid or in arrears), spread over the 期
after the last 仮算定期 (until a pension deduction starts), the remainder in the first of them
(DOMAIN 2.7); when the 仮算定 bills exceed what the year owes, the excess is ``overpaid``
(refunded or offset, 還付・充当: DOMAIN 2.13)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from premiums.rules.codes import CollectionMethod, InstallmentKind
from premiums.rules.schedule import CollectionDecision, Installment, Schedule, billing_due_date, billing_schedule
from premiums.rules.tables import CollectionPlan, add_months


class NoProvisional:
    """Why a person gets no 普通徴収 仮算定 (codes for tests and the run's counts)."""

    NO_PERIODS = "no_provisional_periods"  # the plan has no 仮算定期
    PENSION = "pension_continuing"  # deducted last February: 特別徴収 仮徴収 instead (第140条)
    NO_PREVIOUS = "no_previous_year"  # not levied last year: waits for the 本算定
    NOT_ON_FIRST_DAY = "not_insured_on_april_1"  # not first class on the 賦課期日 (第130条)
    LOSES = "loses_qualification"  # a loss in the year is already known: the 本算定 prorates
    TOO_SMALL = "amount_too_small"  # the annual amount ÷ 期 truncates to 0


@dataclass(frozen=True)
class ProvisionalFacts:
    periods: Sequence[tuple[date, date | None]]  # first-class periods [start, end) overlapping the year
    previous_stage: int | None  # the stage of last year's current levy (None: no levy last year)
    pension_continuing: bool = False  # deducted from a pension last February


@dataclass(frozen=True)
class ProvisionalBilling:
    stage: int  # last year's stage, carried
    annual: int  # that stage's annual amount under this year's table
    per_period: int  # each 仮算定期's bill
    schedule: Schedule  # the 仮算定期' bills; ``amount`` = their total


@dataclass(frozen=True)
class ProvisionalDecision:
    billing: ProvisionalBilling | None
    reason: str = ""  # a NoProvisional code when ``billing`` is None


def provisional_billing(facts: ProvisionalFacts, *, fiscal_year: int, annual_of, plan: CollectionPlan,
                        holidays: frozenset[date] = frozenset()) -> ProvisionalDecision:
    """The 普通徴収 仮算定 of one person (module docstring: 法 第129条-第133条, 第140条, the city's
    条例). ``annual_of(stage)``: the stage's annual amount under this year's rate table."""
    periods = plan.billing.provisional_periods
    if periods == 0:
        return ProvisionalDecision(None, NoProvisional.NO_PERIODS)
    if facts.pension_continuing:
        return ProvisionalDecision(None, NoProvisional.PENSION)
    if facts.previous_stage is None:
        return ProvisionalDecision(None, NoProvisional.NO_PREVIOUS)
    first_day, year_end = date(fiscal_year, 4, 1), date(fiscal_year + 1, 4, 1)
    if not any(start <= first_day and (end is None or end > first_day) for start, end in facts.periods):
        return ProvisionalDecision(None, NoProvisional.NOT_ON_FIRST_DAY)
    if any(end is not None and end < year_end for _, end in facts.periods):
        return ProvisionalDecision(None, NoProvisional.LOSES)
    slots = plan.billing.slots(fiscal_year)
    annual = annual_of(facts.previous_stage)
    unit = plan.billing.unit
    each = annual // len(slots) // unit * unit
    if each <= 0:
        return ProvisionalDecision(None, NoProvisional.TOO_SMALL)
    bills = tuple(Installment(CollectionMethod.BILLING, InstallmentKind.REGULAR, n, *ym,
                              billing_due_date(plan.billing, ym, holidays), each)
                  for n, ym in slots[:periods])
    return ProvisionalDecision(ProvisionalBilling(facts.previous_stage, annual, each,
                                                  Schedule(each * len(bills), bills)))


def settled_schedule(decided: Schedule, provisional: Schedule, *, decision: CollectionDecision, fiscal_year: int,
                     plan: CollectionPlan, holidays: frozenset[date] = frozenset()) -> Schedule:
    """The 本算定's schedule after a 普通徴収 仮算定 (module docstring): ``decided`` is the schedule
    the 本算定 decides without one (its pension deductions are kept), ``provisional`` the 仮算定's.
    Without 仮算定 bills, ``decided`` as it is."""
    kept = provisional.of(CollectionMethod.BILLING)
    if not kept:
        return decided
    amount = decided.amount
    pension = decided.of(CollectionMethod.PENSION_DEDUCTION)
    rest = amount - sum(i.amount for i in pension) - sum(i.amount for i in kept)
    if rest <= 0:
        return Schedule(amount, pension + kept, overpaid=-rest)
    start = add_months(max(i.ym for i in kept), 1)
    until = decision.pension_from if decision.method != CollectionMethod.BILLING else None
    bills = billing_schedule(rest, fiscal_year=fiscal_year, plan=plan.billing, start=start, until=until,
                             holidays=holidays)
    return Schedule(amount, pension + kept + bills.installments)
