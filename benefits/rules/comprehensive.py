"""The city's preventive services of the 総合事業 (介護予防・生活支援サービス事業, 介護保険法 §115の45
第1項第1号) as data, and the monthly limit that applies to project participants (事業対象者).

Services: the city defines its 第1号事業 services and their codes (DOMAIN.md 5.1 [K?; CONFIG]: kinds
A1-A4 訪問型, A5-A8 通所型, AF 介護予防ケアマネジメント, registered with the federation by file 5H1). The
master below is a small SAMPLE of the synthetic city (codes, names and kinds as a city would define
them; no official unit values are claimed). Care management (AF) is outside the limit.

Monthly limit: for a 事業対象者 the city sets a 支給限度 for the 第1号事業 it manages by care plan
(給付管理); the 地域支援事業実施要綱 / 総合事業ガイドライン give the 要支援1 amount of the
介護予防サービス費等区分支給限度基準額 (介護保険法 §55 第2項; the amount in the ministry's notice on
区分支給限度基準額, 平成12年厚生省告示第33号, since 2019-10: 5,032 units, DOMAIN.md 3.10 [V: S12]) as the
standard, and a city may set up to the 要支援2 amount (DOMAIN.md 5.1 [K?; CONFIG]). Dated data: a row
per change. The 要支援者' limits are the certification's and are not applied here (their 予防給付 and
総合事業 are managed together by the federation's 給付管理).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class CityService:
    code: str  # サービス種類コード (2) + サービス項目コード (4)
    name: str
    kind: str  # "訪問型" / "通所型" / "ケアマネジメント"
    in_limit: bool  # counted toward the monthly limit
    valid_from: date
    valid_to: date | None = None

    def valid_in(self, month: date) -> bool:
        """Valid on some day of ``month`` (its first day)."""
        end = month_end(month)
        return self.valid_from <= end and (self.valid_to is None or self.valid_to >= month)


CITY_SERVICES: tuple[CityService, ...] = (
    CityService("A21111", "訪問型サービス（従前相当）", "訪問型", True, date(2017, 4, 1)),
    CityService("A31111", "訪問型サービスA（緩和した基準）", "訪問型", True, date(2017, 4, 1)),
    CityService("A61111", "通所型サービス（従前相当）", "通所型", True, date(2017, 4, 1)),
    CityService("A71111", "通所型サービスA（緩和した基準）", "通所型", True, date(2017, 4, 1)),
    CityService("AF1111", "介護予防ケアマネジメントA", "ケアマネジメント", False, date(2017, 4, 1)),
)
SERVICES_BY_CODE = {s.code: s for s in CITY_SERVICES}


@dataclass(frozen=True)
class LimitRule:
    valid_from: date
    units: int  # per month, for a project participant


# The city's limit for 事業対象者 (CONFIG): the 要支援1 amount, from the 2019-10 revision.
PARTICIPANT_LIMITS: tuple[LimitRule, ...] = (LimitRule(date(2019, 10, 1), 5_032),)


def month_end(month: date) -> date:
    return date(month.year, month.month, calendar.monthrange(month.year, month.month)[1])


def participant_limit(month: date, table: tuple[LimitRule, ...] = PARTICIPANT_LIMITS) -> int:
    """The monthly limit in units for a participant in ``month`` (the rule in force on its first day)."""
    rows = [r for r in table if r.valid_from <= month]
    if not rows:
        raise ValueError("no participant limit in force in that month")
    return max(rows, key=lambda r: r.valid_from).units


def over_limit(units_in_limit: int, month: date, table: tuple[LimitRule, ...] = PARTICIPANT_LIMITS) -> int:
    """The units above the limit (0 when within: the limit itself is allowed)."""
    return max(0, units_in_limit - participant_limit(month, table))
