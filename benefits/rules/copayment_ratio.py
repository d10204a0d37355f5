"""The co-payment ratio (利用者負担割合: 1割, 2割 or 3割), pure.

The law:
- 介護保険法 第49条の2 (介護給付) and 第59条の2 (予防給付): for a 第1号被保険者 whose income
  (所得の額, computed as the cabinet order says) is at or above the order's amount, the benefit is
  100分の80 of the cost (2割 co-payment; 第1項), and 100分の70 (3割; 第2項) above the higher amount.
  Everyone else, and every 第2号被保険者, gets 100分の90 (1割; 法 §41 第4項, §53 第2項).
- 介護保険法施行令 第22条の2 (法 §49の2 の政令で定める所得・額; 第29条の2 applies it to 法 §59の2):
  the income is the 合計所得金額 after the special deductions of land and building sales (租税特別措置法
  の特別控除額); the 2割 amount is 160万円 and the 3割 amount 220万円; and neither applies when the
  公的年金等の収入金額 + その他の合計所得金額 of the 第1号被保険者 of the person's household (世帯: 住民基本
  台帳上の世帯) is below 280万円 (one 第1号 in the household) / 346万円 (two or more) for 2割, or
  below 340万円 / 463万円 for 3割.
- 2割 since 2015-08-01 (平成26年法律第83号), 3割 since 2018-08-01 (平成29年法律第52号).
- 生活保護 recipients and persons not subject to 市町村民税 (非課税) are 1割 (DOMAIN.md 4.1; with a
  合計所得金額 of 160万円 or more a person is taxed, so the income test alone gives the same answer).

The figures are a dated table (``THRESHOLDS``), never literals in the decision."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class RatioThresholds:
    """The amounts of 施行令 §22の2 in force from ``valid_from`` (yen). ``three_*`` None: no 3割 yet."""

    valid_from: date
    two_income: int  # 合計所得金額 for 2割
    two_single: int  # 年金収入+その他の合計所得金額, one 第1号 in the household
    two_multi: int  # ... two or more 第1号
    three_income: int | None = None
    three_single: int | None = None
    three_multi: int | None = None


THRESHOLDS: tuple[RatioThresholds, ...] = (
    RatioThresholds(date(2015, 8, 1), 1_600_000, 2_800_000, 3_460_000),
    RatioThresholds(date(2018, 8, 1), 1_600_000, 2_800_000, 3_460_000, 2_200_000, 3_400_000, 4_630_000),
)


def thresholds_on(day: date, table: Sequence[RatioThresholds] = THRESHOLDS) -> RatioThresholds | None:
    """The amounts in force on ``day`` (None before 2015-08-01: everyone 1割)."""
    found = [t for t in table if t.valid_from <= day]
    return max(found, key=lambda t: t.valid_from) if found else None


@dataclass(frozen=True)
class Income:
    """One person's figures from the 住民税 facts of the fiscal year (yen)."""

    total_income: int  # 合計所得金額
    special_deduction: int = 0  # 長期・短期譲渡所得の特別控除額
    pension_misc_income: int = 0  # 公的年金等に係る雑所得
    pension_income: int = 0  # 公的年金等の収入金額 (課税年金収入額; 遺族・障害年金 are not counted)
    taxed: bool = True  # 市町村民税 本人課税
    public_assistance: bool = False  # 生活保護

    @property
    def income_for_ratio(self) -> int:
        """施行令 §22の2: 合計所得金額 less the special deductions (never below 0)."""
        return max(0, self.total_income - self.special_deduction)

    @property
    def pension_and_other(self) -> int:
        """公的年金等の収入金額 + その他の合計所得金額 (= 合計所得金額 after the deductions less the
        年金雑所得, never below 0)."""
        return self.pension_income + max(0, self.income_for_ratio - self.pension_misc_income)


class Reason:
    """Why a ratio was given (codes stored with a determination; labels for the screens)."""

    SECOND_CLASS = "second_class"
    PUBLIC_ASSISTANCE = "public_assistance"
    NOT_TAXED = "not_taxed"
    NO_FACTS = "no_facts"
    BEFORE_LAW = "before_law"
    INCOME_BELOW = "income_below"
    HOUSEHOLD_BELOW = "household_below"
    TWO = "two"
    THREE = "three"


REASON_LABELS: dict[str, str] = {
    Reason.SECOND_CLASS: "第2号被保険者のため1割",
    Reason.PUBLIC_ASSISTANCE: "生活保護受給者のため1割",
    Reason.NOT_TAXED: "市町村民税非課税のため1割",
    Reason.NO_FACTS: "課税情報がないため1割（課税情報の到着後に再判定）",
    Reason.BEFORE_LAW: "一定以上所得者の負担割合の施行前のため1割",
    Reason.INCOME_BELOW: "本人の合計所得金額が160万円未満のため1割",
    Reason.HOUSEHOLD_BELOW: "世帯の第1号被保険者の年金収入とその他の合計所得金額の合計が基準未満のため",
    Reason.TWO: "本人の合計所得金額と世帯の年金収入等が2割負担の基準以上",
    Reason.THREE: "本人の合計所得金額と世帯の年金収入等が3割負担の基準以上",
}


@dataclass(frozen=True)
class RatioResult:
    ratio: int  # 1, 2 or 3 (割)
    reason: str  # Reason.*


def copayment_ratio(*, first_class: bool, own: Income | None, first_class_household: Sequence[Income],
                    day: date, table: Sequence[RatioThresholds] = THRESHOLDS) -> RatioResult:
    """The ratio of a person on ``day`` (法 §49の2, §59の2; 施行令 §22の2, §29の2).

    ``own``: the person's figures (None: no tax facts for the year); ``first_class_household``:
    the figures of every 第1号被保険者 of the person's household on the reference day, the person
    included (a member without facts counts as no income). The household test counts them: one
    (the person alone) uses the single amounts, two or more the multi amounts."""
    if not first_class:
        return RatioResult(1, Reason.SECOND_CLASS)
    if own is None:
        return RatioResult(1, Reason.NO_FACTS)
    if own.public_assistance:
        return RatioResult(1, Reason.PUBLIC_ASSISTANCE)
    if not own.taxed:
        return RatioResult(1, Reason.NOT_TAXED)
    t = thresholds_on(day, table)
    if t is None:
        return RatioResult(1, Reason.BEFORE_LAW)
    g = own.income_for_ratio
    if g < t.two_income:
        return RatioResult(1, Reason.INCOME_BELOW)
    members = max(1, len(first_class_household))
    h = sum(m.pension_and_other for m in first_class_household) if first_class_household else own.pension_and_other
    if t.three_income is not None and g >= t.three_income \
            and h >= (t.three_single if members == 1 else t.three_multi):
        return RatioResult(3, Reason.THREE)
    if h >= (t.two_single if members == 1 else t.two_multi):
        return RatioResult(2, Reason.TWO)
    return RatioResult(1, Reason.HOUSEHOLD_BELOW)


# --- the year and the day a new ratio applies from ------------------------------------------------


def ratio_period(day: date) -> tuple[date, date]:
    """The determination's year containing ``day``: 8月1日 to 7月31日 (the ratio of the year is
    decided from the 住民税 of the fiscal year starting in April of the same calendar year: the
    previous year's income)."""
    start = date(day.year if day.month >= 8 else day.year - 1, 8, 1)
    return start, date(start.year + 1, 7, 31)


def tax_year_of_period(period_start: date) -> int:
    """The fiscal year (年度) whose 住民税 facts decide the period starting ``period_start``."""
    return period_start.year


def change_applies_from(cause: str, *, event_day: date, period_start: date) -> date:
    """The first day a recalculated ratio applies (DOMAIN.md 4.1, re-determination [K?]; the city's
    practice to confirm): a 世帯構成 change from the first day of the month after the change (from
    the day itself when it is a first of the month); an income correction (税の更正) for the whole
    year (the ratio was decided from wrong facts); a new certification from its first day. Never
    before the period."""
    if cause == "household_change":
        first = event_day if event_day.day == 1 else (
            date(event_day.year + (event_day.month == 12), event_day.month % 12 + 1, 1))
        return max(first, period_start)
    if cause == "tax_correction":
        return period_start
    return max(event_day, period_start)
