"""Arrears (滞納) rules: when a reminder (督促状) is due and what it names as the new payment date,
the late-payment charge (延滞金), and the 2-year prescription (時効) that ends the right to collect
(DOMAIN 2.11, 2.12, 10.5). Pure functions; figures that vary by city are fields of ArrearsPlan.

Only bills (普通徴収) can be in arrears: a pension deduction (特別徴収) is withheld by the 年金保険者
(法 §131, §135), and one it could not make is billed by the correction that follows; the callers
pass bills only (premiums.rules.balance.InstallmentBalance.overdue, OPEN_BILLS_SQL).

The late charge (延滞金) is the city's, by its 介護保険条例 under 地方自治法 §231の3(2) (延滞金を
徴収することができる), worded on 地方税法's: §326 (延滞金: 納期限の翌日から納付の日までの期間の
日数に応じ年14.6%, 納期限の翌日から1月を経過する日までは年7.3%), 附則 §3の2 (延滞金特例基準割合:
each calendar year's reduced rates), §20の4の2 (端数計算: the base truncated to 1,000円 and none
when the whole is under 2,000円; the charge truncated to 100円 and none under 1,000円). The
条例's text is assumed to follow 地方税法 word for word [K?: confirm the city's 条例].
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
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
    # whether the city charges 延滞金 at all (many cities do not on 介護保険料 [CONFIG]) and from the
    # premiums of which fiscal year (Adachi: FY2026 on); the running system reads both from the
    # setting KAIGO_LATE_CHARGE_FROM (premiums.arrears.selectors.arrears_plan)
    charge_late_fees: bool = False
    late_fees_from_fiscal_year: int | None = None  # None: every year, when charge_late_fees
    first_period_months: int = 1  # 7.3% period after the 納期限: 1 (地方税法 §326, Atsugi) or 3 months [CONFIG]
    late_charge_rates: tuple[LateChargeRate, ...] = LATE_CHARGE_RATES

    def charges(self, fiscal_year: int) -> bool:
        """Whether the premiums of ``fiscal_year`` bear a late charge."""
        return self.charge_late_fees and (self.late_fees_from_fiscal_year is None
                                          or fiscal_year >= self.late_fees_from_fiscal_year)


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


BASE_UNIT = 1_000  # 地方税法 §20の4の2②: the base truncated to 1,000円 ...
BASE_MINIMUM = 2_000  # ... and no charge when it is under 2,000円
CHARGE_UNIT = 100  # §20の4の2⑤: the charge truncated to 100円 ...
CHARGE_MINIMUM = 1_000  # ... and none when it is under 1,000円
DAYS_IN_YEAR = 365  # 年当たりの割合 is per 365 days, leap years too (the 条例's wording, as 地方税法's)


def late_charge_base(unpaid: int) -> int:
    """The base of the charge on ``unpaid`` (地方税法 §20の4の2②): truncated to 1,000円; 0 when
    the amount is under 2,000円."""
    return 0 if unpaid < BASE_MINIMUM else unpaid // BASE_UNIT * BASE_UNIT


@dataclass(frozen=True)
class LateChargeSegment:
    """Days charged at one base and one rate: ``first``..``last`` (both counted)."""

    first: date
    last: date
    base: int
    rate: Decimal

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def exact(self) -> Fraction:
        return Fraction(self.base) * Fraction(self.rate) * self.days / DAYS_IN_YEAR


@dataclass(frozen=True)
class LateCharge:
    """The late charge of one installment: the segments (base and rate changing), the exact sum
    and the amount (truncated to 100円, none under 1,000円). ``settled``: the installment was paid in
    full, so the charge is fixed (確定); otherwise it is the charge if the rest is paid on the day
    it was computed for."""

    segments: tuple[LateChargeSegment, ...] = ()
    settled: bool = False

    @property
    def exact(self) -> Fraction:
        return sum((s.exact for s in self.segments), Fraction(0))

    @property
    def amount(self) -> int:
        charge = int(self.exact) // CHARGE_UNIT * CHARGE_UNIT
        return 0 if charge < CHARGE_MINIMUM else charge


NO_CHARGE = LateCharge()


def late_charge_of(amount: int, due_date: date, payments: Iterable[tuple[date, int]], as_of: date, *,
                   fiscal_year: int | None = None, plan: ArrearsPlan = ASSUMED_ARREARS_PLAN) -> LateCharge:
    """The late charge (延滞金) of an installment of ``amount`` due on ``due_date`` (the 納期限 in
    force), paid by ``payments`` ((paid_on, amount), any order; negative ones correct earlier),
    the rest (if any) assumed paid on ``as_of``.

    地方税法 §326 as the 条例 words it: the days from the day after the 納期限 to the day of payment,
    both counted; the first ``first_period_months`` (納期限の翌日から1月を経過する日まで) at the year's
    first rate, the rest at its later rate, each day at the rates of its calendar year (附則 §3の2;
    a year without its row is refused, PremiumRuleError). A partial payment reduces the base from
    the day after it (DOMAIN 2.11: the day of payment is still charged on what was unpaid that
    morning). Each base is truncated to 1,000円, none under 2,000円; the sum to 100円, none under
    1,000円 (§20の4の2). Nothing when the city does not charge (``plan.charges(fiscal_year)``)."""
    if not plan.charge_late_fees or (fiscal_year is not None and not plan.charges(fiscal_year)):
        return NO_CHARGE
    by_day: dict[date, int] = {}
    for paid_on, paid in payments:
        by_day[paid_on] = by_day.get(paid_on, 0) + paid
    open_amount = amount - sum(paid for day, paid in by_day.items() if day <= due_date)
    start = due_date + ONE_DAY
    if open_amount <= 0:
        return LateCharge(settled=True)
    later_days = sorted(day for day in by_day if day > due_date)
    end, settled = as_of, False
    running = open_amount
    for day in later_days:
        running -= by_day[day]
        if running <= 0:
            end, settled = day, True
            break
    if end < start:
        return LateCharge(settled=settled)
    first_end = add_months_to(start, plan.first_period_months) - ONE_DAY
    # the days the base or the rate changes: the day after each payment, the day after the first
    # period, each 1 January
    changes = {d + ONE_DAY for d in later_days if d < end} | {first_end + ONE_DAY}
    changes |= {date(y, 1, 1) for y in range(start.year + 1, end.year + 1)}
    bounds = sorted(d for d in changes if start < d <= end)
    segments = []
    for first, nxt in zip([start, *bounds], [*bounds, end + ONE_DAY], strict=True):
        unpaid = open_amount - sum(by_day[d] for d in later_days if d < first)
        base = late_charge_base(unpaid)
        if base <= 0:
            continue
        rates = late_charge_rate(plan.late_charge_rates, first)
        rate = rates.first if first <= first_end else rates.later
        segments.append(LateChargeSegment(first, nxt - ONE_DAY, base, rate))
    return LateCharge(tuple(segments), settled)


def late_charge(unpaid: int, due_date: date, paid_on: date, plan: ArrearsPlan = ASSUMED_ARREARS_PLAN) -> int:
    """延滞金 on ``unpaid`` paid in one sum on ``paid_on`` after the 納期限 ``due_date`` (DOMAIN 10.5;
    ``late_charge_of`` with no partial payment): 0 when the city does not charge it."""
    return late_charge_of(unpaid, due_date, [(paid_on, unpaid)], paid_on, plan=plan).amount


@dataclass(frozen=True)
class InstallmentLateCharge:
    """The late charge of one bill installment as a balance shows it: the charge (fixed once the
    installment is paid in full, else as if the rest were paid on the day asked for), what was
    paid of it, what the section chief exempted (減免), and what is still open."""

    fiscal_year: int
    method: str
    month: date
    label: str
    due_date: date
    charge: LateCharge
    paid: int = 0
    exempted: int = 0
    rate_missing: bool = False  # the charge reaches a calendar year without its rate (LATE_CHARGE_RATES)

    @property
    def amount(self) -> int:
        return self.charge.amount

    @property
    def open(self) -> int:
        return max(self.amount - self.paid - self.exempted, 0)

    @property
    def settled(self) -> bool:
        return self.charge.settled


def installment_late_charges(rows: Iterable, payments: Mapping[tuple[str, date], Sequence[tuple[date, int]]],
                             as_of: date, *, fiscal_year: int, plan: ArrearsPlan = ASSUMED_ARREARS_PLAN,
                             paid: Mapping[tuple[str, date], int] | None = None,
                             exemptions: Mapping[tuple[str, date], Sequence[int | None]] | None = None,
                             ) -> tuple[InstallmentLateCharge, ...]:
    """The late charges of a year's bill installments (``rows``: premiums.rules.balance.
    InstallmentBalance, with the 納期限 in force), from each installment's payments ((paid_on,
    amount) by (method, month)), as of ``as_of`` for those still open: the installments with a
    charge, or with late-charge money or an exemption recorded. A pension deduction never bears one
    (it is not the resident's to pay), nor an installment written off (時効: the charge lapses
    with it). ``exemptions``: the approved 減免 of each installment (None: the whole charge)."""
    paid = paid or {}
    exemptions = exemptions or {}
    out = []
    for row in rows:
        key = (row.method, row.month)
        if row.method != "billing" or row.due_date is None or row.written_off or not row.due:
            continue
        try:
            charge = late_charge_of(row.due, row.due_date, payments.get(key, ()), as_of, fiscal_year=fiscal_year,
                                    plan=plan)
        except PremiumRuleError:  # a year whose rate is not announced yet: shown as such, never guessed
            out.append(InstallmentLateCharge(fiscal_year, row.method, row.month, row.label, row.due_date, NO_CHARGE,
                                             paid.get(key, 0), 0, rate_missing=True))
            continue
        granted = exemptions.get(key, ())
        exempted = charge.amount if any(g is None for g in granted) else sum(granted)
        exempted = min(exempted, max(charge.amount - paid.get(key, 0), 0))
        if charge.amount or paid.get(key) or granted:
            out.append(InstallmentLateCharge(fiscal_year, row.method, row.month, row.label, row.due_date, charge,
                                             paid.get(key, 0), exempted))
    return tuple(out)
