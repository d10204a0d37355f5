"""The deadline dashboard's rules (pure): how many days a case has run, the bands the chief reads
them in, and which applications reach the legal deadline within the week.

The deadline is certification.rules.cases.decision_due: 法 §27 第11項, the decision within 30 days
of the application (the day of the application not counted, 民法 §140), or by then the
postponement notice (延期通知, §27 第11項 ただし書) with its reason and expected date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from certification.rules.cases import DECISION_DAYS, decision_due

DUE_SOON_DAYS = 7  # the week ahead in which a case without a postponement notice must get one


@dataclass(frozen=True)
class Band:
    """Elapsed days from ``low`` to ``high`` (None: no upper end), both included."""

    key: str
    label: str
    low: int
    high: int | None


# 0-14: the survey and the opinion are normally in; 15-25: primary assessment and the board's date;
# 26-30: the last days of the legal 30; over 30: past the deadline (a postponement notice needed).
BANDS: tuple[Band, ...] = (
    Band("d0_14", "14日以内", 0, 14),
    Band("d15_25", "15〜25日", 15, 25),
    Band("d26_30", "26〜30日", 26, DECISION_DAYS),
    Band("over_30", "30日超", DECISION_DAYS + 1, None),
)


def elapsed_days(applied_on: date, today: date) -> int:
    """Days since the application, the day of the application not counted (民法 §140): 0 on the
    day itself, 30 on the last day of the deadline (decision_due)."""
    return (today - applied_on).days


def band_of(days: int) -> Band:
    """The band of ``days`` elapsed (days before the application count as 0)."""
    days = max(days, 0)
    return next(b for b in BANDS if days >= b.low and (b.high is None or days <= b.high))


def days_left(applied_on: date, today: date) -> int:
    """Days until the last day of the deadline (0: the deadline is today; negative: passed)."""
    return (decision_due(applied_on) - today).days


def due_soon_applied(today: date, within: int = DUE_SOON_DAYS) -> tuple[date, date]:
    """The application dates (first, last) of the cases whose deadline falls today or in the next
    ``within`` days: decision_due(applied_on) in [today, today + within]."""
    return today - timedelta(days=DECISION_DAYS), today + timedelta(days=within - DECISION_DAYS)


def notice_late(applied_on: date, postponed_on: date) -> bool:
    """Whether a postponement notice was made after the deadline (法 §27 第11項 ただし書 asks for it
    within the 30 days)."""
    return postponed_on > decision_due(applied_on)


def months_back(today: date, count: int = 12) -> list[date]:
    """The first days of the ``count`` months up to and including today's, oldest first."""
    year, month = today.year, today.month
    months = []
    for _ in range(count):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]
