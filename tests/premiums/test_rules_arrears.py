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
    (70_000, date(2026, 7, 31), date(2026, 12, 31), 2_200),  # 31 days at 2.8 %, 121 days at 9.1 %
    (300_000, date(2025, 12, 15), date(2026, 2, 15), 2_900),  # split by calendar year: 2.4 % then 2.8 %, then 9.1 %
    (100_000, date(2025, 12, 15), date(2026, 2, 15), 0),  # under 1,000円: not collected
    (1_999, date(2025, 7, 31), date(2027, 7, 31), 0),  # under 2,000円: no charge
    (70_999, date(2026, 7, 31), date(2026, 12, 31), 2_200),  # the base is truncated to 1,000円
    (70_000, date(2026, 7, 31), date(2026, 8, 1), 0),  # paid the day after: no day counted
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
