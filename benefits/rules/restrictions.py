"""Benefit restrictions for premium arrears (給付制限, DOMAIN.md 4.7 and 10.8): which measure applies
to a first-class insured person (第1号被保険者) from the facts of their premiums on a day, the
reduced-benefit period (給付額減額期間) and the reduced benefit rate. Pure functions; the figures set by
the law are module constants with their article, those a city chooses are fields of RestrictionPlan.

The law (介護保険法):
- 法 §66 第1項 (保険料滞納者に係る支払方法の変更): a certified first-class person (要介護被保険者等) who
  has not paid a premium by the end of the period the ministry sets after its 納期限 — 施行規則 第99条
  [article number to confirm]: one year — gets the 支払方法変更の記載 on the card: services are paid
  in full (10割) and claimed back (償還払い). Not when a 特別の事情 (施行令 第30条: 災害, 病気・負傷, 事業の休廃止, 著しい損失,
  農作物の不作 ...) exists, nor for recipients of the medical benefits of 施行規則 第98条 (原爆一般疾病
  医療費 ...). 法 §66 第3項 / 施行規則 第102条 [to confirm]: the 記載 is removed (消除) when the arrears are paid in
  full (完納) or have become remarkably small (著しく減少), or a 特別の事情 arises.
- 法 §67 第1項 (保険給付の支払の一時差止): after 1 year 6 months (施行規則 第103条 [article number to
  confirm]) the payment of benefits is withheld in whole or part; 第3項: the withheld amount may be
  offset against the arrears (控除) after notice.
- 法 §69 第1項 (保険料を徴収する権利が消滅した場合の保険給付の特例): when the right to collect premiums
  lapsed by prescription (時効, 法 §200: 2 years) for part of the calculation period before the
  certification, the card gets the 給付額減額等の記載 for the 給付額減額期間: the benefit rate is 70/100
  instead of 90/100 (80/100), and 60/100 for a person whose normal rate is 70/100 (法 §59の2 第2項: the
  3割 persons); 高額介護サービス費, 高額医療合算介護サービス費 and 特定入所者介護サービス費 are not paid
  (法 §69 第3項). Paying later cannot cure it: the premiums are time-barred.
- 施行規則 第112条・第113条 [article numbers to confirm]: the 保険料徴収権消滅期間 and the 給付額減額期間.
  Per fiscal year (調定年度) of the calculation period the lapsed share of the year's premium is a
  fraction of a year (X_y = 消滅額 / 調定額), and so is the paid share (P_y = 収入額 / 調定額); with
  X = ΣX_y and P = ΣP_y the period in months is X × X / (X + P) × 1/2 × 12, whole months (DOMAIN.md
  10.8; the same formula is quoted by 介護110番's glossary). The fraction of a month is dropped
  (DOMAIN.md 10.8 truncates) [K?: confirm against 施行規則's text].

Periods: a period "after the 納期限" starts the day after it (民法 §140, 初日不算入) and ends with the
day before the corresponding day of the last month (民法 §143 第2項; no such day: the month's last
day): the measure applies from the day after that end (``threshold_day``).

Only bills (普通徴収) can be in arrears: a pension deduction (特別徴収) is withheld by the pension
insurer (法 §131, §135), so callers pass bill installments only (premiums' open bills).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

ONE_DAY = timedelta(days=1)

# the measures (S1 registration kinds: 2 償還払化登録, 3 差止登録, 5 給付額減額登録)
PAYMENT_CHANGE = "payment_change"  # 支払方法の変更 (償還払い化), 法 §66
SUSPENSION = "suspension"  # 保険給付の支払の一時差止, 法 §67
REDUCTION = "reduction"  # 給付額減額等, 法 §69
MEASURES = (PAYMENT_CHANGE, SUSPENSION, REDUCTION)
MEASURE_LABELS = {
    PAYMENT_CHANGE: "支払方法の変更（償還払い）",
    SUSPENSION: "保険給付の支払の一時差止",
    REDUCTION: "給付額の減額",
}
MEASURE_ARTICLES = {PAYMENT_CHANGE: "介護保険法第66条", SUSPENSION: "介護保険法第67条", REDUCTION: "介護保険法第69条"}

PAYMENT_CHANGE_MONTHS = 12  # 法 §66 第1項, 施行規則 (第99条 [to confirm]): 一年間
SUSPENSION_MONTHS = 18  # 法 §67 第1項, 施行規則: 一年六月間
CALCULATION_YEARS = 10  # the calculation period of 法 §69 (施行規則) [K?]

# 法 §69 第3項 (読替え): the benefit rate during the 給付額減額期間, by the normal co-payment (割)
REDUCED_BENEFIT_PERCENT = {1: 70, 2: 70, 3: 60}

# 施行令 第30条 (特別の事情) and 施行規則 第98条 (other medical benefits): the reasons a clerk records
SPECIAL_CIRCUMSTANCES = {
    "disaster": "災害により財産に著しい損害を受けたこと（施行令第30条第1号）",
    "illness": "本人又は世帯の生計維持者の病気・負傷（施行令第30条第2号）",
    "business": "事業の休廃止・著しい損失（施行令第30条第3号）",
    "crop": "農作物の不作・不漁等による収入の著しい減少（施行令第30条第4号）",
    "other": "前各号に類する事由（施行令第30条第5号）",
    "medical": "原爆一般疾病医療費等の対象者（法第66条第1項、施行規則第98条）",
}


@dataclass(frozen=True)
class RestrictionPlan:
    """The city's choices [CONFIG]: the days given to answer an advance notice (弁明書の提出期限;
    municipal 要綱 use 10 to 30 days; 14 assumed) and whether a decided payment change starts the
    first day of the next month (the common practice) or on the decision day."""

    reply_days: int = 14
    start_next_month: bool = True


ASSUMED_PLAN = RestrictionPlan()


@dataclass(frozen=True)
class OpenBill:
    """One bill installment (普通徴収) unpaid after its 納期限 in force (a deferral's 猶予期限 when one
    covers it)."""

    fiscal_year: int
    month: date
    due_date: date
    open: int
    excused: bool = False  # covered by a recorded 特別の事情 (施行令 第30条): not counted


@dataclass(frozen=True)
class PremiumYear:
    """One fiscal year of premiums (調定年度) for the 給付額減額期間: the levied amount (調定額, bills
    and pension deductions), what was collected (収入額) and what lapsed by prescription (時効消滅)."""

    fiscal_year: int
    levied: int
    paid: int
    prescribed: int


@dataclass(frozen=True)
class Finding:
    """What the arrears facts of a person say on ``today``."""

    today: date
    oldest_due: date | None  # the 納期限 of the oldest counted unpaid installment
    arrears: int  # the counted unpaid amount
    overdue_one_year: int  # of which unpaid for more than 1 year after the 納期限
    payment_change: bool  # 法 §66 applies
    suspension: bool  # 法 §67 applies
    reduction: bool  # 法 §69 applies (premiums lapsed by prescription)
    payment_change_from: date | None = None  # the first day 法 §66 applied (oldest installment)
    suspension_from: date | None = None
    prescribed: int = 0

    @property
    def measures(self) -> tuple[str, ...]:
        return tuple(m for m, on in ((PAYMENT_CHANGE, self.payment_change), (SUSPENSION, self.suspension),
                                     (REDUCTION, self.reduction)) if on)


def add_months(day: date, months: int) -> date:
    """The corresponding day ``months`` later; without one, the last day of that month (民法 §143 第2項)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, d)
        except ValueError:
            continue
    raise ValueError(day)


def threshold_day(due_date: date, months: int) -> date:
    """The first day on which ``months`` have fully elapsed after the 納期限 ``due_date``: the period
    starts the day after the 納期限 (民法 §140) and ends with the day before the corresponding day
    of its last month (民法 §143 第2項), i.e. on the same-numbered day as the 納期限 (or the month's
    last day), so the measure applies from the day after."""
    return _period_end(due_date + ONE_DAY, months) + ONE_DAY


def _period_end(start: date, months: int) -> date:
    """The last day of a period of ``months`` starting on ``start`` (民法 §143 第2項)."""
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    try:
        corresponding = date(year, month + 1, start.day)
        return corresponding - ONE_DAY
    except ValueError:  # no corresponding day: the period ends with the last day of that month
        nxt = date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1)
        return nxt - ONE_DAY


def finding(bills: Iterable[OpenBill], years: Iterable[PremiumYear], today: date) -> Finding:
    """Which measures apply on ``today`` (法 §66, §67, §69): the oldest counted unpaid bill decides
    §66 (a year elapsed after its 納期限) and §67 (a year and six months); any premium lapsed by
    prescription decides §69. Installments excused by a 特別の事情 are not counted; bills not yet
    past their 納期限 are ignored (a caller may pass them)."""
    counted = [b for b in bills if not b.excused and b.open > 0 and b.due_date < today]
    oldest = min((b.due_date for b in counted), default=None)
    prescribed = sum(max(y.prescribed, 0) for y in years)
    change_from = threshold_day(oldest, PAYMENT_CHANGE_MONTHS) if oldest else None
    suspend_from = threshold_day(oldest, SUSPENSION_MONTHS) if oldest else None
    one_year = sum(b.open for b in counted if threshold_day(b.due_date, PAYMENT_CHANGE_MONTHS) <= today)
    return Finding(today=today, oldest_due=oldest, arrears=sum(b.open for b in counted), overdue_one_year=one_year,
                   payment_change=change_from is not None and change_from <= today,
                   suspension=suspend_from is not None and suspend_from <= today,
                   reduction=prescribed > 0, payment_change_from=change_from, suspension_from=suspend_from,
                   prescribed=prescribed)


def lift_due(measure: str, bills: Iterable[OpenBill], today: date) -> bool:
    """Whether a decided measure is to be lifted because the arrears are paid (法 §66 第3項,
    施行規則 第102条: 完納): no counted bill is unpaid after its 納期限. A remarkable decrease
    (著しく減少) or a 特別の事情 is a clerk's decision, not this rule. The reduction of 法 §69 is
    never lifted by payment (the premiums are time-barred): it ends with its period."""
    if measure == REDUCTION:
        return False
    return not any(not b.excused and b.open > 0 and b.due_date < today for b in bills)


def calculation_years(years: Sequence[PremiumYear], decided_on: date) -> list[PremiumYear]:
    """The fiscal years within the calculation period: the ``CALCULATION_YEARS`` years before the
    month of the certification (施行規則 [K?]); a fiscal year counts when it started before that
    month and ended after its start."""
    month_start = decided_on.replace(day=1)
    first = add_months(month_start, -12 * CALCULATION_YEARS)
    return [y for y in years if date(y.fiscal_year, 4, 1) < month_start and date(y.fiscal_year + 1, 3, 31) >= first]


def reduction_months(years: Iterable[PremiumYear]) -> int:
    """The 給付額減額期間 in months (施行規則; DOMAIN.md 10.8): X = Σ 消滅額/調定額, P = Σ 収入額/調定額
    over the calculation period's years, floor(X × X / (X + P) / 2 × 12). A year without a levied
    amount adds nothing; exact fractions (no float)."""
    x = sum((Fraction(y.prescribed, y.levied) for y in years if y.levied > 0), Fraction(0))
    p = sum((Fraction(y.paid, y.levied) for y in years if y.levied > 0), Fraction(0))
    if x + p == 0:
        return 0
    return int(x * x / (x + p) / 2 * 12)


@dataclass(frozen=True)
class Period:
    starts_on: date
    ends_on: date | None = None  # None: until lifted


def measure_period(measure: str, decided_on: date, *, months: int = 0,
                   plan: RestrictionPlan = ASSUMED_PLAN) -> Period:
    """When a decided measure is in force. 法 §66 and §67: from the first day of the month after the
    decision (the card is rewritten; the common practice of municipal 要綱) or from the decision day
    (``plan.start_next_month`` False), until lifted. 法 §69: the 給付額減額期間 of ``months`` months
    from the first day of the month after the 記載 [K?: DOMAIN.md 4.7 says from the month the
    certification takes effect]."""
    next_month = add_months(decided_on.replace(day=1), 1)
    if measure == REDUCTION:
        if months <= 0:
            raise ValueError("reduction without months")
        return Period(next_month, add_months(next_month, months) - ONE_DAY)
    return Period(next_month if plan.start_next_month else decided_on)


def reply_by(noticed_on: date, plan: RestrictionPlan = ASSUMED_PLAN) -> date:
    """The last day to answer an advance notice (弁明書の提出期限): ``plan.reply_days`` after it."""
    return noticed_on + timedelta(days=plan.reply_days)


def reduced_benefit_percent(normal_copay_tenths: int) -> int:
    """The benefit rate during the 給付額減額期間 (法 §69 第3項): 70/100, or 60/100 for a person whose
    co-payment is 3割 (so the co-payment becomes 3割, or 4割)."""
    try:
        return REDUCED_BENEFIT_PERCENT[normal_copay_tenths]
    except KeyError:
        raise ValueError(f"co-payment of {normal_copay_tenths} tenths") from None
