"""Dated tables of the premium rules: rate tables (基準額, stages, multipliers, thresholds,
rounding) and collection plans (普通徴収 installments, 特別徴収 parameters).

Every figure that varies by city or by year is a field here; the functions in stage.py,
amount.py and schedule.py read them from the table passed in and hold no literal rate,
threshold, unit or month. A table covers a range of fiscal years (年度, April to March), both
ends inclusive, `valid_to=None` = open. A new fiscal year is a new table, never a code change.

The values of NATIONAL_STANDARD_9TH are the national standard of the 第9期 (FY2024-2026,
DOMAIN 2.3-2.4, 11); the base amount and everything in ASSUMED_COLLECTION_PLAN are assumed
CONFIG values, listed in docs/subsystems/premium-rules.md.
"""

from __future__ import annotations

import calendar
import functools
import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import ClassVar, Protocol, TypeVar

from premiums.rules.codes import PensionKind, RoundingMode, StageGroup
from premiums.rules.errors import RateTableError

YearMonth = tuple[int, int]  # (calendar year, month)

# The months pensions are paid and deducted (偶数月, DOMAIN 2.8; 法 §131-§141): fixed by law,
# in fiscal-year order. Provisional (仮徴収) Apr/Jun/Aug, final (本徴収) Oct/Dec/Feb.
PENSION_MONTHS: tuple[int, ...] = (4, 6, 8, 10, 12, 2)
PROVISIONAL_MONTHS: tuple[int, ...] = (4, 6, 8)
FINAL_MONTHS: tuple[int, ...] = (10, 12, 2)


def fiscal_year_months(fiscal_year: int) -> list[YearMonth]:
    """April of ``fiscal_year`` to March of the next calendar year."""
    return [(fiscal_year, m) for m in range(4, 13)] + [(fiscal_year + 1, m) for m in range(1, 4)]


def fiscal_year_of(day: date) -> int:
    """The fiscal year (年度, April to March) ``day`` falls in."""
    return day.year if day.month >= 4 else day.year - 1


def fiscal_month(fiscal_year: int, month: int) -> YearMonth:
    """The (year, month) of ``month`` within ``fiscal_year`` (January-March: the next year)."""
    return (fiscal_year, month) if month >= 4 else (fiscal_year + 1, month)


def add_months(ym: YearMonth, months: int) -> YearMonth:
    index = ym[0] * 12 + (ym[1] - 1) + months
    return (index // 12, index % 12 + 1)


def man_yen(amount: int) -> str:
    """An amount as staff and notices write thresholds: 809000 -> "80.9万円", 1200000 ->
    "120万円"; amounts not in whole thousands as "1,234,567円"."""
    if amount % 1000 == 0 and amount != 0:
        value = Decimal(amount) / Decimal(10000)
        return f"{format(value.normalize(), 'f')}万円"
    return f"{amount:,}円"


def yen(value: int | Decimal | Fraction) -> str:
    """Yen with thousands separators; an exact Decimal keeps its fraction (22,265.055円)."""
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return f"{int(value):,}円"
        return f"{format(value.normalize(), ',f')}円"
    return f"{value:,}円"


def rate_text(multiplier: Decimal) -> str:
    """0.455 -> "0.455", 1.00 -> "1.0", 2.40 -> "2.4"."""
    text = format(multiplier.normalize(), "f")
    return text if "." in text else f"{text}.0"


# --- rounding ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rounding:
    """端数処理 (DOMAIN 2.7): round to a multiple of ``unit`` yen by ``mode``."""

    unit: int
    mode: RoundingMode

    def __post_init__(self):
        if not isinstance(self.unit, int) or self.unit < 1:
            raise RateTableError("端数処理の単位は1円以上の整数で指定してください。")
        if self.mode not in RoundingMode.values:
            raise RateTableError("端数処理の方法が不正です。")

    def apply(self, value: int | Decimal | Fraction) -> int:
        """``value`` rounded; exact (Decimal and Fraction are converted without loss)."""
        if isinstance(value, float):
            raise TypeError("money is int, Decimal or Fraction, never float")
        q = Fraction(value) / self.unit
        if self.mode == RoundingMode.DOWN:
            n = math.floor(q)
        elif self.mode == RoundingMode.UP:
            n = math.ceil(q)
        else:
            n = math.floor(q + Fraction(1, 2))
        return n * self.unit

    @property
    def label(self) -> str:
        return f"{self.unit:,}円未満{RoundingMode(self.mode).label}"


# --- rate tables ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stage:
    """One income stage (所得段階).

    A stage is a band of one group: the income measure of the group (DOMAIN 2.3: for the
    exempt groups 課税年金収入額 + adjusted 合計所得金額, for the taxed group the adjusted
    合計所得金額) falls below ``income_upper`` (``upper_inclusive``: "以下" when True, "未満"
    when False). The last band of a group has ``income_upper=None``. The lower bound is the
    previous band's upper bound of the same group.
    """

    number: int
    group: StageGroup
    income_upper: int | None
    upper_inclusive: bool
    multiplier: Decimal  # 保険料率 (standard, before the public-expense reduction)
    reduced_multiplier: Decimal | None = None  # 公費軽減後 (DOMAIN 2.4), stages 1-3 in the standard
    label: str = ""  # "第4段階"; empty = derived from the number

    def __post_init__(self):
        if not self.label:
            object.__setattr__(self, "label", f"第{self.number}段階")
        for value in (self.multiplier, self.reduced_multiplier):
            if value is not None and not isinstance(value, Decimal):
                raise RateTableError(f"{self.label}の保険料率はDecimalで指定してください。")
        if self.multiplier <= 0:
            raise RateTableError(f"{self.label}の保険料率は正の値で指定してください。")
        if self.reduced_multiplier is not None and not (
            0 < self.reduced_multiplier <= self.multiplier
        ):
            raise RateTableError(f"{self.label}の軽減後の保険料率が不正です。")
        if self.income_upper is not None and self.income_upper < 0:
            raise RateTableError(f"{self.label}の所得の上限が不正です。")

    @property
    def applied_multiplier(self) -> Decimal:
        """The rate the person pays: the reduced one where there is one."""
        return self.reduced_multiplier if self.reduced_multiplier is not None else self.multiplier


class _Dated(Protocol):
    name: str
    valid_from: int
    valid_to: int | None
    KIND_LABEL: ClassVar[str]


def _check_years(table: _Dated) -> None:
    if table.valid_to is not None and table.valid_to < table.valid_from:
        raise RateTableError(
            f"{table.KIND_LABEL}「{table.name}」の適用年度の終わりが始まりより前です。"
        )


@dataclass(frozen=True)
class RateTable:
    """The premium rates of a range of fiscal years (保険料率表)."""

    KIND_LABEL: ClassVar[str] = "保険料率表"

    name: str
    valid_from: int  # first fiscal year
    valid_to: int | None  # last fiscal year (inclusive); None = open
    base_amount: int  # 基準額 (年額), DOMAIN 2.2
    stages: tuple[Stage, ...]
    annual_rounding: Rounding  # of 基準額 × 保険料率 (DOMAIN 2.2, 2.7)
    proration_rounding: Rounding  # of the 月割 amount (DOMAIN 2.6)
    public_assistance_stage: int  # 生活保護受給者 (DOMAIN 2.3: 1)
    old_age_welfare_pension_stage: int  # 老齢福祉年金受給者 in a 非課税 household (1)
    # 合計所得金額 adjustments (DOMAIN 2.3, [K?]): deduct up to this amount of 給与所得 (exempt
    # groups) or of 給与所得 + 公的年金等に係る雑所得 (taxed group, when the flag is set).
    income_adjustment: int
    income_adjustment_taxed: bool
    # 非課税年金 (遺族・障害年金) is not counted for premium stages (DOMAIN 2.3); a flag in case a
    # later rule counts it as 補足給付 does.
    count_non_taxable_pension: bool

    def __post_init__(self):
        _check_years(self)
        if self.base_amount <= 0:
            raise RateTableError(f"保険料率表「{self.name}」の基準額が不正です。")
        if self.income_adjustment < 0:
            raise RateTableError(f"保険料率表「{self.name}」の所得調整額が不正です。")
        numbers = [s.number for s in self.stages]
        if numbers != list(range(1, len(numbers) + 1)):
            raise RateTableError(f"保険料率表「{self.name}」の段階は1から順に並べてください。")
        for group in StageGroup:
            bands = self.bands(group)
            if not bands:
                raise RateTableError(
                    f"保険料率表「{self.name}」に{StageGroup(group).label}の段階がありません。"
                )
            if (
                any(s.income_upper is None for s in bands[:-1])
                or bands[-1].income_upper is not None
            ):
                raise RateTableError(
                    f"保険料率表「{self.name}」の{StageGroup(group).label}の段階は、"
                    "最後の段階だけ上限なしにしてください。"
                )
            uppers = [s.income_upper for s in bands[:-1]]
            if uppers != sorted(set(uppers)):
                raise RateTableError(
                    f"保険料率表「{self.name}」の{StageGroup(group).label}の所得の上限は昇順にしてください。"
                )
        for number in (self.public_assistance_stage, self.old_age_welfare_pension_stage):
            if number not in numbers:
                raise RateTableError(f"保険料率表「{self.name}」に第{number}段階がありません。")

    def stage(self, number: int) -> Stage:
        for s in self.stages:
            if s.number == number:
                return s
        raise RateTableError(f"保険料率表「{self.name}」に第{number}段階がありません。")

    def bands(self, group: StageGroup) -> tuple[Stage, ...]:
        """The stages of ``group`` in ascending income order."""
        found = self.derived.get(("bands", group))
        if found is None:
            found = self.derived[("bands", group)] = tuple(s for s in self.stages if s.group == group)
        return found

    @functools.cached_property
    def derived(self) -> dict:
        """Values derived from this (immutable) table, computed once per table object: the bands
        of a group, the sentence of a band (stage.py). Not part of equality or the hash."""
        return {}

    def with_changes(self, **changes) -> RateTable:
        """A copy with some fields replaced (validated again): a city's own table or a new year."""
        return replace(self, **changes)


# --- collection plans -------------------------------------------------------------------------


@dataclass(frozen=True)
class BillingPlan:
    """普通徴収 installments (期別, DOMAIN 2.9) [CONFIG]: the due months in order, starting in the
    fiscal year (a month lower than the one before it is in the next calendar year, so
    (7, ..., 12, 1, 2, 3, 4) runs July to the following April)."""

    due_months: tuple[int, ...]
    due_day: int | None  # None = the last day of the month
    due_day_overrides: tuple[tuple[int, int], ...]  # (month, day), e.g. ((12, 25),)
    unit: int  # each installment but the first truncated to this; the remainder goes to the first
    # 仮算定期: the first so many 期 are billed before the 本算定, by the 普通徴収 仮算定 (the city's
    # 条例 under 法 §133; premiums.rules.provisional). 0: no 普通徴収 仮算定 (the first 期 follows the 本算定).
    provisional_periods: int = 0

    def __post_init__(self):
        if not self.due_months or any(not 1 <= m <= 12 for m in self.due_months):
            raise RateTableError("普通徴収の納期の月が不正です。")
        if not 0 <= self.provisional_periods < len(self.due_months):
            raise RateTableError("普通徴収の仮算定期の数は0以上、納期の数より少なくしてください。")
        if self.due_months[0] < 4:
            raise RateTableError("普通徴収の第1期は4月以降の月にしてください。")
        offsets = self._offsets()
        if len(set(offsets)) != len(offsets) or offsets != sorted(offsets) or offsets[-1] > 13:
            raise RateTableError("普通徴収の納期の月は年度の順に、1年と1か月以内で並べてください。")
        if self.unit < 1:
            raise RateTableError("普通徴収の各期の端数単位が不正です。")
        for month, day in self.due_day_overrides:
            if not (1 <= month <= 12 and 1 <= day <= 31):
                raise RateTableError("普通徴収の納期限の日が不正です。")

    def _offsets(self) -> list[int]:
        """Months after April of the fiscal year, walking the due months in order."""
        offsets, year_offset, previous = [], 0, None
        for m in self.due_months:
            if previous is not None and m <= previous:
                year_offset += 1
            offsets.append(year_offset * 12 + m - 4)
            previous = m
        return offsets

    def slots(self, fiscal_year: int) -> list[tuple[int, YearMonth]]:
        """(期 number, (year, month)) of each installment of ``fiscal_year``."""
        start = (fiscal_year, 4)
        return [(i + 1, add_months(start, off)) for i, off in enumerate(self._offsets())]

    def nominal_due_date_day(self, year: int, month: int) -> int:
        overrides = dict(self.due_day_overrides)
        if month in overrides:
            return min(overrides[month], calendar.monthrange(year, month)[1])
        if self.due_day is None:
            return calendar.monthrange(year, month)[1]
        return min(self.due_day, calendar.monthrange(year, month)[1])


@dataclass(frozen=True)
class PensionDeductionPlan:
    """特別徴収 parameters (DOMAIN 2.7, 2.8)."""

    minimum_annual_pension: int  # 18万円: a smaller pension is not deducted from
    excluded_kinds: frozenset[PensionKind]  # 老齢福祉年金, 寡婦年金
    listing_lead_months: int  # months from a 特別徴収対象者情報 to the first deduction [K?]
    final_unit: int  # 本徴収 each truncated to this; the remainder goes to the first (October)
    levelling_unit: int  # 平準化 amounts truncated to this
    payment_day: int  # pension payment day (15th) [K]

    def __post_init__(self):
        if self.minimum_annual_pension < 0 or self.listing_lead_months < 0:
            raise RateTableError("特別徴収の基準が不正です。")
        if self.final_unit < 1 or self.levelling_unit < 1:
            raise RateTableError("特別徴収の端数単位が不正です。")
        if not 1 <= self.payment_day <= 28:
            raise RateTableError("年金支払日が不正です。")


@dataclass(frozen=True)
class CollectionPlan:
    """How a range of fiscal years is collected: the bills and the pension deductions."""

    KIND_LABEL: ClassVar[str] = "徴収計画"

    name: str
    valid_from: int
    valid_to: int | None
    billing: BillingPlan
    pension: PensionDeductionPlan

    def __post_init__(self):
        _check_years(self)


# --- choosing the table of a year -------------------------------------------------------------

T = TypeVar("T", RateTable, CollectionPlan)


def validate_tables(tables: Iterable[T]) -> list[T]:
    """The tables sorted by first year; refuses two tables covering the same fiscal year."""
    ordered = sorted(tables, key=lambda t: t.valid_from)
    for earlier, later in itertools.pairwise(ordered):
        if earlier.valid_to is None or earlier.valid_to >= later.valid_from:
            raise RateTableError(
                f"{later.KIND_LABEL}「{earlier.name}」と「{later.name}」の適用年度が重なっています"
                f"（{later.valid_from}年度）。"
            )
    return ordered


def table_for(tables: Sequence[T], fiscal_year: int) -> T:
    """The one table covering ``fiscal_year``. Refuses overlapping tables (anywhere in the set,
    not only in this year) and a year no table covers."""
    ordered = validate_tables(tables)
    for table in ordered:
        if table.valid_from <= fiscal_year and (
            table.valid_to is None or fiscal_year <= table.valid_to
        ):
            return table
    kind = ordered[0].KIND_LABEL if ordered else "保険料率表"
    raise RateTableError(
        f"{fiscal_year}年度に適用する{kind}がありません。", code="premium_rate_table_missing"
    )


# --- the national standard of the 第9期 (FY2024-2026) -----------------------------------------

# 基準額 (年額): ASSUMED [CONFIG]. Kawasaki's 第9期 amount is unknown (DOMAIN 2.5, 16.1: believed
# about 6,500-6,600円 a month); 78,000円 = 6,500円 × 12, the figure of DOMAIN's own example.
ASSUMED_BASE_AMOUNT = 78_000

_D = Decimal
_HE, _SE, _ST = StageGroup.HOUSEHOLD_EXEMPT, StageGroup.SELF_EXEMPT, StageGroup.SELF_TAXED


def _standard_stages(low1: int) -> tuple[Stage, ...]:
    """The 13 stages of DOMAIN 2.3; ``low1`` = 80万円 (FY2024) or 80.9万円 (from FY2025)."""
    return (
        Stage(1, _HE, low1, True, _D("0.455"), _D("0.285")),
        Stage(2, _HE, 1_200_000, True, _D("0.685"), _D("0.485")),
        Stage(3, _HE, None, True, _D("0.69"), _D("0.685")),
        Stage(4, _SE, low1, True, _D("0.9")),
        Stage(5, _SE, None, True, _D("1.0")),
        Stage(6, _ST, 1_200_000, False, _D("1.2")),
        Stage(7, _ST, 2_100_000, False, _D("1.3")),
        Stage(8, _ST, 3_200_000, False, _D("1.5")),
        Stage(9, _ST, 4_200_000, False, _D("1.7")),
        Stage(10, _ST, 5_200_000, False, _D("1.9")),
        Stage(11, _ST, 6_200_000, False, _D("2.1")),
        Stage(12, _ST, 7_200_000, False, _D("2.3")),
        Stage(13, _ST, None, False, _D("2.4")),
    )


# Rounding: ASSUMED [CONFIG] 1円未満切捨て for the annual amount and the 月割 amount.
_YEN_DOWN = Rounding(1, RoundingMode.DOWN)

_STANDARD_COMMON = {
    "base_amount": ASSUMED_BASE_AMOUNT,
    "annual_rounding": _YEN_DOWN,
    "proration_rounding": _YEN_DOWN,
    "public_assistance_stage": 1,
    "old_age_welfare_pension_stage": 1,
    "income_adjustment": 100_000,  # [K?] 令 §38: the 10万円 adjustment since FY2021
    "income_adjustment_taxed": True,  # [K?] applied to 給与 + 年金所得 of the taxed stages too
    "count_non_taxable_pension": False,
}

NATIONAL_STANDARD_FY2024 = RateTable(
    name="第9期 国の標準段階（令和6年度）",
    valid_from=2024,
    valid_to=2024,
    stages=_standard_stages(800_000),
    **_STANDARD_COMMON,
)

NATIONAL_STANDARD_FY2025_2026 = RateTable(
    name="第9期 国の標準段階（令和7・8年度）",
    valid_from=2025,
    valid_to=2026,
    stages=_standard_stages(809_000),
    **_STANDARD_COMMON,
)

# The 第9期 as two tables: the 80.9万円 threshold replaced 80万円 from FY2025 (DOMAIN 2.3, 11).
NATIONAL_STANDARD_9TH: tuple[RateTable, ...] = (
    NATIONAL_STANDARD_FY2024,
    NATIONAL_STANDARD_FY2025_2026,
)

# Collection: ASSUMED [CONFIG] until the city's 条例/規則 are read (DOMAIN 2.5, 2.9, 15.1).
ASSUMED_COLLECTION_PLAN = CollectionPlan(
    name="徴収計画（仮定値）",
    valid_from=2024,
    valid_to=None,
    billing=BillingPlan(
        due_months=(7, 8, 9, 10, 11, 12, 1, 2, 3, 4),  # 10 期, July to April (many 政令市)
        due_day=None,  # last day of the month
        due_day_overrides=((12, 25),),  # December: the 25th (as Komae, DOMAIN 2.9)
        unit=100,
    ),
    pension=PensionDeductionPlan(
        minimum_annual_pension=180_000,
        excluded_kinds=frozenset({PensionKind.OLD_AGE_WELFARE, PensionKind.WIDOW}),
        listing_lead_months=5,  # listed in May -> October, July -> December, ... [K?]
        final_unit=100,
        levelling_unit=100,
        payment_day=15,
    ),
)
