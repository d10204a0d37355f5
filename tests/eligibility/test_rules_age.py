"""The age the overview shows (eligibility.qualification.rules.age_on), worked from
年齢計算ニ関スル法律 (age counted from the day of birth; 民法 §143: each year ends at the end of the
day before the anniversary) and 介護保険法 §9 (「六十五歳以上の者」: of that age from the day before the
65th birthday, the day the first-class qualification begins)."""

from __future__ import annotations

from datetime import date

import pytest

from eligibility.qualification.rules import age_on

CASES = [
    # (born, day, age, why)
    (date(1960, 4, 2), date(2025, 4, 1), 65, "the day before the 65th birthday: 65 (法 §9, 年齢計算)"),
    (date(1960, 4, 2), date(2025, 3, 31), 64, "two days before the birthday: still 64"),
    (date(1960, 4, 2), date(2025, 4, 2), 65, "the birthday itself"),
    (date(1960, 4, 1), date(2025, 3, 31), 65, "born 1 April: 65 on 31 March"),
    (date(1960, 3, 1), date(2025, 2, 28), 65, "born 1 March: 65 on the last day of February"),
    (date(1960, 2, 29), date(2025, 2, 28), 65, "born 29 February, common year: 65 on 28 February"),
    (date(1960, 2, 29), date(2025, 2, 27), 64, "born 29 February: 64 the day before"),
    (date(1960, 2, 29), date(2024, 2, 28), 64, "born 29 February, leap year: 64 on 28 February (the day before 29th)"),
    (date(1959, 2, 29 - 1), date(2024, 2, 27), 65, "born 28 February: 65 on 27 February"),
    (date(2026, 5, 10), date(2026, 5, 10), 0, "the day of birth"),
    (date(2026, 5, 10), date(2027, 5, 9), 1, "the day before the first birthday: 1"),
    (date(2026, 5, 10), date(2026, 1, 1), 0, "a day before birth: 0, never negative"),
]


@pytest.mark.parametrize(("born", "day", "age", "why"), CASES, ids=[c[3] for c in CASES])
def test_age_on(born, day, age, why):
    assert age_on(born, day) == age
