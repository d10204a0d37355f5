"""Deferral of collection (徴収猶予, 法 §142; DOMAIN 2.10) as pure functions.

A deferral does not change the premium: it moves the 納期限 of the bills (普通徴収) that fall due
within the 猶予期間 to the day the period ends (the 猶予期限), so that no reminder is issued and no
late charge or prescription runs for them until then. Pension deductions are withheld by the
年金保険者 and are not deferred. The period is whole months, at most six (条例 [CONFIG]), within
one fiscal year; its end moves past closed days like any 納期限 (自治法 §4の2).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date

from premiums.rules.balance import InstallmentDue
from premiums.rules.schedule import BILLING, next_business_day

MAX_DEFERRAL_MONTHS = 6  # 条例: 6 months at most [CONFIG; DOMAIN 2.10]


def deferral_months(first_month: date, last_month: date) -> int:
    """How many months a period from ``first_month`` to ``last_month`` (both inclusive) covers."""
    return (last_month.year - first_month.year) * 12 + last_month.month - first_month.month + 1


def deferral_until(last_month: date, holidays: frozenset[date] = frozenset()) -> date:
    """The 猶予期限: the last day of the period's last month, moved to the next business day."""
    last_day = calendar.monthrange(last_month.year, last_month.month)[1]
    return next_business_day(last_month.replace(day=last_day), holidays)


@dataclass(frozen=True)
class Deferral:
    starts: date  # first day of the 猶予期間
    until: date  # 猶予期限 (the deferred 納期限)

    def covers(self, due_date: date) -> bool:
        return self.starts <= due_date <= self.until


def deferred_due(method: str, due_date: date | None, deferrals: Iterable[Deferral]) -> date | None:
    """The 納期限 in force of an installment: a bill falling due within an approved deferral is due
    on its 猶予期限 (the latest, when periods overlap); anything else keeps its own date."""
    if method != BILLING or due_date is None:
        return due_date
    ends = [d.until for d in deferrals if d.covers(due_date)]
    return max([due_date, *ends])


def defer_dues(dues: Iterable[InstallmentDue], deferrals: Iterable[Deferral]) -> list[InstallmentDue]:
    """``dues`` with the 納期限 in force: a deferred bill carries its 猶予期限 and its own date."""
    deferrals = tuple(deferrals)
    if not deferrals:
        return list(dues)
    result = []
    for d in dues:
        due = deferred_due(d.method, d.due_date, deferrals)
        result.append(d if due == d.due_date else replace(d, due_date=due, deferred_from=d.due_date))
    return result
