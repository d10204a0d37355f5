"""The co-payment ratio rule (法 §49の2, §59の2; 施行令 §22の2, §29の2), as a table of cases worked
from the law's text: G = 合計所得金額 less the special deductions; H = Σ over the household's
第1号被保険者 of (公的年金等の収入金額 + その他の合計所得金額); 2割: G ≥ 160万 and H ≥ 280万 (one
第1号) / 346万 (two or more); 3割 (from 2018-08): G ≥ 220万 and H ≥ 340万 / 463万."""

from __future__ import annotations

from datetime import date

import pytest

from benefits.rules.copayment_ratio import (
    Income,
    Reason,
    change_applies_from,
    copayment_ratio,
    ratio_period,
    thresholds_on,
)

Y = date(2026, 8, 1)


def inc(total, *, pension=0, misc=0, special=0, taxed=True, assistance=False):
    return Income(total_income=total, special_deduction=special, pension_misc_income=misc, pension_income=pension,
                  taxed=taxed, public_assistance=assistance)


# a pensioner whose 公的年金等控除 is 110万: 収入 P gives 雑所得 P - 110万
def pensioner(pension, other=0):
    misc = max(0, pension - 1_100_000)
    return inc(misc + other, pension=pension, misc=misc)


CASES = [
    # (id, first_class, own, other first-class members, day, ratio, reason)
    ("second-class-whatever-the-income", False, inc(10_000_000), [], Y, 1, Reason.SECOND_CLASS),
    ("no-tax-facts", True, None, [], Y, 1, Reason.NO_FACTS),
    ("public-assistance", True, inc(3_000_000, pension=4_000_000, assistance=True), [], Y, 1, Reason.PUBLIC_ASSISTANCE),
    ("not-taxed", True, inc(0, taxed=False), [], Y, 1, Reason.NOT_TAXED),
    ("G-one-yen-below-160", True, inc(1_599_999, pension=0), [], Y, 1, Reason.INCOME_BELOW),
    # G 160万 from salary only: H = 0 + 160万 < 280万
    ("G-160-but-H-160-single", True, inc(1_600_000), [], Y, 1, Reason.HOUSEHOLD_BELOW),
    # 年金 270万 (雑所得 160万): G 160万, H = 270万 + 0 < 280万
    ("pension-270-single", True, pensioner(2_700_000), [], Y, 1, Reason.HOUSEHOLD_BELOW),
    # 年金 280万 (雑所得 170万): G 170万, H = 280万 → 2割 exactly at the amount
    ("pension-280-single-2", True, pensioner(2_800_000), [], Y, 2, Reason.TWO),
    # 年金 200万 (雑所得 90万) + 不動産 80万: G 170万, H = 200万 + 80万 = 280万
    ("pension-200-rent-80-single-2", True, pensioner(2_000_000, 800_000), [], Y, 2, Reason.TWO),
    ("pension-200-rent-79.9999-single-1", True, pensioner(2_000_000, 799_999), [], Y, 1, Reason.HOUSEHOLD_BELOW),
    # 3割: 年金 340万 (雑所得 230万): G 230万 ≥ 220万, H 340万 ≥ 340万
    ("pension-340-single-3", True, pensioner(3_400_000), [], Y, 3, Reason.THREE),
    ("pension-339.9999-single-2", True, pensioner(3_399_999), [], Y, 2, Reason.TWO),
    # G below 220万 with a high H: 2割 (年金 0, 給与 219万9,999)
    ("G-below-220-H-high-2", True, inc(2_199_999, pension=2_000_000, misc=0), [], Y, 2, Reason.TWO),
    # the special deduction of a land sale: 合計所得 200万 less 特別控除 50万 → G 150万
    ("special-deduction-brings-G-below", True, inc(2_000_000, pension=3_000_000, special=500_000), [], Y, 1,
     Reason.INCOME_BELOW),
    # two first-class: own 年金 280万 (G 170万) + spouse 年金 65万 (雑所得 0): H 345万 < 346万
    ("two-first-class-H-345-1", True, pensioner(2_800_000), [pensioner(650_000)], Y, 1, Reason.HOUSEHOLD_BELOW),
    ("two-first-class-H-346-2", True, pensioner(2_800_000), [pensioner(660_000)], Y, 2, Reason.TWO),
    # two first-class, 3割: own 年金 340万 (G 230万) + spouse 年金 123万 → H 463万
    ("two-first-class-H-463-3", True, pensioner(3_400_000), [pensioner(1_230_000)], Y, 3, Reason.THREE),
    ("two-first-class-H-462.9999-2", True, pensioner(3_400_000), [pensioner(1_229_999)], Y, 2, Reason.TWO),
    # the spouse is 第2号 (under 65): not in the household test, the single amounts apply
    ("second-class-spouse-not-counted", True, pensioner(2_800_000), [], Y, 2, Reason.TWO),
    # before 3割 existed: the 3割 income gives 2割
    ("3割-income-before-2018-08", True, pensioner(3_400_000), [], date(2018, 7, 31), 2, Reason.TWO),
    ("3割-income-from-2018-08", True, pensioner(3_400_000), [], date(2018, 8, 1), 3, Reason.THREE),
    ("before-2015-08-everyone-1", True, pensioner(3_400_000), [], date(2015, 7, 31), 1, Reason.BEFORE_LAW),
]


@pytest.mark.parametrize(("first_class", "own", "others", "day", "ratio", "reason"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_copayment_ratio_by_the_law(first_class, own, others, day, ratio, reason):
    household = ([own] if own is not None and first_class else []) + others
    result = copayment_ratio(first_class=first_class, own=own, first_class_household=household, day=day)
    assert (result.ratio, result.reason) == (ratio, reason)


def test_the_thresholds_by_date():
    assert thresholds_on(date(2015, 7, 31)) is None
    assert (thresholds_on(date(2015, 8, 1)).two_income, thresholds_on(date(2015, 8, 1)).three_income) == (1_600_000,
                                                                                                            None)
    t = thresholds_on(date(2026, 8, 1))
    assert (t.two_income, t.two_single, t.two_multi, t.three_income, t.three_single, t.three_multi) == (
        1_600_000, 2_800_000, 3_460_000, 2_200_000, 3_400_000, 4_630_000)


@pytest.mark.parametrize(("day", "period"), [
    (date(2026, 7, 31), (date(2025, 8, 1), date(2026, 7, 31))),
    (date(2026, 8, 1), (date(2026, 8, 1), date(2027, 7, 31))),
    (date(2027, 1, 15), (date(2026, 8, 1), date(2027, 7, 31))),
])
def test_the_year_runs_august_to_july(day, period):
    assert ratio_period(day) == period


@pytest.mark.parametrize(("cause", "event_day", "applies_from"), [
    ("household_change", date(2026, 10, 15), date(2026, 11, 1)),
    ("household_change", date(2026, 10, 1), date(2026, 10, 1)),
    ("household_change", date(2026, 12, 20), date(2027, 1, 1)),
    ("tax_correction", date(2027, 2, 3), date(2026, 8, 1)),
    ("certification", date(2026, 9, 10), date(2026, 9, 10)),
    ("certification", date(2026, 7, 1), date(2026, 8, 1)),
])
def test_the_day_a_recalculated_ratio_applies_from(cause, event_day, applies_from):
    assert change_applies_from(cause, event_day=event_day, period_start=date(2026, 8, 1)) == applies_from
