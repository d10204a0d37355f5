"""The city's calendar of closed days for premium due dates and pension payment days (自治法 §4の2:
a 納期限 on a closed day moves to the next business day). National holidays come from the
``holidays`` package; the city's own closing days (年末年始, 12月29日から1月3日) are added here
(DOMAIN 2.9; CONFIG: a city with other closing days changes ``YEAR_END_CLOSING``)."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import holidays

# (month, day) pairs the city office is closed every year besides weekends and national holidays
YEAR_END_CLOSING = ((12, 29), (12, 30), (12, 31), (1, 1), (1, 2), (1, 3))


@lru_cache(maxsize=32)
def closed_days(fiscal_year: int) -> frozenset[date]:
    """Holidays and closing days from April of ``fiscal_year`` to the May after its end (a 納期限
    of March or April moves into the next months at most)."""
    years = (fiscal_year, fiscal_year + 1, fiscal_year + 2)
    national = holidays.Japan(years=years)
    days = set(national)
    days.update(date(y, m, d) for y in years for m, d in YEAR_END_CLOSING)
    return frozenset(day for day in days if date(fiscal_year, 4, 1) <= day < date(fiscal_year + 2, 6, 1))
