"""Benefit restriction rules as tables worked from the law's text (介護保険法 §66, §67, §69; 施行規則
第99条 one year; 民法 §140, §143 for the periods; DOMAIN.md 10.8 for the 給付額減額期間): when each
measure applies, when paying lifts it, the reduced-benefit period and rate. No database."""

from __future__ import annotations

from datetime import date

import pytest

from benefits.rules.restrictions import (
    PAYMENT_CHANGE,
    REDUCTION,
    SUSPENSION,
    OpenBill,
    PremiumYear,
    calculation_years,
    finding,
    lift_due,
    measure_period,
    reduced_benefit_percent,
    reduction_months,
    reply_by,
    threshold_day,
)

# (納期限, months, first day the measure applies). The period starts the day after the 納期限
# (民法 §140) and ends with the day before the corresponding day of its last month (§143 第2項);
# without a corresponding day, with that month's last day.
THRESHOLDS = [
    (date(2024, 7, 31), 12, date(2025, 8, 1)),  # start 8/1 → ends 2025-07-31 → applies 8/1
    (date(2024, 9, 2), 12, date(2025, 9, 3)),  # a due date moved past a weekend: same rule
    (date(2024, 2, 29), 12, date(2025, 3, 1)),  # start 3/1 → ends 2025-02-28
    (date(2023, 12, 31), 18, date(2025, 7, 1)),  # 1 year 6 months (法 §67): start 2024-01-01 → ends 2025-06-30
    (date(2023, 8, 31), 18, date(2025, 3, 1)),  # start 9/1 → ends 2025-02-28 (no 2/29 in 2025)
    (date(2024, 1, 30), 1, date(2024, 3, 1)),  # start 1/31: no 2/31 → ends with February's last day (§143 ただし書)
]


@pytest.mark.parametrize(("due", "months", "first_day"), THRESHOLDS)
def test_the_period_after_a_due_date_ends_by_the_civil_code(due, months, first_day):
    assert threshold_day(due, months) == first_day


def bill(due: date, amount: int = 7_000, excused: bool = False) -> OpenBill:
    return OpenBill(due.year if due.month >= 4 else due.year - 1, due.replace(day=1), due, amount, excused)


LAPSED = PremiumYear(2022, levied=70_000, paid=0, prescribed=70_000)

# (bills, years, today, payment change §66, suspension §67, reduction §69, oldest counted due)
FINDINGS = [
    # one bill due 2024-07-31 unpaid: §66 from 2025-08-01, §67 from 2026-02-01
    ([bill(date(2024, 7, 31))], [], date(2025, 7, 31), False, False, False, date(2024, 7, 31)),
    ([bill(date(2024, 7, 31))], [], date(2025, 8, 1), True, False, False, date(2024, 7, 31)),
    ([bill(date(2024, 7, 31))], [], date(2026, 1, 31), True, False, False, date(2024, 7, 31)),
    ([bill(date(2024, 7, 31))], [], date(2026, 2, 1), True, True, False, date(2024, 7, 31)),
    # the oldest installment decides; a recent one alone does not
    ([bill(date(2025, 6, 30)), bill(date(2024, 7, 31))], [], date(2025, 8, 1), True, False, False, date(2024, 7, 31)),
    ([bill(date(2025, 6, 30))], [], date(2025, 8, 1), False, False, False, date(2025, 6, 30)),
    # an installment under a 特別の事情 (施行令 第30条) is not counted
    ([bill(date(2024, 7, 31), excused=True), bill(date(2025, 6, 30))], [], date(2025, 8, 1), False, False, False,
     date(2025, 6, 30)),
    # paid (nothing open) and not yet due are not arrears
    ([bill(date(2024, 7, 31), amount=0)], [], date(2026, 2, 1), False, False, False, None),
    ([bill(date(2026, 3, 2))], [], date(2026, 2, 1), False, False, False, None),
    # premiums lapsed by prescription: §69 whatever is open now
    ([], [LAPSED], date(2026, 2, 1), False, False, True, None),
    ([bill(date(2024, 7, 31))], [LAPSED], date(2026, 2, 1), True, True, True, date(2024, 7, 31)),
]


@pytest.mark.parametrize(("bills", "years", "today", "change", "suspend", "reduce", "oldest"), FINDINGS)
def test_which_measure_applies_from_the_arrears(bills, years, today, change, suspend, reduce, oldest):
    found = finding(bills, years, today)
    assert (found.payment_change, found.suspension, found.reduction, found.oldest_due) == (
        change, suspend, reduce, oldest)


def test_a_finding_counts_the_arrears_and_the_part_unpaid_for_a_year():
    found = finding([bill(date(2024, 7, 31), 7_200), bill(date(2024, 8, 31), 7_000), bill(date(2025, 6, 30), 7_000)],
                    [], date(2025, 8, 31))
    # 7/31 → §66 from 8/1; 8/31 → from 2025-09-01 (not yet); 2025-06-30 recent
    assert (found.arrears, found.overdue_one_year, found.payment_change_from) == (21_200, 7_200, date(2025, 8, 1))
    assert found.measures == (PAYMENT_CHANGE,)


# (measure, bills on the day, lifted by payment?) 法 §66 第3項: 完納 removes the 記載; §69 never
LIFTS = [
    (PAYMENT_CHANGE, [], True),
    (PAYMENT_CHANGE, [bill(date(2024, 7, 31), amount=0)], True),
    (PAYMENT_CHANGE, [bill(date(2024, 7, 31), amount=1)], False),  # 1 yen still open: not 完納
    (PAYMENT_CHANGE, [bill(date(2026, 3, 2))], True),  # only a bill not yet due
    (PAYMENT_CHANGE, [bill(date(2024, 7, 31), excused=True)], True),
    (SUSPENSION, [], True),
    (SUSPENSION, [bill(date(2025, 9, 1))], False),
    (REDUCTION, [], False),
]


@pytest.mark.parametrize(("measure", "bills", "lifted"), LIFTS)
def test_paying_lifts_the_payment_change_and_the_suspension_never_the_reduction(measure, bills, lifted):
    assert lift_due(measure, bills, date(2026, 2, 1)) is lifted


def year(fy: int, levied: int, paid: int, prescribed: int) -> PremiumYear:
    return PremiumYear(fy, levied, paid, prescribed)


# (years, months): X = Σ 消滅額/調定額, P = Σ 収入額/調定額, floor(X × X / (X + P) / 2 × 12)
REDUCTIONS = [
    # 10 years all time-barred: X=10, P=0 → 10 × 10 / 10 / 2 × 12 = 60
    ([year(fy, 60_000, 0, 60_000) for fy in range(2014, 2024)], 60),
    # 2 years lapsed, 8 paid: 4 / 10 / 2 × 12 = 2.4 → 2
    ([year(fy, 60_000, 0, 60_000) for fy in (2016, 2017)] + [year(fy, 60_000, 60_000, 0) for fy in range(2018, 2026)],
     2),
    # 3 lapsed, 1 paid: 9 / 4 / 2 × 12 = 13.5 → 13
    ([year(fy, 50_000, 0, 50_000) for fy in (2020, 2021, 2022)] + [year(2023, 50_000, 50_000, 0)], 13),
    # 1 year lapsed alone: 1 / 1 / 2 × 12 = 6
    ([year(2022, 70_000, 0, 70_000)], 6),
    # half a year lapsed, the other half paid, and 9 years paid: X=.5, P=9.5 → .25 / 10 / 2 × 12 = .15 → 0
    ([year(2015, 80_000, 40_000, 40_000)] + [year(fy, 80_000, 80_000, 0) for fy in range(2016, 2025)], 0),
    # a year with nothing levied adds nothing; nothing at all: 0
    ([year(2022, 0, 0, 0), year(2023, 70_000, 0, 70_000)], 6),
    ([], 0),
]


@pytest.mark.parametrize(("years", "months"), REDUCTIONS)
def test_the_reduced_benefit_period_by_the_formula(years, months):
    assert reduction_months(years) == months


def test_the_calculation_period_keeps_the_ten_years_before_the_certification_month():
    years = [year(fy, 1, 0, 1) for fy in range(2012, 2027)]
    kept = [y.fiscal_year for y in calculation_years(years, date(2026, 9, 15))]
    # 2016-09-01 .. 2026-08-31: FY2015 (ends 2016-03-31) is out, FY2016 in; FY2026 started 4/1 before 9/1: in
    assert kept == list(range(2016, 2027))


# (normal co-payment 割, benefit % during the 給付額減額期間): 法 §69 第3項
RATES = [(1, 70), (2, 70), (3, 60)]


@pytest.mark.parametrize(("copay", "percent"), RATES)
def test_the_reduced_benefit_rate(copay, percent):
    assert reduced_benefit_percent(copay) == percent


def test_an_unknown_co_payment_is_refused():
    with pytest.raises(ValueError):
        reduced_benefit_percent(4)


PERIODS = [
    (PAYMENT_CHANGE, date(2025, 8, 20), 0, date(2025, 9, 1), None),
    (SUSPENSION, date(2025, 12, 1), 0, date(2026, 1, 1), None),
    (REDUCTION, date(2025, 8, 20), 13, date(2025, 9, 1), date(2026, 9, 30)),
    (REDUCTION, date(2026, 1, 31), 2, date(2026, 2, 1), date(2026, 3, 31)),
]


@pytest.mark.parametrize(("measure", "decided", "months", "starts", "ends"), PERIODS)
def test_a_decided_measure_starts_the_next_month(measure, decided, months, starts, ends):
    period = measure_period(measure, decided, months=months)
    assert (period.starts_on, period.ends_on) == (starts, ends)


def test_a_reduction_of_zero_months_is_refused_and_the_reply_date_is_14_days_later():
    with pytest.raises(ValueError):
        measure_period(REDUCTION, date(2026, 1, 1), months=0)
    assert reply_by(date(2026, 1, 5)) == date(2026, 1, 19)
