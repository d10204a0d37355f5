"""介護保険法 附則第1条: 「この法律は、平成十二年四月一日から施行する。」

No one was insured before 2000-04-01. A person resident here and aged 65 or over on that day was
insured from it (第1号: 法 §9 第1号, §10 read with the law's first day); one who reached 65 later
was insured from the 65歳到達日 (法 §10 第4号: the day before the 65th birthday, 年齢計算ニ関スル法律);
one who moved in later, from the move-in day (法 §10 第1号). DOMAIN 1.2 has no gain code for the
law's first day: its reason is 49 その他 and the date names it. Facts before that day only decide
who was insured on it: an address that ended before it gives no period at all. Tables worked from
the text; pure functions, no database."""

from __future__ import annotations

from datetime import date

import pytest

from eligibility.codes import GainReason, InsuredClass, LossReason
from eligibility.qualification.rules import (
    INSURANCE_START,
    Period,
    PersonFacts,
    ResidenceSpell,
    Stay,
    derive_periods,
)

D = date
G, L = GainReason, LossReason
UNTIL = D(2026, 12, 7)


def first(start, end, gain, loss=None):
    return Period(InsuredClass.FIRST, start, end, gain, loss)


def since(start=None, end=None, *, move_in=True, domestic=False):
    return ResidenceSpell(start, end, start_is_move_in=move_in, to_other_municipality=domestic)


def test_the_law_start_is_1_april_2000():
    assert INSURANCE_START == D(2000, 4, 1)


@pytest.mark.parametrize(
    ("birth", "residence", "died", "expected"),
    [
        # aged 65 or over and resident on 2000-04-01 (since birth or moved in before): from that day
        pytest.param(D(1920, 5, 5), (since(),), None,
                     [first(D(2000, 4, 1), None, G.OTHER)], id="aged-80-resident-since-birth"),
        pytest.param(D(1930, 1, 10), (since(D(1985, 7, 1)),), None,
                     [first(D(2000, 4, 1), None, G.OTHER)], id="aged-70-moved-in-1985"),
        # reached 65 on 2000-04-01 exactly (born 1935-04-02: 65歳到達日 is the day before the birthday)
        pytest.param(D(1935, 4, 2), (since(),), None,
                     [first(D(2000, 4, 1), None, G.AGE_65)], id="reaches-65-on-the-first-day"),
        # born 1935-04-01: 65 on 2000-03-31, the day before the law: insured from 2000-04-01
        pytest.param(D(1935, 4, 1), (since(),), None,
                     [first(D(2000, 4, 1), None, G.OTHER)], id="reached-65-the-day-before"),
        # born 1935-04-03: 65歳到達日 2000-04-02, the second day of the law: 年齢到達
        pytest.param(D(1935, 4, 3), (since(),), None,
                     [first(D(2000, 4, 2), None, G.AGE_65)], id="reaches-65-the-day-after"),
        # moved in on the law's first day: 転入
        pytest.param(D(1925, 8, 8), (since(D(2000, 4, 1)),), None,
                     [first(D(2000, 4, 1), None, G.MOVE_IN)], id="moved-in-on-the-first-day"),
        # moved out before the law, back after it: one period from the return
        pytest.param(D(1925, 8, 8), (since(None, D(1999, 6, 30), domestic=True), since(D(2003, 9, 1))), None,
                     [first(D(2003, 9, 1), None, G.MOVE_IN)], id="away-on-the-first-day"),
        # died before the law: never insured
        pytest.param(D(1910, 2, 2), (since(),), D(1999, 12, 31), [], id="died-before-the-law"),
        # died on 2000-03-31: never insured (lost the day after = the law's first day)
        pytest.param(D(1910, 2, 2), (since(),), D(2000, 3, 31), [], id="died-the-day-before"),
        # died on 2000-04-01: insured that day, lost the day after (法 §11 本文)
        pytest.param(D(1910, 2, 2), (since(),), D(2000, 4, 1),
                     [first(D(2000, 4, 1), D(2000, 4, 2), G.OTHER, L.DEATH)], id="died-on-the-first-day"),
        # moved out to another municipality on 2000-04-01: lost that day (法 §11 ただし書), never insured
        pytest.param(D(1925, 8, 8), (since(None, D(2000, 4, 1), domestic=True),), None, [],
                     id="moved-out-on-the-first-day"),
    ],
)
def test_no_period_starts_before_the_law(birth, residence, died, expected):
    facts = PersonFacts(birth_date=birth, residence=residence, died_on=died)
    assert derive_periods(facts, until=UNTIL) == expected


def test_an_exemption_stay_across_the_first_day_starts_the_period_on_leaving():
    """In an 適用除外施設 on 2000-04-01 (entered 1998): not insured until the day of leaving
    (施行法 §11, 施行規則 §170)."""
    facts = PersonFacts(birth_date=D(1920, 1, 1), residence=(since(),),
                        exemption_stays=(Stay(D(1998, 5, 1), D(2001, 2, 10)),))
    assert derive_periods(facts, until=UNTIL) == [first(D(2001, 2, 10), None, G.EXEMPTION_ENDED)]


def test_a_second_class_person_before_the_law_starts_on_the_first_day():
    """A 第2号 record dated before the law (only in imported history) starts on 2000-04-01."""
    facts = PersonFacts(birth_date=D(1950, 6, 1), residence=(since(),), second_class_from=D(1999, 1, 1))
    periods = derive_periods(facts, until=UNTIL)
    assert periods[0].insured_class == InsuredClass.SECOND
    assert periods[0].start == D(2000, 4, 1)
    assert all(p.start >= INSURANCE_START for p in periods)
