"""The doctor's opinion (主治医意見書, 法 §27 第3項; DOMAIN.md 3.5) as pure rules: the answers of the
opinion's items the primary assessment reads, the fee (意見書作成料) by a dated fee table and the
consumption tax by a dated rate table, and when a late opinion is due for a reminder (督促).

The fee tables are DATA, not literals in the code: a new national standard or a new tax rate is a
new row with its first day. [CONFIG] The amounts are the national standard as the city is assumed
to pay it (docs/subsystems/certification-opinion.md); a city that pays otherwise edits the rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

from django.db import models


class DementiaRank(models.TextChoices):
    """認知症高齢者の日常生活自立度 (平成5年10月26日 老健第135号 厚生省老人保健福祉局長通知), in order."""

    INDEPENDENT = "0", "自立"
    I = "1", "Ⅰ"
    IIA = "2a", "Ⅱa"
    IIB = "2b", "Ⅱb"
    IIIA = "3a", "Ⅲa"
    IIIB = "3b", "Ⅲb"
    IV = "4", "Ⅳ"
    M = "m", "Ｍ"


DEMENTIA_ORDER = list(DementiaRank.values)  # the ranks from 自立 to Ｍ


def dementia_at_least(rank: str, floor: str) -> bool:
    """Whether ``rank`` is ``floor`` or a heavier rank (Ⅱ means Ⅱa or above)."""
    return DEMENTIA_ORDER.index(rank) >= DEMENTIA_ORDER.index(floor)


class ShortTermMemory(models.TextChoices):
    OK = "ok", "問題なし"
    PROBLEM = "problem", "問題あり"


class CognitiveAbility(models.TextChoices):
    """日常の意思決定を行うための認知能力."""

    INDEPENDENT = "independent", "自立"
    SOME = "some", "いくらか困難"
    WATCH = "watch", "見守りが必要"
    UNABLE = "unable", "判断できない"


class Communication(models.TextChoices):
    """自分の意思の伝達能力."""

    ABLE = "able", "伝えられる"
    SOME = "some", "いくらか困難"
    CONCRETE = "concrete", "具体的要求に限られる"
    UNABLE = "unable", "伝えられない"


class Eating(models.TextChoices):
    """食事行為."""

    SELF = "self", "自立ないし何とか自分で食べられる"
    ASSISTED = "assisted", "全面介助"


class Stability(models.TextChoices):
    """症状の安定性."""

    STABLE = "stable", "安定"
    UNSTABLE = "unstable", "不安定"
    UNKNOWN = "unknown", "不明"


@dataclass(frozen=True)
class OpinionFacts:
    """The items of a received opinion that the primary assessment reads (DOMAIN.md 3.6): codes of
    the choices above."""

    dementia_rank: str
    short_term_memory: str
    cognitive_ability: str
    communication: str
    eating: str
    stability: str

    @property
    def unstable_or_cognitive(self) -> bool:
        """The 要支援2 / 要介護1 split of the band 32-50 minutes (省令第58号 第1条第1項第1号): a decline of
        cognitive function (認知症高齢者の日常生活自立度 Ⅱ or above) or an unstable condition
        (症状の安定性 「不安定」)."""
        return self.stability == Stability.UNSTABLE or dementia_at_least(self.dementia_rank, DementiaRank.IIA)


# --- the fee (意見書作成料) ---------------------------------------------------------------------------


class Setting(models.TextChoices):
    """Where the person lives when the doctor writes (在宅 or 施設入所)."""

    HOME = "home", "在宅"
    FACILITY = "facility", "施設"


class FeeKind(models.TextChoices):
    """The fee table's rows: 在宅/施設 × 新規 (the doctor's first opinion of the person) / 継続."""

    HOME_NEW = "home_new", "在宅・新規"
    HOME_CONTINUING = "home_continuing", "在宅・継続"
    FACILITY_NEW = "facility_new", "施設・新規"
    FACILITY_CONTINUING = "facility_continuing", "施設・継続"


def fee_kind(setting: str, *, continuing: bool) -> str:
    return {(Setting.HOME, False): FeeKind.HOME_NEW, (Setting.HOME, True): FeeKind.HOME_CONTINUING,
            (Setting.FACILITY, False): FeeKind.FACILITY_NEW,
            (Setting.FACILITY, True): FeeKind.FACILITY_CONTINUING}[(setting, continuing)]


@dataclass(frozen=True)
class FeeTable:
    valid_from: date
    amounts: dict[str, int]  # FeeKind -> yen, tax excluded


# [CONFIG] The national standard of the 主治医意見書作成料 (tax excluded; 法 §27 第3項 the insurer asks the
# doctor and bears the cost), assumed in force since 2006-04-01 (the 2006 revision's amounts). A new
# standard: a new row with its first day, the old row kept for the fees of its time.
FEE_TABLES: tuple[FeeTable, ...] = (
    FeeTable(date(2006, 4, 1), {FeeKind.HOME_NEW: 5_000, FeeKind.HOME_CONTINUING: 4_000,
                                FeeKind.FACILITY_NEW: 4_000, FeeKind.FACILITY_CONTINUING: 3_000}),
)

# The consumption tax rate (national and local together) by its first day: 消費税法 §29 and
# 地方税法 §72の83 as amended (1997-04-01 5%, 2014-04-01 8%, 2019-10-01 10%; the fee is not 社会保険診療
# (消費税法 別表第二 第6号), so it is taxed at the standard rate). [CONFIG]
TAX_RATES: tuple[tuple[date, Decimal], ...] = (
    (date(1997, 4, 1), Decimal("0.05")),
    (date(2014, 4, 1), Decimal("0.08")),
    (date(2019, 10, 1), Decimal("0.10")),
)


class NoTable(ValueError):
    """No fee table or tax rate covers the day."""


def fee_table_on(day: date, tables: tuple[FeeTable, ...] = FEE_TABLES) -> FeeTable:
    found = [t for t in tables if t.valid_from <= day]
    if not found:
        raise NoTable(day)
    return max(found, key=lambda t: t.valid_from)


def tax_rate_on(day: date, rates: tuple[tuple[date, Decimal], ...] = TAX_RATES) -> Decimal:
    found = [(d, r) for d, r in rates if d <= day]
    if not found:
        raise NoTable(day)
    return max(found)[1]


@dataclass(frozen=True)
class Fee:
    kind: str
    base: int
    tax_rate: Decimal
    tax: int
    total: int
    table_from: date


def opinion_fee(kind: str, on: date, *, tables: tuple[FeeTable, ...] = FEE_TABLES,
                rates: tuple[tuple[date, Decimal], ...] = TAX_RATES) -> Fee:
    """The fee of an opinion of ``kind`` written (received) on ``on``: the table row in force that
    day and the consumption tax of that day, fractions of a yen cut off (the tax on one invoice)."""
    table = fee_table_on(on, tables)
    base = table.amounts[kind]
    rate = tax_rate_on(on, rates)
    tax = int((Decimal(base) * rate).to_integral_value(rounding=ROUND_DOWN))
    return Fee(kind, base, rate, tax, base + tax, table.valid_from)


# --- reminders (督促) ---------------------------------------------------------------------------------

REMINDER_DAYS = 14  # [CONFIG] days after the request (or the last reminder) an opinion is late; KAIGO_OPINION_REMINDER_DAYS


def reminder_due(requested_on: date, reminded_on: date | None, today: date, days: int = REMINDER_DAYS) -> bool:
    """Whether an opinion not yet received is due for a reminder on ``today``: ``days`` days have
    passed since the request, or since the last reminder (the office's practice, not the law: the
    law only sets the decision's 30 days, 法 §27 第11項, which a late opinion endangers)."""
    since = reminded_on or requested_on
    return today >= since + timedelta(days=days)
