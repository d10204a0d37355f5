"""Reductions and exemptions of the premium (減免, 法 §142; DOMAIN 2.10) and the 境界層措置, as
pure functions: a granted reduction covers months of the fiscal year and either remits a share
of each month's premium (``rate``: 1 = 全額免除, e.g. the months in detention) or applies a lower
stage in those months (``stage``: 境界層). The year's amount is summed month by month, exactly,
and rounded once like the 月割 (DOMAIN 2.6, 10.3)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from premiums.rules.tables import Rounding, YearMonth, yen

MONTHS_IN_YEAR = 12


@dataclass(frozen=True)
class ReductionGrant:
    kind_label: str  # "災害による減免", "拘禁による免除", "境界層措置"
    first_month: YearMonth
    last_month: YearMonth  # inclusive
    rate: Decimal = Decimal(0)  # share of each covered month's premium remitted (0 < rate <= 1)
    stage: int | None = None  # 境界層: the stage applied in the covered months instead

    def __post_init__(self):
        if self.last_month < self.first_month:
            raise ValueError("last_month before first_month")
        if self.stage is None and not Decimal(0) < self.rate <= Decimal(1):
            raise ValueError("a reduction remits a share in (0, 1] or applies a stage")

    def covers(self, ym: YearMonth) -> bool:
        return self.first_month <= ym <= self.last_month


@dataclass(frozen=True)
class ReducedAmount:
    amount: int  # the year's premium after the reductions
    exemption: int  # what the reductions remit (減免額) = the amount without them - ``amount``
    steps: tuple[str, ...]


def reduced_amount(annual: int, months: Sequence[YearMonth], grants: Sequence[ReductionGrant], *,
                   rounding: Rounding, unreduced: int, annual_of_stage: Callable[[int], int]) -> ReducedAmount:
    """The year's premium over ``months`` at ``annual`` (the stage's 年額) with ``grants`` applied;
    ``unreduced`` is the amount without them (the 月割 of the levy). The first grant covering a
    month decides it."""
    if not grants:
        return ReducedAmount(unreduced, 0, ())
    exact = Fraction(0)
    steps = []
    for ym in months:
        grant = next((g for g in grants if g.covers(ym)), None)
        if grant is None:
            exact += Fraction(annual, MONTHS_IN_YEAR)
        elif grant.stage is not None:
            exact += Fraction(annual_of_stage(grant.stage), MONTHS_IN_YEAR)
        else:
            exact += Fraction(annual, MONTHS_IN_YEAR) * (1 - Fraction(grant.rate))
    amount = min(rounding.apply(exact), unreduced)
    for g in grants:
        covered = sum(1 for ym in months if g.covers(ym))
        if not covered:
            continue
        what = (f"第{g.stage}段階を適用" if g.stage is not None
                else "全額免除" if g.rate == 1 else f"{Decimal(g.rate) * 100:.0f}%減免")
        steps.append(f"{g.kind_label}: {g.first_month[0]}年{g.first_month[1]}月から{g.last_month[0]}年"
                     f"{g.last_month[1]}月のうち賦課月{covered}か月に{what}")
    steps.append(f"減免額 {yen(unreduced - amount)} → 保険料額 {yen(amount)}")
    return ReducedAmount(amount, unreduced - amount, tuple(steps))
