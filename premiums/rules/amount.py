"""The annual premium of a stage and its monthly proration (DOMAIN 2.2, 2.4, 2.6, 2.7, 10.3).

Money is int yen; products are exact (Decimal rates, Fraction for the 月割), rounded once by
the table's rounding rule. No float anywhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from eligibility.qualification.rules import premium_months
from premiums.rules.tables import RateTable, Rounding, rate_text, yen

MONTHS_IN_YEAR = 12  # the 月割 divides the annual amount by the months of a year (not CONFIG)


@dataclass(frozen=True)
class AmountBreakdown:
    """How a stage's annual amount (年額保険料) is computed, with the lines for the notice."""

    stage: int
    label: str
    base_amount: int  # 基準額 (年額)
    multiplier: Decimal  # 保険料率 (standard)
    reduced_multiplier: Decimal | None  # 公費軽減後の保険料率 (None: no reduction for the stage)
    standard_amount: int  # 基準額 × 保険料率, rounded: the amount before the reduction
    reduction: int  # 公費による軽減額 = standard_amount - annual (0 without reduction)
    annual: int  # 年額保険料: 基準額 × applied rate, rounded
    rounding: Rounding
    steps: tuple[str, ...]


def annual_amount(stage: int, table: RateTable) -> AmountBreakdown:
    """年額保険料 of ``stage`` under ``table``: 基準額 × rate (the 公費軽減後 rate where the
    stage has one), rounded by ``table.annual_rounding``. The un-reduced amount is kept too:
    the 事業状況報告 and the 低所得者保険料軽減負担金 claim need the difference (DOMAIN 2.4)."""
    s = table.stage(stage)
    rounding = table.annual_rounding
    base = table.base_amount
    standard_exact = Decimal(base) * s.multiplier
    standard = rounding.apply(standard_exact)
    steps = [f"基準額（年額） {yen(base)}"]
    steps.append(
        f"{s.label}の保険料率 {rate_text(s.multiplier)}: {yen(base)} × {rate_text(s.multiplier)} = {yen(standard_exact)}"
    )
    if s.reduced_multiplier is None:
        exact, annual = standard_exact, standard
    else:
        exact = Decimal(base) * s.reduced_multiplier
        annual = rounding.apply(exact)
        steps.append(
            f"公費による軽減後の保険料率 {rate_text(s.reduced_multiplier)}: "
            f"{yen(base)} × {rate_text(s.reduced_multiplier)} = {yen(exact)}"
        )
    if annual != exact:
        steps.append(f"{rounding.label}: {yen(exact)} → {yen(annual)}")
    if s.reduced_multiplier is not None:
        steps.append(f"軽減前の年額 {yen(standard)}、軽減額 {yen(standard - annual)}")
    steps.append(f"年額保険料 {yen(annual)}")
    return AmountBreakdown(
        stage=s.number,
        label=s.label,
        base_amount=base,
        multiplier=s.multiplier,
        reduced_multiplier=s.reduced_multiplier,
        standard_amount=standard,
        reduction=standard - annual,
        annual=annual,
        rounding=rounding,
        steps=tuple(steps),
    )


def prorated_total(parts: Iterable[tuple[int, int]], *, rounding: Rounding) -> int:
    """月割 over months at different annual amounts (DOMAIN 2.6, 10.3): Σ annual × months / 12,
    exact, then rounded once. ``parts`` = (annual amount, number of months); e.g. months under
    生活保護 at the stage-1 amount and the other months at the normal stage.

    A whole year at one amount is that amount as is (no proration takes place)."""
    parts = [(annual, months) for annual, months in parts if months]
    for annual, months in parts:
        if annual < 0 or not 0 < months <= MONTHS_IN_YEAR:
            raise ValueError("annual must be >= 0 and months within 0..12")
    if sum(m for _, m in parts) > MONTHS_IN_YEAR:
        raise ValueError("more than 12 months in a fiscal year")
    if len(parts) == 1 and parts[0][1] == MONTHS_IN_YEAR:
        return parts[0][0]
    exact = sum(
        (Fraction(annual * months, MONTHS_IN_YEAR) for annual, months in parts), Fraction(0)
    )
    return rounding.apply(exact)


def prorated_amount(annual: int, months: int, *, rounding: Rounding) -> int:
    """月割 (DOMAIN 2.6): ``annual`` × ``months`` / 12, rounded by ``rounding`` (the table's
    ``proration_rounding``); 12 months = ``annual``, 0 months = 0."""
    if not 0 <= months <= MONTHS_IN_YEAR:
        raise ValueError("months must be within 0..12")
    return prorated_total([(annual, months)], rounding=rounding)


def period_amount(
    annual: int, start: date, end: date | None, fiscal_year: int, *, rounding: Rounding
) -> int:
    """The premium of a qualification period [start, end) within ``fiscal_year`` at one annual
    amount: the months from eligibility.rules.premium_months (取得月 <= 対象月 < 喪失月)."""
    return prorated_amount(annual, len(premium_months(start, end, fiscal_year)), rounding=rounding)
