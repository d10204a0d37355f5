"""Arrears rules as tables: the reminder's window and payment date, the 2-year prescription with
its renewals, and the late-payment charge split by period and calendar year."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from premiums.rules.arrears import (
    ASSUMED_ARREARS_PLAN,
    late_charge,
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
