"""Arrears (滞納) rules: when a reminder (督促状) is due and what it names as the new payment date,
the late-payment charge (延滞金), and the 2-year prescription (時効) that ends the right to collect
(DOMAIN 2.11, 2.12, 10.5). Pure functions; figures that vary by city are fields of ArrearsPlan.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from premiums.rules.errors import PremiumRuleError

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class LateChargeRate:
    """The 延滞金 rates of one calendar year (DOMAIN 2.11): by 条例 modelled on 地方税法 §369 and its
    附則 §3の2 (延滞金特例基準割合 = 平均貸付割合 + 1%): the first period after the 納期限 at the
    特例基準割合 + 1% (at most 7.3%), the rest at the 特例基準割合 + 7.3% (at most 14.6%). The
    特例基準割合 is announced for each calendar year, so each year is a row of its own."""

    year: int  # calendar year (暦年): a delinquency spanning years is split by year
    first: Decimal  # the first period (1 or 3 months after the 納期限, ArrearsPlan.first_period_months)
    later: Decimal


# [V: S14 Setagaya] (2019 was 2.6 % / 8.9 %): a new year's row is added when its rate is announced
LATE_CHARGE_RATES: tuple[LateChargeRate, ...] = (
    *(LateChargeRate(year, Decimal("0.024"), Decimal("0.087")) for year in range(2022, 2026)),
    LateChargeRate(2026, Decimal("0.028"), Decimal("0.091")),
)


def late_charge_rate(rates: Iterable[LateChargeRate], day: date) -> LateChargeRate:
    """The rates in force on ``day``. A day of a year the table does not cover is refused: no
    amount is charged at a guessed rate."""
    for rate in rates:
        if rate.year == day.year:
            return rate
    raise PremiumRuleError(f"{day.year}年の延滞金の割合が登録されていません。", code="late_charge_rate_missing")


@dataclass(frozen=True)
class ArrearsPlan:
    """The city's arrears settings [CONFIG; Kawasaki to confirm, DOMAIN 2.11, 16]."""

    reminder_within_days: int = 20  # 督促状: within 20 days after the 納期限 (条例・規則)
    reminder_term_days: int = 10  # the payment date it names: 10 days after issue
    reminder_fee: int = 0  # 督促手数料 (自治法 §231の3(2)): 0, 50 or 100円
    prescription_years: int = 2  # 法 §200(1)
    charge_late_fees: bool = False  # many cities do not charge 延滞金 on 介護保険料 [CONFIG]
    first_period_months: int = 1  # 7.3% period after the 納期限: 1 (Atsugi) or 3 months [CONFIG]
    late_charge_rates: tuple[LateChargeRate, ...] = LATE_CHARGE_RATES


ASSUMED_ARREARS_PLAN = ArrearsPlan()


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February: the period ends with the last day of February
        return day.replace(year=day.year + years, day=28)


def add_months_to(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)


def reminder_window(due_date: date, plan: ArrearsPlan = ASSUMED_ARREARS_PLAN) -> tuple[date, date]:
    """The days a reminder for an installment due on ``due_date`` may be issued: from the day
    after the 納期限 to ``reminder_within_days`` after it."""
    return due_date + ONE_DAY, due_date + timedelta(days=plan.reminder_within_days)


def reminder_pay_by(issued_on: date, plan: ArrearsPlan = ASSUMED_ARREARS_PLAN) -> date:
    """The payment date a reminder names (指定期限)."""
    return issued_on + timedelta(days=plan.reminder_term_days)


def prescribed_on(due_date: date, renewals: Iterable[date] = (), plan: ArrearsPlan = ASSUMED_ARREARS_PLAN) -> date:
    """The first day the right to collect an installment no longer exists (時効の完成の翌日).

    The period starts the day after the 納期限 (初日不算入) and runs ``prescription_years``; it
    starts again the day after each renewal (時効の更新: the 指定期限 of a reminder, a partial
    payment as acknowledgement of the debt, 債務の承認), DOMAIN 2.12. A renewal before the
    current start does not shorten it."""
    start = due_date + ONE_DAY
    for day in sorted(renewals):
        start = max(start, day + ONE_DAY)
    return add_years(start, plan.prescription_years)


def late_charge(unpaid: int, due_date: date, paid_on: date, plan: ArrearsPlan = ASSUMED_ARREARS_PLAN) -> int:
    """延滞金 on ``unpaid`` paid on ``paid_on`` after the 納期限 ``due_date`` (DOMAIN 10.5): the base is
    the unpaid amount truncated to 1,000円 (none under 2,000円); the rate is the year's first-period
    rate for ``first_period_months`` after the 納期限, the later rate afterwards, split by calendar
    year (``LATE_CHARGE_RATES``; a year without its row is refused, PremiumRuleError); days from the day
    after the 納期限 to the day before payment; the sum truncated to 100円, none under 1,000円. 0 when
    the city does not charge it."""
    if not plan.charge_late_fees or unpaid < 2_000 or paid_on <= due_date + ONE_DAY:
        return 0
    base = unpaid // 1_000 * 1_000
    first_end = add_months_to(due_date + ONE_DAY, plan.first_period_months) - ONE_DAY
    total = Fraction(0)
    day = due_date + ONE_DAY
    last = paid_on - ONE_DAY
    while day <= last:
        # one segment: same calendar year and same period
        period_end = first_end if day <= first_end else last
        segment_end = min(last, period_end, date(day.year, 12, 31))
        days = (segment_end - day).days + 1
        rates = late_charge_rate(plan.late_charge_rates, day)
        rate = rates.first if day <= first_end else rates.later
        total += Fraction(base) * Fraction(rate) * days / 365
        day = segment_end + ONE_DAY
    charge = int(total) // 100 * 100
    return 0 if charge < 1_000 else charge
