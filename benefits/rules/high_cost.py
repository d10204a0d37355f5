"""高額介護サービス費 / 高額介護予防サービス費 (the monthly cap on co-payments): the income categories and
their caps as dated tables, the household's refund and its proportional allocation among the
members, and the individual cap of 15,000. Pure functions, money in whole yen.

Law: 介護保険法 §51 (高額介護サービス費) and §61 (高額介護予防サービス費); the amounts and the computation in
介護保険法施行令 §22の2の2 (高額介護サービス費の額) and §29の2の2 (the preventive one, the same rules), as
revised on 2021-08-01 (令和3年: the 93,000 and 140,100 rows) and for the 80.9万円 line from 2025-08
(DOMAIN.md 4.2). **The text of the order was not at hand in this session**: the amounts follow
DOMAIN.md 4.2 [V: S8], the structure below follows the order as DOMAIN.md summarises it; the
paragraph numbers and the residue rule are to confirm against the e-Gov text.

The computation for a household (住民基本台帳上の世帯) and a service month (DOMAIN.md 4.2, steps 1-3):

1. 利用者負担世帯合算額 = the sum of the members' eligible co-payments of the month (in-limit services;
   not food and lodging, not equipment purchase or renovation, not beyond the limit: the caller
   passes the eligible amounts);
2. the household's refund = max(0, 合算額 − the household's cap), allocated to each member in
   proportion to their co-payment: refund × (member's co-payment / 合算額) (施行令 §22の2の2: 「…を
   利用者負担世帯合算額で除して得た率を乗じて得た額」), each share's fraction of a yen dropped
   (国等の債権債務等の金額の端数計算に関する法律 §2: a payment's fraction below 1 yen is dropped);
3. a member whose individual cap is 15,000 (世帯全員非課税 with 老齢福祉年金 or 公的年金等収入額 + その他の
   合計所得金額 ≤ 80.9万円 (80万円 before 2025-08), or 生活保護): the larger of the share and
   max(0, co-payment − 15,000).

The residue (残余: the household's refund minus the sum of the truncated shares, less than one yen
per member) is not paid by default (``residue="drop"``: each member's refund is its own payment and
its fraction is dropped, step 2). ``residue="largest"`` gives it to the member with the largest
co-payment (the first of them in the order given), for an insurer whose 要綱 so decides [CONFIG,
to confirm with the federation's 判定 specification].
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.db import models


class IncomeCategory(models.TextChoices):
    """所得区分 of a member for the month (DOMAIN.md 4.2)."""

    TAXABLE_690 = "taxable_690", "課税所得690万円以上"
    TAXABLE_380 = "taxable_380", "課税所得380万円以上690万円未満"
    TAXED = "taxed", "市町村民税課税世帯（課税所得380万円未満）"
    EXEMPT = "exempt", "世帯全員が市町村民税非課税"
    EXEMPT_LOW = "exempt_low", "世帯全員が市町村民税非課税（老齢福祉年金受給者・年金収入等80.9万円以下）"
    PUBLIC_ASSISTANCE = "public_assistance", "生活保護受給者"
    BORDERLINE = "borderline", "境界層該当者"


INDIVIDUAL_CAP = 15_000


@dataclass(frozen=True)
class Caps:
    household: dict[str, int | None]  # category -> the household's cap (None: no household cap, individual only)
    individual: dict[str, int]  # category -> the individual cap (only the categories that have one)


# (first month, caps): 施行令 §22の2の2 as revised. From 2017-08 every taxed household had 44,400
# (一般 raised from 37,200; the yearly 446,400 cap of households of 1割 payers only, 2017-08 to 2020-07,
# is not modelled); from 2021-08-01 the 課税所得 380万円 and 690万円 rows (令和3年の改正).
CAP_TABLES: tuple[tuple[date, Caps], ...] = (
    (date(2017, 8, 1), Caps(
        household={"taxable_690": 44_400, "taxable_380": 44_400, "taxed": 44_400, "exempt": 24_600,
                   "exempt_low": 24_600, "public_assistance": None, "borderline": 15_000},
        individual={"exempt_low": INDIVIDUAL_CAP, "public_assistance": INDIVIDUAL_CAP})),
    (date(2021, 8, 1), Caps(
        household={"taxable_690": 140_100, "taxable_380": 93_000, "taxed": 44_400, "exempt": 24_600,
                   "exempt_low": 24_600, "public_assistance": None, "borderline": 15_000},
        individual={"exempt_low": INDIVIDUAL_CAP, "public_assistance": INDIVIDUAL_CAP})),
)
# 公的年金等収入額 + その他の合計所得金額 at or below which a member of an exempt household has the
# individual cap: 80万円, 80.9万円 from 2025-08 (DOMAIN.md 4.2 [V: S3])
LOW_INCOME_LINES: tuple[tuple[date, int], ...] = ((date(2017, 8, 1), 800_000), (date(2025, 8, 1), 809_000))
TAXABLE_LINES = (6_900_000, 3_800_000)  # 課税所得 (課税標準額) of the household's highest first-class member


def _dated(table, month: date):
    found = None
    for start, value in table:
        if start <= month:
            found = value
    if found is None:
        raise ValueError("no table for a month before 2017-08")
    return found


def caps_for(month: date) -> Caps:
    return _dated(CAP_TABLES, month.replace(day=1))


def category_of(*, month: date, public_assistance: bool, borderline: bool, household_taxed: bool,
                top_taxable_income: int, old_age_welfare_pension: bool, pension_and_other_income: int) -> str:
    """The member's income category for the service month: 生活保護 and 境界層 first; a taxed household
    by the highest 課税所得 of its first-class members (690万円, 380万円); an exempt household by the
    member's own 老齢福祉年金 or pension income plus other income against the line of the month."""
    if public_assistance:
        return IncomeCategory.PUBLIC_ASSISTANCE
    if borderline:
        return IncomeCategory.BORDERLINE
    if household_taxed:
        if top_taxable_income >= TAXABLE_LINES[0]:
            return IncomeCategory.TAXABLE_690
        if top_taxable_income >= TAXABLE_LINES[1]:
            return IncomeCategory.TAXABLE_380
        return IncomeCategory.TAXED
    line = _dated(LOW_INCOME_LINES, month.replace(day=1))
    if old_age_welfare_pension or pension_and_other_income <= line:
        return IncomeCategory.EXEMPT_LOW
    return IncomeCategory.EXEMPT


@dataclass(frozen=True)
class Member:
    key: object  # the caller's identifier (a resident's number)
    copayment: int  # the month's eligible co-payment, yen
    category: str  # IncomeCategory


def household_cap(members: Sequence[Member], month: date) -> int | None:
    """The household's cap: that of its members' categories (the household's facts give every member
    the same one but for the individual-only rows); the highest when they differ."""
    caps = caps_for(month).household
    values = [caps[m.category] for m in members if caps[m.category] is not None]
    return max(values) if values else None


def high_cost_refunds(members: Sequence[Member], *, month: date, residue: str = "drop") -> dict[object, int]:
    """Each member's 高額介護サービス費 for the month (0 where none), by the steps of the module's docstring."""
    if residue not in ("drop", "largest"):
        raise ValueError("residue is 'drop' or 'largest'")
    if any(m.copayment < 0 for m in members):
        raise ValueError("a co-payment is not negative")
    caps = caps_for(month)
    total = sum(m.copayment for m in members)
    refunds = {m.key: 0 for m in members}
    cap = household_cap(members, month)
    if cap is not None and total > cap:
        over = total - cap
        shares = {m.key: over * m.copayment // total for m in members}
        if residue == "largest":
            largest = max(members, key=lambda m: m.copayment)  # the first of equals (max keeps the first)
            shares[largest.key] += over - sum(shares.values())
        refunds.update(shares)
    for m in members:
        own = caps.individual.get(m.category)
        if own is not None:
            refunds[m.key] = max(refunds[m.key], m.copayment - own, 0)
    return refunds
