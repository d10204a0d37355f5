"""Arrears rules as tables: the reminder's window and payment date, the 2-year prescription with
its renewals, and the late-payment charge split by period and calendar year."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from premiums.rules.errors import PremiumRuleError

from premiums.rules.arrears import (
    ASSUMED_ARREARS_PLAN,
    LATE_CHARGE_RATES,
    late_charge,
    late_charge_base,
    late_charge_of,
    late_charge_rate,
    prescribed_on,
    reminder_pay_by,
    reminder_window,
)

CHARGING = replace(ASSUMED_ARREARS_PLAN, charge_late_fees=True)


def test_reminder_window_and_payment_date():
    assert reminder_window(date(2026, 7, 31)) == (date(2026, 8, 1), date(2026, 8, 20))
    assert reminder_pay_by(date(2026, 8, 10)) == date(2026, 8, 20)


@pytest.mark.parametrize("due,renewals,expected", [
    (date(2024, 7, 31), [], date(2026, 8, 1)),  # from the day after the 納期限, two years
    (date(2024, 7, 31), [date(2024, 8, 20)], date(2026, 8, 21)),  # a reminder's 指定期限 renews
    (date(2024, 7, 31), [date(2024, 8, 20), date(2025, 3, 3)], date(2027, 3, 4)),  # then a partial payment
    (date(2024, 7, 31), [date(2024, 6, 1)], date(2026, 8, 1)),  # a renewal before the start changes nothing
    (date(2028, 2, 28), [], date(2030, 2, 28)),  # starts on 29 February: ends with February
    (date(2025, 12, 31), [], date(2028, 1, 1)),
])
def test_prescription(due, renewals, expected):
    assert prescribed_on(due, renewals) == expected


@pytest.mark.parametrize("unpaid,due,paid,expected", [
    (70_000, date(2026, 7, 31), date(2026, 12, 31), 2_200),  # 31 days at 2.8 %, 122 days at 9.1 % (payment day counted)
    (300_000, date(2025, 12, 15), date(2026, 2, 15), 2_900),  # split by calendar year: 2.4 % then 2.8 %, then 9.1 %
    (100_000, date(2025, 12, 15), date(2026, 2, 15), 0),  # under 1,000円: not collected
    (1_999, date(2025, 7, 31), date(2027, 7, 31), 0),  # under 2,000円: no charge
    (70_999, date(2026, 7, 31), date(2026, 12, 31), 2_200),  # the base is truncated to 1,000円
    (70_000, date(2026, 7, 31), date(2026, 8, 1), 0),  # paid the day after: one day (5円), under 1,000円
])
def test_late_charge(unpaid, due, paid, expected):
    assert late_charge(unpaid, due, paid, CHARGING) == expected


def test_no_late_charge_where_the_city_does_not_charge_it():
    assert late_charge(70_000, date(2026, 7, 31), date(2026, 12, 31)) == 0


@pytest.mark.parametrize("day,first,later", [
    (date(2022, 1, 1), "0.024", "0.087"),  # 延滞金特例基準割合 + 1% / + 7.3% of each calendar year [S14 Setagaya]
    (date(2025, 12, 31), "0.024", "0.087"),
    (date(2026, 1, 1), "0.028", "0.091"),
    (date(2026, 12, 31), "0.028", "0.091"),
])
def test_late_charge_rate_of_each_calendar_year(day, first, later):
    rate = late_charge_rate(LATE_CHARGE_RATES, day)
    assert (rate.first, rate.later) == (Decimal(first), Decimal(later))


@pytest.mark.parametrize("day", [date(2021, 12, 31), date(2027, 1, 1)])
def test_a_year_without_its_rate_is_refused_not_guessed(day):
    with pytest.raises(PremiumRuleError) as refused:
        late_charge_rate(LATE_CHARGE_RATES, day)
    assert refused.value.code == "late_charge_rate_missing"
    # and so is a charge reaching into that year (before: the latest year's rate, silently)
    with pytest.raises(PremiumRuleError):
        late_charge(70_000, date(2026, 11, 30), date(2027, 2, 1), CHARGING)


# --- 延滞金 as 地方税法 words it (§326, 附則 §3の2, §20の4の2), worked by hand ----------------------
# first period: 納期限の翌日から1月を経過する日まで at the first rate; the day of payment is counted
# (納期限の翌日から納付の日までの期間の日数); each base truncated to 1,000円, none under 2,000円; the sum
# truncated to 100円, none under 1,000円; 365 days a year, leap years too.


@pytest.mark.parametrize("amount,due,payments,as_of,expected,days", [
    # 100,000円 due 4/30, paid 7/31: 5/1-5/31 31 days at 2.8 % (237.8), 6/1-7/31 61 days at 9.1 % (1,520.8)
    pytest.param(100_000, date(2026, 4, 30), [(date(2026, 7, 31), 100_000)], date(2026, 7, 31), 1_700, [31, 61],
                 id="two-periods"),
    # the payment day counts: paid the day after the 納期限 is one day (7.67円: under 1,000円)
    pytest.param(100_000, date(2026, 4, 30), [(date(2026, 5, 1), 100_000)], date(2026, 5, 1), 0, [1],
                 id="one-day"),
    # paid on the 納期限: no day
    pytest.param(100_000, date(2026, 4, 30), [(date(2026, 4, 30), 100_000)], date(2026, 4, 30), 0, [],
                 id="on-time"),
    # partial payment of 50,500 on 6/10: 6/10 still on 100,000; from 6/11 on 49,500 -> base 49,000
    # 237.8 + 100,000 × 9.1 % × 10/365 (249.3) + 49,000 × 9.1 % × 51/365 (623.0) = 1,110.1
    pytest.param(100_000, date(2026, 4, 30), [(date(2026, 6, 10), 50_500), (date(2026, 7, 31), 49_500)],
                 date(2026, 7, 31), 1_100, [31, 10, 51], id="partial-payment"),
    # the rest left under 2,000円 after a partial payment bears nothing from the day after
    pytest.param(10_000, date(2026, 1, 31), [(date(2026, 2, 5), 8_500)], date(2026, 12, 31), 0, [5], id="rest-under-2000"),
    # still open: as if paid on as_of (not settled)
    pytest.param(100_000, date(2026, 4, 30), [], date(2026, 7, 31), 1_700, [31, 61], id="open-as-of"),
    # paid before the 納期限 in part: the base is the rest from the start
    pytest.param(103_000, date(2026, 4, 30), [(date(2026, 4, 1), 3_000), (date(2026, 7, 31), 100_000)],
                 date(2026, 7, 31), 1_700, [31, 61], id="part-paid-on-time"),
    # across the new year: 2025's first rate, then 2026's (16 days 2.4 %, 15 days 2.8 %, then 9.1 %)
    pytest.param(300_000, date(2025, 12, 15), [(date(2026, 2, 15), 300_000)], date(2026, 2, 15), 2_900, [16, 15, 31],
                 id="calendar-years"),
])
def test_late_charge_of_the_law(amount, due, payments, as_of, expected, days):
    charge = late_charge_of(amount, due, payments, as_of, plan=CHARGING)
    assert charge.amount == expected
    assert [s.days for s in charge.segments] == days


def test_the_base_and_the_charge_are_truncated_at_the_laws_units():
    assert [late_charge_base(a) for a in (1_999, 2_000, 2_999, 70_999)] == [0, 2_000, 2_000, 70_000]
    # 1,000円 exactly is charged; 999 is not: 1,000,000円 × 2.8 % × 13/365 = 997.3 -> 0; 14 days = 1,074 -> 1,000
    assert late_charge(1_000_000, date(2026, 4, 30), date(2026, 5, 13), CHARGING) == 0
    assert late_charge(1_000_000, date(2026, 4, 30), date(2026, 5, 14), CHARGING) == 1_000


def test_the_first_period_may_be_three_months_by_the_cities_rule():
    three = replace(CHARGING, first_period_months=3)
    # 100,000円 due 4/30 paid 7/31: 5/1-7/31 all in the first period (92 days at 2.8 % = 705.8): none
    assert late_charge(100_000, date(2026, 4, 30), date(2026, 7, 31), three) == 0
    assert late_charge(100_000, date(2026, 4, 30), date(2026, 7, 31), CHARGING) == 1_700


@pytest.mark.parametrize("start,fiscal_year,charged", [
    (None, 2026, False),  # the city charges none
    (2026, 2025, False),  # Adachi's way: from the premiums of FY2026 on
    (2026, 2026, True),
    (2024, 2026, True),
])
def test_whether_a_years_premium_bears_a_late_charge_is_the_setting(settings, start, fiscal_year, charged):
    from premiums.arrears.selectors import arrears_plan

    settings.KAIGO_LATE_CHARGE_FROM = start
    plan = arrears_plan()
    assert plan.charges(fiscal_year) is charged
    charge = late_charge_of(100_000, date(2026, 4, 30), [], date(2026, 7, 31), fiscal_year=fiscal_year, plan=plan)
    assert charge.amount == (1_700 if charged else 0)


def test_a_pension_deduction_and_a_written_off_bill_bear_no_late_charge():
    from premiums.rules.arrears import installment_late_charges
    from premiums.rules.balance import InstallmentBalance

    rows = [InstallmentBalance("pension", date(2026, 4, 1), "4月 仮徴収", date(2026, 4, 15), 100_000, 0),
            InstallmentBalance("billing", date(2026, 4, 1), "第1期", date(2026, 4, 30), 100_000, 0,
                               written_off=100_000),
            InstallmentBalance("billing", date(2026, 5, 1), "第2期", date(2026, 4, 30), 100_000, 0)]
    charges = installment_late_charges(rows, {}, date(2026, 7, 31), fiscal_year=2026, plan=CHARGING,
                                       exemptions={("billing", date(2026, 5, 1)): [500]})
    assert [(c.label, c.amount, c.exempted, c.open) for c in charges] == [("第2期", 1_700, 500, 1_200)]
    whole = installment_late_charges(rows, {}, date(2026, 7, 31), fiscal_year=2026, plan=CHARGING,
                                     exemptions={("billing", date(2026, 5, 1)): [None]})
    assert whole[0].open == 0
    # a year without its rate: shown as missing, not guessed, not raised
    missing = installment_late_charges(rows, {}, date(2027, 2, 1), fiscal_year=2026, plan=CHARGING)
    assert missing[0].rate_missing and missing[0].amount == 0
