"""Service types (サービス種類コード) of the benefit records and the monthly limit of units
(区分支給限度基準額) per care-need level: dated tables as data, pure functions.

- The codes are the two-character サービス種類コード of the national federation's claims and
  benefit records (介護給付費請求書等の記載要領, DOMAIN.md 6.3); only the types the synthetic city
  and the records import need are listed (a code not listed is a line error: the list grows with
  the federation's table, not guessed).
- Care services (介護給付, 法 §40) are for persons certified 要介護 (法 §41 and following), preventive
  services (予防給付, 法 §52) for persons certified 要支援 (法 §53 and following).
- ``within_limit``: counted against the 区分支給限度基準額 (法 §43 第1項 and 第2項 for 居宅介護サービス費等区分
  支給限度基準額, 法 §55 for the preventive one). Not counted: 居宅療養管理指導, 特定施設入居者生活介護,
  認知症対応型共同生活介護, facility services (法 §43 第1項: the 居宅サービス等区分 covers the services
  施行規則 第66条 lists; DOMAIN.md 3.10), and care management (居宅介護支援, 法 §46: paid in full, no
  co-payment).
- The limits (単位/月) are those of 平成12年厚生省告示第33号 (居宅介護サービス費等区分支給限度基準額及び介護予防
  サービス費等区分支給限度基準額), as revised from 2019-10-01 (DOMAIN.md 3.10). To confirm at each
  revision of the notice; a new row is added with its start date, never an edit of the old one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

CARE = "care"  # 要介護1-5
SUPPORT = "support"  # 要支援1・2

# the certification's level codes (certification.rules.levels.Level: the federation's codes)
CARE_LEVEL_CODES = frozenset({"21", "22", "23", "24", "25"})
SUPPORT_LEVEL_CODES = frozenset({"12", "13"})


@dataclass(frozen=True)
class ServiceType:
    code: str
    label: str
    kind: str  # CARE or SUPPORT: the levels it is for
    within_limit: bool  # counted against the 区分支給限度基準額
    home: bool  # a home (居宅) service the synthetic city hands out by the limit (not facility, not care management)


SERVICE_TYPES: dict[str, ServiceType] = {t.code: t for t in (
    ServiceType("11", "訪問介護", CARE, True, True),
    ServiceType("12", "訪問入浴介護", CARE, True, True),
    ServiceType("13", "訪問看護", CARE, True, True),
    ServiceType("14", "訪問リハビリテーション", CARE, True, True),
    ServiceType("15", "通所介護", CARE, True, True),
    ServiceType("16", "通所リハビリテーション", CARE, True, True),
    ServiceType("17", "福祉用具貸与", CARE, True, True),
    ServiceType("21", "短期入所生活介護", CARE, True, True),
    ServiceType("31", "居宅療養管理指導", CARE, False, False),
    ServiceType("32", "認知症対応型共同生活介護", CARE, False, False),
    ServiceType("33", "特定施設入居者生活介護", CARE, False, False),
    ServiceType("43", "居宅介護支援", CARE, False, False),
    ServiceType("51", "介護福祉施設サービス", CARE, False, False),
    ServiceType("52", "介護保健施設サービス", CARE, False, False),
    ServiceType("55", "介護医療院サービス", CARE, False, False),
    ServiceType("78", "地域密着型通所介護", CARE, True, True),
    ServiceType("46", "介護予防支援", SUPPORT, False, False),
    ServiceType("62", "介護予防訪問入浴介護", SUPPORT, True, True),
    ServiceType("63", "介護予防訪問看護", SUPPORT, True, True),
    ServiceType("64", "介護予防訪問リハビリテーション", SUPPORT, True, True),
    ServiceType("66", "介護予防通所リハビリテーション", SUPPORT, True, True),
    ServiceType("67", "介護予防福祉用具貸与", SUPPORT, True, True),
    ServiceType("24", "介護予防短期入所生活介護", SUPPORT, True, True),
    ServiceType("34", "介護予防居宅療養管理指導", SUPPORT, False, False),
)}

# 平成12年厚生省告示第33号, units per month by level code, with the first day each table applies
LIMIT_TABLES: tuple[tuple[date, dict[str, int]], ...] = (
    (date(2019, 10, 1), {"12": 5_032, "13": 10_531, "21": 16_765, "22": 19_705, "23": 27_048, "24": 30_938,
                         "25": 36_217}),
)


def service_type_label(code: str) -> str:
    service = SERVICE_TYPES.get(code)
    return service.label if service is not None else "（不明な種類）"


def fits_level(service_code: str, level: str) -> bool:
    """Whether a service type is one the level may use: care services for 要介護 (法 §41, §42の2, §48),
    preventive services for 要支援 (法 §53, §54の2)."""
    service = SERVICE_TYPES.get(service_code)
    if service is None:
        return False
    return level in (CARE_LEVEL_CODES if service.kind == CARE else SUPPORT_LEVEL_CODES)


def monthly_limit(level: str, month: date) -> int | None:
    """The 区分支給限度基準額 in units of ``level`` for the service month ``month`` (its first day);
    None for a level without one (非該当) or a month before the first table."""
    table = None
    for start, units in LIMIT_TABLES:
        if start <= month:
            table = units
    return None if table is None else table.get(level)


def month_limit_level(levels: list[str]) -> str | None:
    """The level whose limit governs a month in which a person had several levels (a change or a
    validity starting or ending mid-month): the higher one (DOMAIN.md 3.10, the federation's review
    against the recipient master; 平成12年老企第41号 and later notices, to confirm). Levels by their
    federation codes, which order them (12 < 13 < 21 < ... < 25)."""
    return max(levels) if levels else None
