"""Validity periods of a certification (認定の有効期間, DOMAIN.md 3.9 and 10.6): how many months a
board may set for each kind of case, and the first and last day of the period.

法 §28 第1項 (要介護認定) and §33 第1項 (要支援認定): a certification has effect only for the period the
ministry's ordinance sets; the ordinance is 介護保険法施行規則 (平成11年厚生省令第36号):

- 新規 (法 §27, §32): 施行規則 第38条 第1項 (要介護) / 第52条 第1項 (要支援): the rest of the month in
  which it takes effect PLUS 6 months (3 to 12 months when the city, on the board's opinion, finds it
  specially needed). 第38条 第2項: when it takes effect on the 1st of a month, the 6 (3-12) months
  alone. Verified: the article numbers 第38条第1項 and 第52条第1項 are cited as such by
  平成28年厚生労働省令第133号 (熊本地震の特例).
- 更新 (法 §28 第2項-第10項): 施行規則 第41条 (要介護更新認定) / 第55条 (要支援更新認定, by the
  parallel numbering; NOT verified): 12 months (3 to 36 months; 3 to 48 months when the board finds
  the same level as before, 令和3年4月1日 以後の申請). The period starts the day after the previous
  validity ends (法 §28 第10項 / 第2項の更新認定), always the 1st of a month.
- 区分変更 (法 §29, §33の2) and 職権による区分変更 (法 §30, §33の3): 6 months, 3 to 12 months, counted
  like a new certification (remainder of the month not counted unless on the 1st). The article is
  UNCERTAIN: the brief names 施行規則 第55条, but 第55条 looks like the 要支援更新認定 counterpart of
  第41条; the 区分変更 period may be 第44条 or a 準用 of 第38条. The figures (6, 3-12) are those of
  DOMAIN.md 3.9 [V: S10] and are kept as data below.

Starts: 新規 and 区分変更 from the application date (法 §27 第8項: 申請のあった日にさかのぼって効力);
更新 from the day after the previous validity (法 §28 第10項 前段); 職権区分変更 from the decision
(法 §30: the change is a 処分 of the city, no application to go back to); carry-over (法 §36) from
the application date with the END OF THE 受給資格証明書 (the previous insurer's period is carried
over, as most cities do: DOMAIN.md 3.8 notes the other practice, 6 months as a new one; our choice
is documented in docs/subsystems/certification-decisions.md).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from certification.rules.cases import CaseKind
from certification.rules.levels import CERTIFIED_LEVELS


@dataclass(frozen=True)
class MonthsRange:
    """The months a board may set: the standard (原則) and the allowed range, with its article."""

    standard: int
    low: int
    high: int
    article: str

    def allows(self, months: int) -> bool:
        return self.low <= months <= self.high


# as data, by case kind; 更新 with the same level as before has its own upper bound (施行規則 第41条)
NEW = MonthsRange(6, 3, 12, "施行規則第38条")
CHANGE = MonthsRange(6, 3, 12, "施行規則第38条（区分変更、条番号は要確認）")
RENEWAL = MonthsRange(12, 3, 36, "施行規則第41条")
RENEWAL_SAME_LEVEL = MonthsRange(12, 3, 48, "施行規則第41条")

_BY_KIND = {
    CaseKind.NEW: NEW,
    CaseKind.CHANGE: CHANGE,
    CaseKind.INSURER_CHANGE: CHANGE,
    CaseKind.CARRY_OVER: NEW,  # only when the certificate carries no end (see carry_over_period)
}


def months_allowed(kind: str, *, same_level: bool = False) -> MonthsRange:
    """The months a board may set for a case of ``kind`` (施行規則 第38条, 第41条; DOMAIN.md 3.9).
    ``same_level``: a renewal judged at exactly the previous level (3-48 months instead of 3-36)."""
    if kind == CaseKind.RENEWAL:
        return RENEWAL_SAME_LEVEL if same_level else RENEWAL
    return _BY_KIND[CaseKind(kind)]


def months_problem(kind: str, months: int | None, *, same_level: bool = False) -> str | None:
    """The Japanese refusal of ``months`` for this kind of case, naming the range; None when allowed."""
    allowed = months_allowed(kind, same_level=same_level)
    if months is not None and allowed.allows(months):
        return None
    what = CaseKind(kind).label
    if kind == CaseKind.RENEWAL:
        what += "（前回と同じ要介護度）" if same_level else "（前回と異なる要介護度）"
    return (f"有効期間は{what}では{allowed.low}か月から{allowed.high}か月までの範囲で入力してください"
            f"（原則{allowed.standard}か月、{allowed.article}）。")


# --- dates -------------------------------------------------------------------------------------------


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (only ever called with the 1st of a month here)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def validity_start(kind: str, *, applied_on: date, decided_on: date, previous_valid_to: date | None) -> date:
    """The first day of the new certification.

    新規・区分変更・転入: the application date (法 §27 第8項, §29 第2項 準用; §36). 更新: the day after
    the previous validity (法 §28 第10項). 職権区分変更 (法 §30): the decision date."""
    if kind == CaseKind.RENEWAL:
        if previous_valid_to is None:
            raise ValueError("a renewal continues a previous certification")
        return previous_valid_to + timedelta(days=1)
    if kind == CaseKind.INSURER_CHANGE:
        return decided_on
    return applied_on


def validity_end(start: date, months: int) -> date:
    """The last day of a validity of ``months`` starting on ``start`` (DOMAIN.md 10.6).

    施行規則 第38条 第1項: the rest of the month of ``start`` (第1号) plus ``months`` months (第2号);
    第2項: a start on the 1st counts the month itself. A renewal always starts on the 1st (the day
    after a month end), so the same function serves it (第41条). The end is always a month end."""
    first_full = start if start.day == 1 else month_end(start) + timedelta(days=1)
    return add_months(first_full, months) - timedelta(days=1)


@dataclass(frozen=True)
class Validity:
    valid_from: date
    valid_to: date
    months: int | None  # None: the end carried over from a 受給資格証明書


def validity_period(kind: str, *, months: int, applied_on: date, decided_on: date,
                    previous_valid_to: date | None = None) -> Validity:
    """The period of a certification of ``kind`` for ``months`` (already checked against
    ``months_allowed``)."""
    start = validity_start(kind, applied_on=applied_on, decided_on=decided_on, previous_valid_to=previous_valid_to)
    return Validity(start, validity_end(start, months), months)


def carry_over_period(*, applied_on: date, certificate_valid_to: date | None) -> Validity | None:
    """法 §36 (転入, 受給資格証明書): from the application date to the end of the validity the
    certificate shows (the previous insurer's period is carried over; our choice, docs). None
    when the certificate's period has already ended by the application (then the person applies
    anew, 法 §27). Without an end on the certificate: the new rule, 6 months (施行規則 第38条)."""
    if certificate_valid_to is None:
        return Validity(applied_on, validity_end(applied_on, NEW.standard), NEW.standard)
    if certificate_valid_to < applied_on:
        return None
    return Validity(applied_on, certificate_valid_to, None)


def has_validity(level: str) -> bool:
    """非該当 is recorded without a validity period (nothing to be valid)."""
    return level in CERTIFIED_LEVELS
