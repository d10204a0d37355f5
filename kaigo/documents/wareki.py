"""Japanese era (和暦) dates for printed documents and the screens (pure functions; the screens'
filters in kaigo/jinja2.py call these, so there is one era conversion)."""

from __future__ import annotations

from datetime import date

# (first day in the Gregorian calendar, era name). Japan adopted the Gregorian calendar on
# 明治6年1月1日 (1873-01-01); earlier dates were lunisolar, so they are refused rather than
# converted wrongly. Eras are national, not a city setting, so this table is code.
ERAS: tuple[tuple[date, str], ...] = (
    (date(2019, 5, 1), "令和"),
    (date(1989, 1, 8), "平成"),
    (date(1926, 12, 25), "昭和"),
    (date(1912, 7, 30), "大正"),
    (date(1873, 1, 1), "明治"),
)
MEIJI_FIRST_YEAR = 1868


def wareki_parts(day: date) -> tuple[str, int]:
    """(era, year of the era) of a date."""
    for first_day, era in ERAS:
        if day >= first_day:
            first_year = MEIJI_FIRST_YEAR if era == "明治" else first_day.year
            return era, day.year - first_year + 1
    raise ValueError("dates before 1873-01-01 (Gregorian calendar in Japan) are not supported")


def wareki(day: date) -> str:
    """A date as printed on the documents: 令和7年4月1日; the first year of an era is 元年."""
    return f"{_year_text(day)}{day.month}月{day.day}日"


def _year_text(day: date) -> str:
    era, year = wareki_parts(day)
    return f"{era}{'元' if year == 1 else year}年"


def wareki_month(day: date) -> str:
    """The month of a date: 令和8年9月."""
    return f"{_year_text(day)}{day.month}月"


def wareki_fiscal_year(fiscal_year: int) -> str:
    """A fiscal year (April to March) by the era of its first day: 2026 -> 令和8年度."""
    return f"{_year_text(date(fiscal_year, 4, 1))}度"


def _year_with_western(day: date) -> str:
    era, year = wareki_parts(day)
    return f"{era}{'元' if year == 1 else year}（{day.year}）年"


def wareki_western(day: date) -> str:
    """A date as the screens show it, the era year with the Western year beside it (the form
    official documents use when both are wanted): 令和8（2026）年4月1日; 令和元（2019）年5月1日."""
    return f"{_year_with_western(day)}{day.month}月{day.day}日"


def wareki_western_month(day: date) -> str:
    """The month of a date on the screens: 令和8（2026）年9月."""
    return f"{_year_with_western(day)}{day.month}月"


def wareki_western_fiscal_year(fiscal_year: int) -> str:
    """A fiscal year on the screens, by the era of its first day: 2026 -> 令和8（2026）年度."""
    return f"{_year_with_western(date(fiscal_year, 4, 1))}度"
