"""The basic checklist's rules, worked from the notice's text (平成27年厚生労働省告示第197号 様式第一 and
its table of criteria, as the 地域支援事業実施要綱 and 「基本チェックリストの考え方」 reproduce them; quoted
in benefits/rules/checklist.py): which answer is 該当 for each question, 問12 by BMI 18.5未満, and
every criterion's boundary on both sides. Pure functions: no database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from benefits.rules import checklist as c

# 様式第一: the questions whose 「1」 is printed beside 「いいえ」 (回答: 0.はい 1.いいえ)
NO_COUNTS = {1, 2, 3, 4, 5, 6, 7, 8, 16, 19}


def test_the_25_items_and_the_answer_that_counts():
    assert [i.number for i in c.ITEMS] == list(range(1, 26))
    assert {i.number for i in c.ITEMS if i.risk_answer == c.NO} == NO_COUNTS
    assert all(i.question for i in c.ITEMS)
    assert c.ASKED == tuple(n for n in range(1, 26) if n != 12)


def answers_with(*risky: int) -> dict[int, int]:
    """All 25 answers with exactly the items ``risky`` 該当 (the others answered the safe way)."""
    out = {}
    for item in c.ITEMS:
        counts = item.number in risky
        out[item.number] = item.risk_answer if counts else 1 - item.risk_answer
    return out


@pytest.mark.parametrize(("risky", "expected"), [
    # nothing 該当
    ((), []),
    # ① 問1-20: 10 or more. 9 (spread so no other criterion fires) is not; 10 is.
    ((1, 2, 3, 4, 5, 6, 9, 11, 13, 17), ["multiple"]),
    ((1, 2, 3, 4, 5, 6, 9, 11, 13), []),
    # ① counts 問1-20 only: 9 of them plus depression items do not make 10
    ((1, 2, 3, 4, 5, 6, 9, 11, 13, 21), []),
    # ② 問6-10: 3 or more
    ((6, 7), []),
    ((6, 7, 8), ["motor"]),
    ((8, 9, 10), ["motor"]),
    # ③ 問11-12: both
    ((11,), []),
    ((12,), []),
    ((11, 12), ["nutrition"]),
    # ④ 問13-15: 2 or more
    ((13,), []),
    ((14, 15), ["oral"]),
    # ⑤ 問16
    ((16,), ["housebound"]),
    ((17,), []),  # 問17 alone is in no criterion
    # ⑥ 問18-20: 1 or more
    ((18,), ["cognitive"]),
    ((19,), ["cognitive"]),
    ((20,), ["cognitive"]),
    # ⑦ 問21-25: 2 or more
    ((21,), []),
    ((24, 25), ["depression"]),
    # several at once, in the notice's order
    ((6, 7, 8, 11, 12, 13, 14, 16, 17, 18, 21, 22), ["multiple", "motor", "nutrition", "oral", "housebound",
                                                  "cognitive", "depression"]),
])
def test_criteria_met(risky, expected):
    assert c.matched_criteria(answers_with(*risky)) == expected


def test_the_direction_of_each_answer_matters():
    """問16 「週に1回以上は外出していますか」: 「いいえ」 is 該当, 「はい」 is not; 問17 the other way."""
    base = answers_with()
    assert c.matched_criteria({**base, 16: c.NO}) == ["housebound"]
    assert c.matched_criteria({**base, 16: c.YES}) == []
    assert c.risk_count({**base, 17: c.YES}) == 1 and c.risk_count({**base, 17: c.NO}) == 0


@pytest.mark.parametrize(("height", "weight", "answer"), [
    # BMI = weight / (height m)^2; 「18.5未満」 is 該当: 18.5 exactly is not
    ("160.0", "47.36", c.NO),   # 47.36 / 2.56 = 18.5
    ("160.0", "47.35", c.YES),  # 18.496...
    ("150.0", "41.625", c.NO),  # 41.625 / 2.25 = 18.5
    ("150.0", "41.6", c.YES),   # 18.488...
    ("170.0", "60.0", c.NO),
])
def test_no12_bmi_below_18_5(height, weight, answer):
    assert c.bmi_answer(Decimal(height), Decimal(weight)) == answer


def test_answer_problems_name_each_item():
    answers = {n: 1 for n in c.ASKED}
    assert c.answer_problems(answers) == []
    answers.update({3: 2, 7: None})
    del answers[25]
    answers[12] = 1
    problems = c.answer_problems(answers)
    assert problems == [
        "問3の回答は「はい」（1）か「いいえ」（0）で入力してください。",
        "問7の回答がありません。「はい」か「いいえ」を選んでください。",
        "問25の回答がありません。「はい」か「いいえ」を選んでください。",
        "問12は回答を入力する項目ではありません（問12は身長・体重から判定します）。",
    ]
    assert c.answer_problems({**{n: 0 for n in c.ASKED}, 5: -1, 6: True})[0].startswith("問5の回答は")


def test_answers_round_trip():
    answers = answers_with(1, 12, 25)
    stored = c.answers_encode(answers)
    assert len(stored) == 25 and set(stored) <= {"0", "1"}
    assert c.answers_decode(stored) == answers


@pytest.mark.parametrize(("table", "start", "end"), [
    # the city's rule today: no end
    (c.PARTICIPANT_VALIDITY, date(2026, 4, 1), None),
    # a city that sets 12 months (民法 第143条 第2項: the day before the corresponding day)
    ((c.ValidityRule(date(2015, 4, 1), 12),), date(2026, 4, 1), date(2027, 3, 31)),
    ((c.ValidityRule(date(2015, 4, 1), 12),), date(2026, 4, 15), date(2027, 4, 14)),
    # no corresponding day: the month's last day
    ((c.ValidityRule(date(2015, 4, 1), 1),), date(2027, 1, 31), date(2027, 2, 28)),
    ((c.ValidityRule(date(2015, 4, 1), 1),), date(2028, 1, 31), date(2028, 2, 29)),
    # dated: the rule in force on the start day, on both sides of its first day
    ((c.ValidityRule(date(2015, 4, 1), None), c.ValidityRule(date(2027, 4, 1), 24)), date(2027, 3, 31), None),
    ((c.ValidityRule(date(2015, 4, 1), None), c.ValidityRule(date(2027, 4, 1), 24)), date(2027, 4, 1),
     date(2029, 3, 31)),
])
def test_participant_validity(table, start, end):
    assert c.participant_valid_to(start, table) == end


def test_no_rule_before_the_first_row():
    with pytest.raises(ValueError):
        c.participant_valid_to(date(2015, 3, 31))


# --- the 総合事業 monthly limit of a participant (benefits.rules.comprehensive) ---------------------------

from benefits.rules import comprehensive as z  # noqa: E402


@pytest.mark.parametrize(("month", "units", "over"), [
    # the 要支援1 amount since 2019-10: 5,032 units (DOMAIN.md 3.10 [V: S12]); the limit itself is allowed
    (date(2026, 4, 1), 5_032, 0),
    (date(2026, 4, 1), 5_033, 1),
    (date(2019, 10, 1), 5_032, 0),
    (date(2026, 4, 1), 0, 0),
])
def test_participant_limit(month, units, over):
    assert z.over_limit(units, month) == over


def test_limit_is_dated():
    table = (z.LimitRule(date(2019, 10, 1), 5_032), z.LimitRule(date(2027, 4, 1), 10_531))  # a city moving to 要支援2
    assert z.participant_limit(date(2027, 3, 1), table) == 5_032
    assert z.participant_limit(date(2027, 4, 1), table) == 10_531
    with pytest.raises(ValueError):
        z.participant_limit(date(2019, 9, 1))


def test_the_city_master():
    assert {s.code[:2] for s in z.CITY_SERVICES} <= {"A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "AF"}
    assert [s.code for s in z.CITY_SERVICES if not s.in_limit] == ["AF1111"]  # care management is outside
    assert z.SERVICES_BY_CODE["A61111"].valid_in(date(2017, 4, 1)) and not z.SERVICES_BY_CODE["A61111"].valid_in(
        date(2017, 3, 1))
