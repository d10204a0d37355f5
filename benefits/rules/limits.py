"""Facility cost limits (負担限度額認定 / 特定入所者介護サービス費, 補足給付), pure.

The law:
- 介護保険法 第51条の3 第1項: 特定入所者介護サービス費 is paid to a 要介護被保険者 "のうち所得及び資産の
  状況その他の事情をしん酌して厚生労働省令で定める者" (特定入所者) for the food (食事の提供に要した費用)
  and the stay (居住に要した費用) of 介護福祉施設サービス, 地域密着型介護老人福祉施設入所者生活介護,
  介護保健施設サービス, 介護医療院サービス, 短期入所生活介護, 短期入所療養介護 (特定介護サービス);
  第2項: the benefit = 食費の基準費用額 − 食費の負担限度額 + 居住費等の基準費用額 − 居住費等の負担限度額
  (the actual cost when lower than the standard). 第61条の3: the same for 要支援 (介護予防短期入所生活介護・
  療養介護 only). Group homes (認知症対応型共同生活介護) and 特定施設 are not 特定介護サービス.
- 介護保険法施行規則 第83条の5 (特定入所者): 生活保護受給者 (第1号), 市町村民税世帯非課税者 who receive
  老齢福祉年金 (第1号), 世帯非課税 whose 公的年金等の収入金額 + 非課税年金 (遺族年金・障害年金, from
  2016-08) + その他の合計所得金額 is at or below the amount (第2号 / 第2段階), the others 世帯非課税
  (第3号; split into ① and ② at 120万円 from 2021-08); in every case the spouse (配偶者: in another
  household too) must be 非課税, and the 預貯金等 (資産) of the person (and spouse) must be at or below
  the amount of the stage (第83条の5 各号 ただし書; 資産の額 from 2015-08, split by stage from 2021-08).
  The 第2号被保険者 keep the 1,000万円 / 2,000万円 limit at every stage (2021-08 改正 経過).
- 施行規則 第83条の6 (負担限度額認定の申請, 認定, 負担限度額認定証の交付) and the validity: the month
  the application arrives (its first day) to the following 7月31日 (the benefit year starts 8月1日).
- The amounts (負担限度額, 基準費用額): 法 §51の3 第2項 "厚生労働大臣が定める" — 平成17年厚生労働省告示
  第413号 (食費) / 第414号 (居住費), as amended 2021-08 and 2024-08.

[TO CONFIRM against e-Gov before release: the paragraph numbers of 施行規則 §83の5 (article numbers are
as DOMAIN.md 4.6 and the national notices give them); the 80.9万円 threshold from 2025-08 (DOMAIN.md S3).]

Every figure is a dated table (``INCOME_TABLE``, ``ASSET_TABLE``, ``DAILY_TABLE``); the decision holds
no literal amounts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


class Stage:
    """利用者負担段階 (codes stored with a decision; labels for screens and the certificate)."""

    FIRST = "1"
    SECOND = "2"
    THIRD_1 = "3a"
    THIRD_2 = "3b"


STAGE_LABELS = {Stage.FIRST: "第1段階", Stage.SECOND: "第2段階", Stage.THIRD_1: "第3段階①",
                Stage.THIRD_2: "第3段階②"}


@dataclass(frozen=True)
class IncomeThresholds:
    """施行規則 §83の5: the 年金収入額 + その他の合計所得金額 (yen) at or below which a 世帯非課税 person is
    第2段階 (``second``), and at or below which 第3段階① (``third_1``; None before 2021-08: one 第3段階)."""

    valid_from: date
    second: int
    third_1: int | None
    non_taxed_pensions: bool  # 遺族年金・障害年金 counted (from 2016-08-01)


INCOME_TABLE: tuple[IncomeThresholds, ...] = (
    IncomeThresholds(date(2015, 8, 1), 800_000, None, False),
    IncomeThresholds(date(2016, 8, 1), 800_000, None, True),
    IncomeThresholds(date(2021, 8, 1), 800_000, 1_200_000, True),
    IncomeThresholds(date(2025, 8, 1), 809_000, 1_200_000, True),
)


@dataclass(frozen=True)
class AssetLimits:
    """The 預貯金等 limits (yen) in force from ``valid_from``: per stage, single / with a spouse."""

    valid_from: date
    single: dict[str, int]
    couple: dict[str, int]
    second_class_single: int  # 第2号被保険者, every stage
    second_class_couple: int


ASSET_TABLE: tuple[AssetLimits, ...] = (
    AssetLimits(date(2015, 8, 1),
                {Stage.FIRST: 10_000_000, Stage.SECOND: 10_000_000, Stage.THIRD_1: 10_000_000,
                 Stage.THIRD_2: 10_000_000},
                {Stage.FIRST: 20_000_000, Stage.SECOND: 20_000_000, Stage.THIRD_1: 20_000_000,
                 Stage.THIRD_2: 20_000_000},
                10_000_000, 20_000_000),
    AssetLimits(date(2021, 8, 1),
                {Stage.FIRST: 10_000_000, Stage.SECOND: 6_500_000, Stage.THIRD_1: 5_500_000,
                 Stage.THIRD_2: 5_000_000},
                {Stage.FIRST: 20_000_000, Stage.SECOND: 16_500_000, Stage.THIRD_1: 15_500_000,
                 Stage.THIRD_2: 15_000_000},
                10_000_000, 20_000_000),
)


def _on(table, day: date):
    found = [t for t in table if t.valid_from <= day]
    return max(found, key=lambda t: t.valid_from) if found else None


def income_thresholds_on(day: date) -> IncomeThresholds | None:
    return _on(INCOME_TABLE, day)


def asset_limits_on(day: date) -> AssetLimits | None:
    return _on(ASSET_TABLE, day)


# --- the decision -----------------------------------------------------------------------------------------


class Refusal:
    """Why no certification (codes stored with a refused decision; Japanese in REFUSAL_LABELS)."""

    NOT_CERTIFIED = "not_certified"
    NOT_FACILITY = "not_facility"
    HOUSEHOLD_TAXED = "household_taxed"
    SPOUSE_TAXED = "spouse_taxed"
    ASSETS_OVER = "assets_over"
    NO_TABLE = "no_table"


REFUSAL_LABELS = {
    Refusal.NOT_CERTIFIED: "要介護・要支援の認定を受けていないため、負担限度額の認定はできません（介護保険法第51条の3第1項）。",
    Refusal.NOT_FACILITY: ("利用するサービスが介護保険施設・地域密着型介護老人福祉施設・短期入所ではないため、負担限度額の"
                           "認定の対象ではありません（介護保険法第51条の3第1項、第61条の3第1項）。"),
    Refusal.HOUSEHOLD_TAXED: "世帯に市町村民税が課税されている方がいるため、認定できません（施行規則第83条の5）。",
    Refusal.SPOUSE_TAXED: "配偶者に市町村民税が課税されているため、認定できません（施行規則第83条の5）。",
    Refusal.ASSETS_OVER: "申告された預貯金等の額が、段階の基準額を超えているため、認定できません（施行規則第83条の5）。",
    Refusal.NO_TABLE: "この日付に適用する基準がありません。",
}


@dataclass(frozen=True)
class Applicant:
    """What the decision reads (yen; facts of the fiscal year from premiums, the rest as declared).

    ``household_taxed``: some member of the 住民票上の世帯 is 市町村民税課税 (the person included).
    ``spouse_taxed``: the spouse (in this household or another) is taxed; False without a spouse.
    ``pension_income``: 公的年金等の収入金額 (課税年金); ``non_taxed_pensions``: 遺族・障害年金 declared.
    ``other_income``: その他の合計所得金額 (合計所得金額 less the special deductions less the 年金雑所得,
    never below 0). ``assets`` and ``spouse_assets``: the 預貯金等 declared (liabilities deducted)."""

    public_assistance: bool = False
    household_taxed: bool = False
    spouse_taxed: bool = False
    has_spouse: bool = False
    old_age_welfare_pension: bool = False  # 老齢福祉年金受給者
    pension_income: int = 0
    non_taxed_pensions: int = 0
    other_income: int = 0
    assets: int = 0
    spouse_assets: int = 0
    second_class: bool = False  # 第2号被保険者


@dataclass(frozen=True)
class StageResult:
    stage: str | None  # None: refused
    refusal: str = ""
    income_figure: int = 0  # 年金収入額 + その他の合計所得金額 used
    asset_limit: int = 0  # the limit the declared assets were measured against (0: none applied)


def income_figure(a: Applicant, day: date) -> int:
    """施行規則 §83の5 第2号: 公的年金等の収入金額 (+ 遺族・障害年金 from 2016-08) + その他の合計所得金額."""
    t = income_thresholds_on(day)
    extra = a.non_taxed_pensions if t and t.non_taxed_pensions else 0
    return a.pension_income + extra + a.other_income


def limits_stage(a: Applicant, day: date) -> StageResult:
    """The 利用者負担段階 of ``a`` on ``day`` (the first day of the validity): 生活保護 → 第1段階 (no
    asset test); a taxed household or a taxed spouse → refused; 老齢福祉年金 → 第1段階; income figure at
    or below ``second`` → 第2段階; at or below ``third_1`` → 第3段階①; else 第3段階② (one 第3段階 before
    2021-08: coded ``THIRD_2``, with the one limit of its day). Then the declared
    assets (person + spouse when there is one) against the limit of the stage (at or below: certified)."""
    t, limits = income_thresholds_on(day), asset_limits_on(day)
    if t is None or limits is None:
        return StageResult(None, Refusal.NO_TABLE)
    figure = income_figure(a, day)
    if a.public_assistance:
        return StageResult(Stage.FIRST, income_figure=figure)
    if a.household_taxed:
        return StageResult(None, Refusal.HOUSEHOLD_TAXED, figure)
    if a.has_spouse and a.spouse_taxed:
        return StageResult(None, Refusal.SPOUSE_TAXED, figure)
    if a.old_age_welfare_pension:
        stage = Stage.FIRST
    elif figure <= t.second:
        stage = Stage.SECOND
    elif t.third_1 is not None and figure <= t.third_1:
        stage = Stage.THIRD_1
    else:
        stage = Stage.THIRD_2
    if a.second_class:
        limit = limits.second_class_couple if a.has_spouse else limits.second_class_single
    else:
        limit = (limits.couple if a.has_spouse else limits.single)[stage]
    total = a.assets + (a.spouse_assets if a.has_spouse else 0)
    if total > limit:
        return StageResult(None, Refusal.ASSETS_OVER, figure, limit)
    return StageResult(stage, "", figure, limit)


# --- validity ---------------------------------------------------------------------------------------------


RENEWAL_MONTHS = (6, 7)  # a renewal for the year from 8月1日 is taken in 6月-7月 (the city's practice)


def validity(received_on: date, *, renewal: bool = False) -> tuple[date, date]:
    """施行規則 §83の6: effective from the first day of the month the application arrived, to the next
    7月31日 (an application in 8月 starts a new year: 8月1日 to 7月31日 of the following year). A
    renewal (更新申請, taken in ``RENEWAL_MONTHS``) is for the coming year: 8月1日 to 7月31日."""
    if renewal:
        return date(received_on.year, 8, 1), date(received_on.year + 1, 7, 31)
    start = received_on.replace(day=1)
    end_year = received_on.year + 1 if received_on.month >= 8 else received_on.year
    return start, date(end_year, 7, 31)


def tax_year_of(valid_from: date) -> int:
    """The 年度 of the 市町村民税 facts used: a validity starting in 8月-12月 of Y uses 年度 Y (the income
    of Y-1); January to July of Y+1 still uses 年度 Y."""
    return valid_from.year if valid_from.month >= 8 else valid_from.year - 1


# --- daily amounts (告示 第413号・第414号) --------------------------------------------------------------


class Room:
    """The stay (居住費) kinds and meals of the daily-amount table."""

    MEAL_FACILITY = "meal_facility"
    MEAL_SHORT_STAY = "meal_short_stay"
    UNIT_PRIVATE = "unit_private"
    UNIT_SEMI_PRIVATE = "unit_semi_private"
    PRIVATE_WELFARE = "private_welfare"  # 従来型個室 (特養・短期生活)
    PRIVATE_HEALTH = "private_health"  # 従来型個室 (老健・医療院・短期療養)
    SHARED_WELFARE = "shared_welfare"  # 多床室 (特養・短期生活)
    SHARED_HEALTH = "shared_health"  # 多床室 (老健・医療院)


ROOM_LABELS = {
    Room.MEAL_FACILITY: "食費（施設）",
    Room.MEAL_SHORT_STAY: "食費（短期入所）",
    Room.UNIT_PRIVATE: "ユニット型個室",
    Room.UNIT_SEMI_PRIVATE: "ユニット型個室的多床室",
    Room.PRIVATE_WELFARE: "従来型個室（特別養護老人ホーム・短期入所生活介護）",
    Room.PRIVATE_HEALTH: "従来型個室（老人保健施設・介護医療院・短期入所療養介護）",
    Room.SHARED_WELFARE: "多床室（特別養護老人ホーム・短期入所生活介護）",
    Room.SHARED_HEALTH: "多床室（老人保健施設・介護医療院）",
}


@dataclass(frozen=True)
class DailyAmounts:
    """From ``valid_from``: per item, the 基準費用額 and the 負担限度額 of each stage (yen per day)."""

    valid_from: date
    standard: dict[str, int]
    limits: dict[str, dict[str, int]]  # item -> stage -> amount


def _row(standard: int, one: int, two: int, three_1: int, three_2: int) -> tuple[int, dict[str, int]]:
    return standard, {Stage.FIRST: one, Stage.SECOND: two, Stage.THIRD_1: three_1, Stage.THIRD_2: three_2}


_2024 = {
    Room.MEAL_FACILITY: _row(1_445, 300, 390, 650, 1_360),
    Room.MEAL_SHORT_STAY: _row(1_445, 300, 600, 1_000, 1_300),
    Room.UNIT_PRIVATE: _row(2_066, 880, 880, 1_370, 1_370),
    Room.UNIT_SEMI_PRIVATE: _row(1_728, 550, 550, 1_370, 1_370),
    Room.PRIVATE_WELFARE: _row(1_231, 380, 480, 880, 880),
    Room.PRIVATE_HEALTH: _row(1_728, 550, 550, 1_370, 1_370),
    Room.SHARED_WELFARE: _row(915, 0, 430, 430, 430),
    Room.SHARED_HEALTH: _row(437, 0, 430, 430, 430),
}

DAILY_TABLE: tuple[DailyAmounts, ...] = (
    DailyAmounts(date(2024, 8, 1), {k: v[0] for k, v in _2024.items()}, {k: v[1] for k, v in _2024.items()}),
)


def daily_amounts_on(day: date) -> DailyAmounts | None:
    return _on(DAILY_TABLE, day)


def daily_limit(stage: str, item: str, day: date) -> int | None:
    """The 負担限度額 per day of ``item`` for ``stage`` on ``day`` (None: no table that day)."""
    t = daily_amounts_on(day)
    return t.limits[item][stage] if t else None


def daily_benefit(stage: str, item: str, day: date, *, price: int) -> int:
    """法 §51の3 第2項: per day, the lower of the 基準費用額 and the facility's ``price``, less the
    負担限度額 (never below 0)."""
    t = daily_amounts_on(day)
    if t is None:
        return 0
    return max(0, min(price, t.standard[item]) - t.limits[item][stage])


# --- which services (法 §51の3 第1項, §61の3 第1項) ---------------------------------------------------


class Service:
    WELFARE = "welfare"  # 介護老人福祉施設 (特養), 地域密着型 included
    HEALTH = "health"  # 介護老人保健施設
    MEDICAL = "medical"  # 介護医療院
    SHORT_WELFARE = "short_welfare"  # 短期入所生活介護
    SHORT_HEALTH = "short_health"  # 短期入所療養介護
    GROUP_HOME = "group_home"  # 認知症対応型共同生活介護 (not covered)
    SPECIFIED = "specified"  # 特定施設入居者生活介護 (有料老人ホーム等; not covered)


SERVICE_LABELS = {
    Service.WELFARE: "介護老人福祉施設（特別養護老人ホーム、地域密着型を含む）",
    Service.HEALTH: "介護老人保健施設",
    Service.MEDICAL: "介護医療院",
    Service.SHORT_WELFARE: "短期入所生活介護",
    Service.SHORT_HEALTH: "短期入所療養介護",
    Service.GROUP_HOME: "認知症対応型共同生活介護（グループホーム）",
    Service.SPECIFIED: "特定施設入居者生活介護（有料老人ホーム等）",
}
FACILITY_SERVICES = frozenset({Service.WELFARE, Service.HEALTH, Service.MEDICAL})
SHORT_STAY_SERVICES = frozenset({Service.SHORT_WELFARE, Service.SHORT_HEALTH})


def service_refusal(service: str, *, care: bool, support: bool) -> str:
    """'' when ``service`` may get the benefit for a person certified ``care`` (要介護) or ``support``
    (要支援: 短期入所 only, 法 §61の3); otherwise the refusal code."""
    if not care and not support:
        return Refusal.NOT_CERTIFIED
    if service in SHORT_STAY_SERVICES or (care and service in FACILITY_SERVICES):
        return ""
    return Refusal.NOT_FACILITY


def decide(a: Applicant, day: date, *, service: str, care: bool, support: bool) -> StageResult:
    """The whole decision: the service and the certification first, then the stage."""
    refusal = service_refusal(service, care=care, support=support)
    if refusal:
        return StageResult(None, refusal)
    return limits_stage(a, day)
