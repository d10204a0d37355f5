"""Qualification rules (eligibility/qualification/rules.py): pure functions, no database."""

from __future__ import annotations

import random
from datetime import date, timedelta
from functools import partial

import pytest

from eligibility.codes import ChangeReason, GainReason, InsuredClass, LossReason
from eligibility.qualification import rules
from eligibility.qualification.rules import (
    Period,
    PersonFacts,
    ResidenceSpell,
    Stay,
    age_reached_on,
    death_loss_date,
    derive_periods,
    exemption_entry_loss_date,
    exemption_exit_gain_date,
    first_class_gain_date,
    move_in_gain_date,
    move_out_loss_date,
    premium_months,
    second_class_age_date,
)

D = date
ONE = timedelta(days=1)
FIRST, SECOND = InsuredClass.FIRST, InsuredClass.SECOND
G, L, C = GainReason, LossReason, ChangeReason
LATER = D(2030, 1, 1)  # `until` far enough to see every event in the tables


def p1(start, end, gain, loss=None):
    return Period(FIRST, start, end, gain, loss)


def p2(start, end, gain, loss=None):
    return Period(SECOND, start, end, gain, loss)


# --- codes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("member", "value", "label"),
    [
        pytest.param(InsuredClass.FIRST, "1", "第1号被保険者", id="class-1"),
        pytest.param(InsuredClass.SECOND, "2", "第2号被保険者", id="class-2"),
        pytest.param(G.MOVE_IN, "01", "転入", id="gain-01"),
        pytest.param(G.AGE_65, "02", "年齢到達", id="gain-02"),
        pytest.param(G.FOREIGN_RESIDENT, "03", "外国人", id="gain-03"),
        pytest.param(G.SECOND_CLASS_APPLICATION, "04", "２号申請", id="gain-04"),
        pytest.param(G.OTHER_SPECIAL_ENDED, "07", "他特例居住", id="gain-07"),
        pytest.param(G.EXEMPTION_ENDED, "08", "除外者居住", id="gain-08"),
        pytest.param(G.EX_OFFICIO, "18", "職権取得", id="gain-18"),
        pytest.param(G.OTHER, "49", "その他", id="gain-49"),
        pytest.param(L.MOVE_OUT, "51", "転出", id="loss-51"),
        pytest.param(L.DEATH, "52", "死亡", id="loss-52"),
        pytest.param(L.EXEMPTION, "53", "除外者", id="loss-53"),
        pytest.param(L.SELF_SPECIAL_ENDED, "55", "自特例解除", id="loss-55"),
        pytest.param(L.NATIONALITY_LOST, "57", "国籍喪失", id="loss-57"),
        pytest.param(L.OTHER_SPECIAL, "58", "他特例者", id="loss-58"),
        pytest.param(L.EX_OFFICIO, "68", "職権喪失", id="loss-68"),
        pytest.param(L.OTHER, "99", "その他", id="loss-99"),
        pytest.param(C.MOVE_WITHIN, "21", "転居", id="change-21"),
        pytest.param(C.NAME, "22", "氏名変更", id="change-22"),
        pytest.param(C.FIRST_CLASS_REACHED, "31", "１号到達", id="change-31"),
        pytest.param(C.SPECIAL_ADDRESS, "S1", "住所地特例適用", id="change-S1-project-own"),
        pytest.param(C.CORRECTION, "C1", "訂正", id="change-C1-project-own"),
        pytest.param(C.OTHER, "48", "その他", id="change-48"),
    ],
)
def test_codes(member, value, label):
    assert member.value == value
    assert member.label == label
    assert len(value) <= 2  # fits the two-character reason columns


def test_code_sets_are_complete():
    assert len(InsuredClass) == 2 and len(G) == 8 and len(L) == 8 and len(C) == 6


# --- dates of single events -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth", "age", "reached"),
    [
        pytest.param(D(1960, 10, 15), 65, D(2025, 10, 14), id="ordinary"),
        pytest.param(D(1960, 10, 1), 65, D(2025, 9, 30), id="born-1st-previous-month"),
        pytest.param(D(1961, 4, 1), 65, D(2026, 3, 31), id="born-1-april-previous-fiscal-year"),
        pytest.param(D(1961, 4, 2), 65, D(2026, 4, 1), id="born-2-april-same-fiscal-year"),
        pytest.param(D(1961, 1, 1), 65, D(2025, 12, 31), id="born-1-january-previous-year"),
        pytest.param(D(1960, 2, 29), 65, D(2025, 2, 28), id="born-29-feb-common-target-year"),
        pytest.param(D(1960, 2, 29), 64, D(2024, 2, 28), id="born-29-feb-leap-target-year"),
        pytest.param(D(1960, 2, 29), 40, D(2000, 2, 28), id="born-29-feb-age-40-in-2000"),
        pytest.param(D(1960, 3, 1), 65, D(2025, 2, 28), id="born-1-march-common-target-year"),
        pytest.param(D(1959, 3, 1), 65, D(2024, 2, 29), id="born-1-march-leap-target-year"),
        pytest.param(D(1960, 2, 28), 65, D(2025, 2, 27), id="born-28-feb"),
        pytest.param(D(1960, 12, 31), 65, D(2025, 12, 30), id="born-31-december"),
    ],
)
def test_age_reached_on(birth, age, reached):
    assert age_reached_on(birth, age) == reached


def test_age_reached_on_rejects_age_zero():
    with pytest.raises(ValueError):
        age_reached_on(D(1960, 1, 1), 0)


@pytest.mark.parametrize(
    ("function", "given", "expected"),
    [
        pytest.param(first_class_gain_date, D(1961, 4, 1), D(2026, 3, 31), id="first-class-born-1-april"),
        pytest.param(first_class_gain_date, D(1960, 2, 29), D(2025, 2, 28), id="first-class-born-29-feb"),
        pytest.param(second_class_age_date, D(1985, 4, 1), D(2025, 3, 31), id="second-class-age-born-1-april"),
        pytest.param(second_class_age_date, D(1984, 3, 1), D(2024, 2, 29), id="second-class-age-born-1-march"),
        pytest.param(move_in_gain_date, D(2026, 5, 31), D(2026, 5, 31), id="move-in-that-day"),
        pytest.param(partial(move_out_loss_date, abroad=True), D(2026, 5, 31), D(2026, 6, 1),
                     id="move-out-abroad-day-after"),
        pytest.param(partial(move_out_loss_date, abroad=True), D(2026, 12, 31), D(2027, 1, 1),
                     id="move-out-abroad-new-year"),
        pytest.param(partial(move_out_loss_date, abroad=False), D(2026, 5, 31), D(2026, 5, 31),
                     id="move-out-domestic-that-day"),
        pytest.param(death_loss_date, D(2026, 5, 31), D(2026, 6, 1), id="death-day-after"),
        pytest.param(death_loss_date, D(2028, 2, 28), D(2028, 2, 29), id="death-leap-day-after"),
        pytest.param(exemption_entry_loss_date, D(2026, 3, 31), D(2026, 4, 1), id="exemption-entry-day-after"),
        pytest.param(exemption_exit_gain_date, D(2026, 3, 31), D(2026, 3, 31), id="exemption-exit-that-day"),
    ],
)
def test_event_dates(function, given, expected):
    assert function(given) == expected


# --- premium months ---------------------------------------------------------------------------

FY2025 = [(2025, m) for m in range(4, 13)] + [(2026, m) for m in range(1, 4)]


@pytest.mark.parametrize(
    ("start", "end", "fiscal_year", "months"),
    [
        pytest.param(D(2010, 1, 1), death_loss_date(D(2025, 5, 31)), 2025, [(2025, 4), (2025, 5)],
                     id="death-31-may-through-may"),
        pytest.param(D(2010, 1, 1), death_loss_date(D(2025, 5, 30)), 2025, [(2025, 4)],
                     id="death-30-may-through-april"),
        pytest.param(first_class_gain_date(D(1960, 10, 1)), None, 2025, FY2025[5:], id="born-1-oct-from-september"),
        pytest.param(first_class_gain_date(D(1960, 10, 2)), None, 2025, FY2025[6:], id="born-2-oct-from-october"),
        pytest.param(first_class_gain_date(D(1960, 9, 15)), None, 2025, FY2025[5:], id="domain-2.6-example-7-months"),
        pytest.param(first_class_gain_date(D(1961, 4, 1)), None, 2025, [(2026, 3)],
                     id="born-1-april-march-of-previous-fiscal-year"),
        pytest.param(first_class_gain_date(D(1961, 4, 1)), None, 2026, [(2026, m) for m in range(4, 13)]
                     + [(2027, m) for m in range(1, 4)], id="born-1-april-whole-next-fiscal-year"),
        pytest.param(first_class_gain_date(D(1961, 4, 2)), None, 2025, [], id="born-2-april-nothing-in-previous-year"),
        pytest.param(D(2020, 1, 1), None, 2025, FY2025, id="whole-year"),
        pytest.param(D(2025, 6, 10), D(2025, 6, 20), 2025, [], id="gain-and-loss-same-month"),
        pytest.param(D(2025, 6, 30), D(2025, 7, 1), 2025, [(2025, 6)], id="one-day-across-month-end"),
        pytest.param(D(2026, 3, 31), D(2026, 4, 1), 2025, [(2026, 3)], id="last-day-of-fiscal-year"),
        pytest.param(D(2024, 5, 1), D(2025, 4, 1), 2025, [], id="lost-on-1-april"),
        pytest.param(D(2024, 5, 1), D(2025, 4, 2), 2025, [], id="lost-on-2-april-april-not-due"),
        pytest.param(D(2024, 5, 1), D(2025, 5, 1), 2025, [(2025, 4)], id="lost-on-1-may"),
        pytest.param(D(2026, 4, 1), None, 2025, [], id="starts-after-fiscal-year"),
        pytest.param(D(2020, 1, 1), D(2024, 9, 1), 2025, [], id="ended-before-fiscal-year"),
    ],
)
def test_premium_months(start, end, fiscal_year, months):
    assert premium_months(start, end, fiscal_year) == months


# --- derive_periods: tables -------------------------------------------------------------------

BORN = D(1960, 10, 15)  # 65 on 2025-10-14, 40 on 2000-10-14
AT_65 = D(2025, 10, 14)
OLD = D(1955, 6, 10)  # 70 on 2025-06-09
HERE = (ResidenceSpell(None, None),)


def resident(end=None):
    return (ResidenceSpell(None, end),)


CASES = [
    # age
    pytest.param(PersonFacts(BORN, HERE), [p1(AT_65, None, G.AGE_65)], id="resident-turns-65"),
    pytest.param(PersonFacts(D(1961, 4, 1), HERE), [p1(D(2026, 3, 31), None, G.AGE_65)],
                 id="born-1-april-gains-31-march"),
    pytest.param(PersonFacts(D(1961, 1, 1), HERE), [p1(D(2025, 12, 31), None, G.AGE_65)],
                 id="born-1-january-gains-31-december"),
    pytest.param(PersonFacts(D(1960, 2, 29), HERE), [p1(D(2025, 2, 28), None, G.AGE_65)],
                 id="born-29-feb-gains-28-feb"),
    pytest.param(PersonFacts(D(1959, 3, 1), HERE), [p1(D(2024, 2, 29), None, G.AGE_65)],
                 id="born-1-march-gains-29-feb-leap"),
    pytest.param(PersonFacts(BORN, HERE, died_on=D(2025, 10, 13)), [], id="died-before-65"),
    pytest.param(PersonFacts(BORN, resident(D(2025, 10, 13))), [], id="moved-out-day-before-65"),
    pytest.param(PersonFacts(BORN, resident(AT_65)), [p1(AT_65, D(2025, 10, 15), G.AGE_65, L.MOVE_OUT)],
                 id="moved-out-on-65-date-one-day"),
    # move-in and move-out
    pytest.param(PersonFacts(OLD, (ResidenceSpell(D(2026, 7, 1), None),)), [p1(D(2026, 7, 1), None, G.MOVE_IN)],
                 id="move-in-at-70"),
    pytest.param(PersonFacts(BORN, (ResidenceSpell(AT_65, None),)), [p1(AT_65, None, G.MOVE_IN)],
                 id="move-in-on-65-date-is-move-in"),
    pytest.param(PersonFacts(BORN, (ResidenceSpell(D(2020, 4, 1), None),)), [p1(AT_65, None, G.AGE_65)],
                 id="moved-in-at-59-turns-65"),
    pytest.param(PersonFacts(OLD, (ResidenceSpell(D(2026, 7, 1), None, start_is_move_in=False),)),
                 [p1(D(2026, 7, 1), None, G.OTHER)], id="address-not-by-move-in-is-other"),
    pytest.param(PersonFacts(BORN, resident(D(2027, 5, 31))), [p1(AT_65, D(2027, 6, 1), G.AGE_65, L.MOVE_OUT)],
                 id="move-out-lost-next-day"),
    pytest.param(PersonFacts(BORN, (ResidenceSpell(None, D(2027, 3, 10)), ResidenceSpell(D(2027, 3, 10), None))),
                 [p1(AT_65, None, G.AGE_65)], id="move-out-and-in-same-day-continuous"),
    pytest.param(PersonFacts(BORN, (ResidenceSpell(None, D(2027, 3, 10)), ResidenceSpell(D(2027, 3, 11), None))),
                 [p1(AT_65, None, G.AGE_65)], id="move-in-day-after-move-out-continuous"),
    pytest.param(PersonFacts(BORN, (ResidenceSpell(None, D(2027, 3, 10)), ResidenceSpell(D(2027, 3, 12), None))),
                 [p1(AT_65, D(2027, 3, 11), G.AGE_65, L.MOVE_OUT), p1(D(2027, 3, 12), None, G.MOVE_IN)],
                 id="one-day-gap-two-periods"),
    pytest.param(PersonFacts(OLD, (ResidenceSpell(D(2026, 7, 1), D(2026, 7, 1)),)),
                 [p1(D(2026, 7, 1), D(2026, 7, 2), G.MOVE_IN, L.MOVE_OUT)], id="in-and-out-same-day"),
    # death
    pytest.param(PersonFacts(BORN, HERE, died_on=D(2027, 5, 31)), [p1(AT_65, D(2027, 6, 1), G.AGE_65, L.DEATH)],
                 id="death-lost-next-day"),
    pytest.param(PersonFacts(BORN, resident(D(2027, 5, 31)), died_on=D(2027, 5, 31)),
                 [p1(AT_65, D(2027, 6, 1), G.AGE_65, L.DEATH)], id="death-on-move-out-day-death-wins"),
    pytest.param(PersonFacts(OLD, (ResidenceSpell(D(2027, 5, 10), None),), died_on=D(2027, 5, 10)),
                 [p1(D(2027, 5, 10), D(2027, 5, 11), G.MOVE_IN, L.DEATH)], id="death-on-move-in-day"),
    pytest.param(PersonFacts(BORN, (ResidenceSpell(None, D(2027, 3, 10)), ResidenceSpell(D(2027, 3, 10), None)),
                             died_on=D(2027, 3, 10)),
                 [p1(AT_65, D(2027, 3, 11), G.AGE_65, L.DEATH)], id="death-on-same-day-move"),
    pytest.param(PersonFacts(BORN, resident(D(2027, 3, 10)), died_on=D(2027, 8, 1)),
                 [p1(AT_65, D(2027, 3, 11), G.AGE_65, L.MOVE_OUT)], id="death-after-move-out-irrelevant"),
    # exemption facility (適用除外)
    pytest.param(PersonFacts(BORN, HERE, exemption_stays=(Stay(D(2027, 2, 1), D(2027, 8, 20)),)),
                 [p1(AT_65, D(2027, 2, 2), G.AGE_65, L.EXEMPTION), p1(D(2027, 8, 20), None, G.EXEMPTION_ENDED)],
                 id="exemption-in-and-out"),
    pytest.param(PersonFacts(BORN, HERE, exemption_stays=(Stay(D(2027, 2, 1), None),)),
                 [p1(AT_65, D(2027, 2, 2), G.AGE_65, L.EXEMPTION)], id="exemption-still-in"),
    pytest.param(PersonFacts(BORN, HERE, exemption_stays=(Stay(D(2027, 2, 1), D(2027, 2, 2)),)),
                 [p1(AT_65, None, G.AGE_65)], id="exemption-left-next-day-no-break"),
    pytest.param(PersonFacts(BORN, HERE, exemption_stays=(Stay(D(2024, 1, 10), D(2026, 6, 1)),)),
                 [p1(D(2026, 6, 1), None, G.EXEMPTION_ENDED)], id="exemption-turned-65-inside"),
    pytest.param(PersonFacts(BORN, HERE, exemption_stays=(Stay(AT_65, D(2026, 1, 5)),)),
                 [p1(D(2026, 1, 5), None, G.EXEMPTION_ENDED)], id="exemption-entered-on-65-date-no-one-day-period"),
    pytest.param(PersonFacts(OLD, (ResidenceSpell(D(2027, 2, 1), None),),
                             exemption_stays=(Stay(D(2027, 2, 1), D(2027, 5, 1)),)),
                 [p1(D(2027, 5, 1), None, G.EXEMPTION_ENDED)], id="exemption-moved-in-into-facility"),
    pytest.param(PersonFacts(BORN, resident(D(2027, 8, 20)), exemption_stays=(Stay(D(2027, 2, 1), D(2027, 8, 20)),)),
                 [p1(AT_65, D(2027, 2, 2), G.AGE_65, L.EXEMPTION)], id="exemption-left-and-moved-out-same-day"),
    pytest.param(PersonFacts(BORN, HERE, died_on=D(2027, 6, 1), exemption_stays=(Stay(D(2027, 2, 1), D(2027, 6, 1)),)),
                 [p1(AT_65, D(2027, 2, 2), G.AGE_65, L.EXEMPTION)], id="exemption-left-by-death"),
    # special address, our insured in a facility elsewhere (自市町村の住所地特例)
    pytest.param(PersonFacts(BORN, resident(D(2027, 3, 31)), self_special=(Stay(D(2027, 4, 1), None),)),
                 [p1(AT_65, None, G.AGE_65)], id="self-special-keeps-period-open"),
    pytest.param(PersonFacts(BORN, resident(D(2027, 3, 31)), self_special=(Stay(D(2027, 3, 31), D(2028, 1, 15)),)),
                 [p1(AT_65, D(2028, 1, 16), G.AGE_65, L.SELF_SPECIAL_ENDED)], id="self-special-ended-no-return"),
    pytest.param(PersonFacts(BORN, (ResidenceSpell(None, D(2027, 3, 31)), ResidenceSpell(D(2028, 1, 15), None)),
                             self_special=(Stay(D(2027, 4, 1), D(2028, 1, 15)),)),
                 [p1(AT_65, None, G.AGE_65)], id="self-special-returned"),
    pytest.param(PersonFacts(BORN, resident(D(2027, 3, 31)),
                             self_special=(Stay(D(2027, 4, 1), D(2027, 9, 30)), Stay(D(2027, 9, 30), D(2028, 2, 1)))),
                 [p1(AT_65, D(2028, 2, 2), G.AGE_65, L.SELF_SPECIAL_ENDED)], id="self-special-chain-of-facilities"),
    pytest.param(PersonFacts(BORN, resident(D(2023, 3, 31)), self_special=(Stay(D(2023, 4, 1), None),)),
                 [p1(AT_65, None, G.AGE_65)], id="self-special-turns-65-in-facility"),
    pytest.param(PersonFacts(BORN, resident(D(2027, 3, 31)), died_on=D(2028, 1, 15),
                             self_special=(Stay(D(2027, 4, 1), D(2028, 1, 15)),)),
                 [p1(AT_65, D(2028, 1, 16), G.AGE_65, L.DEATH)], id="self-special-death-in-facility"),
    pytest.param(PersonFacts(BORN, resident(D(2027, 3, 31)), self_special=(Stay(D(2027, 4, 2), None),)),
                 [p1(AT_65, D(2027, 4, 1), G.AGE_65, L.MOVE_OUT)], id="self-special-not-adjacent-ignored"),
    # special address, another insurer's person living here (他市町村の住所地特例)
    pytest.param(PersonFacts(OLD, (ResidenceSpell(D(2027, 4, 1), None),), other_special=(Stay(D(2027, 4, 1), None),)),
                 [], id="other-special-never-ours"),
    pytest.param(PersonFacts(OLD, (ResidenceSpell(D(2027, 4, 1), None),),
                             other_special=(Stay(D(2027, 4, 1), D(2028, 3, 10)),)),
                 [p1(D(2028, 3, 10), None, G.OTHER_SPECIAL_ENDED)], id="other-special-ended-stays-here"),
    pytest.param(PersonFacts(OLD, (ResidenceSpell(D(2027, 4, 1), D(2028, 3, 10)),),
                             other_special=(Stay(D(2027, 4, 1), D(2028, 3, 10)),)),
                 [], id="other-special-ended-and-moved-out-same-day"),
    pytest.param(PersonFacts(OLD, (ResidenceSpell(D(2027, 4, 1), None),), other_special=(Stay(D(2027, 6, 1), None),)),
                 [p1(D(2027, 4, 1), D(2027, 6, 1), G.MOVE_IN, L.OTHER_SPECIAL)], id="other-special-from-mid-period"),
    # second class (第2号)
    pytest.param(PersonFacts(BORN, HERE, second_class_from=D(2020, 6, 1)),
                 [p2(D(2020, 6, 1), AT_65, G.SECOND_CLASS_APPLICATION, C.FIRST_CLASS_REACHED),
                  p1(AT_65, None, C.FIRST_CLASS_REACHED)], id="second-class-becomes-first"),
    pytest.param(PersonFacts(BORN, resident(D(2022, 1, 31)), second_class_from=D(2020, 6, 1)),
                 [p2(D(2020, 6, 1), D(2022, 2, 1), G.SECOND_CLASS_APPLICATION, L.MOVE_OUT)],
                 id="second-class-moved-out"),
    pytest.param(PersonFacts(BORN, (ResidenceSpell(None, D(2022, 1, 31)), ResidenceSpell(D(2023, 5, 1), None)),
                             second_class_from=D(2020, 6, 1)),
                 [p2(D(2020, 6, 1), D(2022, 2, 1), G.SECOND_CLASS_APPLICATION, L.MOVE_OUT),
                  p2(D(2023, 5, 1), AT_65, G.MOVE_IN, C.FIRST_CLASS_REACHED),
                  p1(AT_65, None, C.FIRST_CLASS_REACHED)], id="second-class-moved-out-and-back"),
    pytest.param(PersonFacts(BORN, (ResidenceSpell(D(2021, 7, 1), None),), second_class_from=D(2021, 7, 1)),
                 [p2(D(2021, 7, 1), AT_65, G.SECOND_CLASS_APPLICATION, C.FIRST_CLASS_REACHED),
                  p1(AT_65, None, C.FIRST_CLASS_REACHED)], id="second-class-applied-on-move-in-day"),
    pytest.param(PersonFacts(BORN, HERE, second_class_from=D(1999, 1, 1)),
                 [p2(D(2000, 10, 14), AT_65, G.SECOND_CLASS_APPLICATION, C.FIRST_CLASS_REACHED),
                  p1(AT_65, None, C.FIRST_CLASS_REACHED)], id="second-class-not-before-40"),
    pytest.param(PersonFacts(BORN, resident(D(2025, 10, 13)), second_class_from=D(2020, 6, 1)),
                 [p2(D(2020, 6, 1), AT_65, G.SECOND_CLASS_APPLICATION, L.MOVE_OUT)],
                 id="second-class-moved-out-day-before-65"),
    pytest.param(PersonFacts(BORN, HERE, died_on=D(2021, 3, 3), second_class_from=D(2020, 6, 1)),
                 [p2(D(2020, 6, 1), D(2021, 3, 4), G.SECOND_CLASS_APPLICATION, L.DEATH)], id="second-class-death"),
    pytest.param(PersonFacts(BORN, HERE, second_class_from=D(2025, 10, 20)), [p1(AT_65, None, G.AGE_65)],
                 id="second-class-application-after-65-ignored"),
    pytest.param(PersonFacts(BORN, HERE, second_class_from=D(2020, 6, 1), exemption_stays=(Stay(AT_65, None),)),
                 [p2(D(2020, 6, 1), AT_65, G.SECOND_CLASS_APPLICATION, C.FIRST_CLASS_REACHED),
                  p1(AT_65, D(2025, 10, 15), C.FIRST_CLASS_REACHED, L.EXEMPTION)],
                 id="second-class-enters-exemption-on-65-date"),
]


@pytest.mark.parametrize(("facts", "expected"), CASES)
def test_derive_periods(facts, expected):
    assert derive_periods(facts, until=LATER) == expected


def test_every_produced_reason_is_in_the_tables():
    gains, losses = set(), set()
    for case in CASES:
        facts, expected = case.values
        for period in expected:
            gains.add(period.gain_reason)
            losses.add(period.loss_reason)
    assert gains == {G.MOVE_IN, G.AGE_65, G.SECOND_CLASS_APPLICATION, G.OTHER_SPECIAL_ENDED, G.EXEMPTION_ENDED,
                     G.OTHER, C.FIRST_CLASS_REACHED}
    assert losses == {None, L.MOVE_OUT, L.DEATH, L.EXEMPTION, L.SELF_SPECIAL_ENDED, L.OTHER_SPECIAL,
                      C.FIRST_CLASS_REACHED}


@pytest.mark.parametrize(
    ("facts", "until", "expected"),
    [
        pytest.param(PersonFacts(BORN, HERE), D(2025, 9, 30), [], id="65-next-month-not-yet"),
        pytest.param(PersonFacts(BORN, HERE), D(2025, 10, 13), [], id="65-tomorrow-not-yet"),
        pytest.param(PersonFacts(BORN, HERE), AT_65, [p1(AT_65, None, G.AGE_65)], id="65-today"),
        pytest.param(PersonFacts(BORN, HERE), D(2025, 10, 31), [p1(AT_65, None, G.AGE_65)], id="65-end-of-month"),
        pytest.param(PersonFacts(BORN, resident(D(2027, 5, 31))), D(2027, 5, 30), [p1(AT_65, None, G.AGE_65)],
                     id="move-out-tomorrow-still-open"),
        pytest.param(PersonFacts(BORN, resident(D(2027, 5, 31))), D(2027, 5, 31),
                     [p1(AT_65, D(2027, 6, 1), G.AGE_65, L.MOVE_OUT)], id="move-out-today-ends-tomorrow"),
        pytest.param(PersonFacts(BORN, HERE, died_on=D(2027, 5, 31)), D(2027, 5, 31),
                     [p1(AT_65, D(2027, 6, 1), G.AGE_65, L.DEATH)], id="died-today"),
        pytest.param(PersonFacts(BORN, HERE, second_class_from=D(2020, 6, 1)), D(2025, 10, 1),
                     [p2(D(2020, 6, 1), None, G.SECOND_CLASS_APPLICATION)], id="second-class-open-before-65"),
        pytest.param(PersonFacts(BORN, HERE, exemption_stays=(Stay(D(2027, 2, 1), D(2027, 8, 20)),)), D(2027, 8, 19),
                     [p1(AT_65, D(2027, 2, 2), G.AGE_65, L.EXEMPTION)], id="exemption-exit-tomorrow"),
        pytest.param(PersonFacts(OLD, (ResidenceSpell(D(2027, 4, 1), None),)), D(2027, 3, 31), [],
                     id="move-in-tomorrow"),
        pytest.param(PersonFacts(BORN, resident(D(2027, 3, 31)), self_special=(Stay(D(2027, 4, 1), D(2028, 1, 15)),)),
                     D(2027, 12, 31), [p1(AT_65, None, G.AGE_65)], id="self-special-end-after-until"),
    ],
)
def test_until_cut_off(facts, until, expected):
    assert derive_periods(facts, until=until) == expected


@pytest.mark.parametrize(
    "facts",
    [
        pytest.param(PersonFacts(BORN, (ResidenceSpell(D(2027, 1, 2), D(2027, 1, 1)),)), id="spell-backwards"),
        pytest.param(PersonFacts(BORN, HERE, exemption_stays=(Stay(D(2027, 1, 2), D(2027, 1, 1)),)),
                     id="stay-backwards"),
    ],
)
def test_inconsistent_facts_rejected_without_dates_in_message(facts):
    with pytest.raises(ValueError) as error:
        derive_periods(facts, until=LATER)
    assert "2027" not in str(error.value)


# --- derive_periods: properties over generated facts ------------------------------------------

WINDOW_START, WINDOW_DAYS = D(2023, 1, 1), 5 * 365


def _day(rng, lo=0, hi=WINDOW_DAYS):
    return WINDOW_START + timedelta(days=rng.randint(lo, hi))


def _stays(rng, count):
    stays = []
    for _ in range(count):
        start = _day(rng)
        end = None if rng.random() < 0.3 else start + timedelta(days=rng.randint(0, 400))
        stays.append(Stay(start, end))
    return tuple(sorted(stays, key=lambda s: s.start))


def _facts(rng, *, simple=False):
    birth = D(1956, 1, 1) + timedelta(days=rng.randint(0, 8 * 365))  # 65 between 2021 and 2029
    spells, cursor = [], None if rng.random() < 0.5 else _day(rng, 0, 400)
    for _ in range(rng.randint(1, 3)):
        end = None if rng.random() < 0.3 else (cursor or WINDOW_START) + timedelta(days=rng.randint(0, 500))
        spells.append(ResidenceSpell(cursor, end, start_is_move_in=simple or rng.random() < 0.9))
        if end is None:
            break
        cursor = end + timedelta(days=rng.choice([0, 1, 2, 30, 200]))
    died = _day(rng) if rng.random() < 0.3 else None
    if simple:
        return PersonFacts(birth, tuple(spells), died_on=died)
    return PersonFacts(
        birth, tuple(spells), died_on=died,
        exemption_stays=_stays(rng, rng.choice([0, 0, 1, 2])),
        self_special=_stays(rng, rng.choice([0, 0, 1, 2])),
        other_special=_stays(rng, rng.choice([0, 0, 0, 1])),
        second_class_from=_day(rng, -3000, 2000) if rng.random() < 0.4 else None,
    )


def _located(facts, day):
    in_spell = any((s.start is None or s.start <= day) and (s.end is None or day <= s.end) for s in facts.residence)
    in_stay = any(s.start <= day and (s.end is None or day <= s.end) for s in facts.self_special)
    return in_spell or in_stay


GENERATED = 400


@pytest.mark.parametrize("seed", range(4))
def test_generated_periods_are_sorted_disjoint_and_consistent(seed):
    rng = random.Random(seed)
    for _ in range(GENERATED // 4):
        facts = _facts(rng)
        until = _day(rng, 200, WINDOW_DAYS + 200)
        periods = derive_periods(facts, until=until)
        at_65 = first_class_gain_date(facts.birth_date)
        at_40 = second_class_age_date(facts.birth_date)
        for period in periods:
            assert period.start <= until
            assert period.end is None or period.start < period.end <= until + ONE
            assert (period.end is None) == (period.loss_reason is None)
            if period.insured_class == FIRST:
                assert period.start >= at_65
            else:
                assert period.insured_class == SECOND and facts.second_class_from is not None
                assert period.start >= max(at_40, facts.second_class_from)
                assert period.end is None or period.end <= at_65
            if facts.died_on is not None and facts.died_on <= until:
                assert period.start <= facts.died_on and period.end is not None
                assert period.end <= facts.died_on + ONE
            last = period.end - ONE if period.end is not None else until
            for day in (period.start, last):
                assert _located(facts, day)
            assert period.loss_reason not in (L.OTHER, L.NATIONALITY_LOST, L.EX_OFFICIO)
            if period.gain_reason == G.OTHER:
                assert any(not s.start_is_move_in for s in facts.residence)
        for before, after in zip(periods, periods[1:]):
            assert before.end is not None and before.end <= after.start  # sorted, never overlapping
            touching = before.end == after.start
            assert touching == (before.loss_reason == C.FIRST_CLASS_REACHED)
            assert touching == (after.gain_reason == C.FIRST_CLASS_REACHED)
            if touching:
                assert (before.insured_class, after.insured_class, after.start) == (SECOND, FIRST, at_65)


def _oracle(facts, until):
    """Day by day, for facts with residence and death only: insured on a day when located, alive
    and 65; periods are the maximal runs of insured days."""
    at_65 = first_class_gain_date(facts.birth_date)
    periods, start = [], None
    day = WINDOW_START - timedelta(days=800)
    while day <= until + ONE:
        insured = (day <= until and _located(facts, day) and day >= at_65
                   and (facts.died_on is None or day <= facts.died_on))
        if insured and start is None:
            start = day
        elif not insured and start is not None:
            periods.append((start, day))
            start = None
        day += ONE
    return periods


@pytest.mark.parametrize("seed", range(2))
def test_generated_simple_facts_match_day_by_day_oracle(seed):
    rng = random.Random(1000 + seed)
    for _ in range(60):
        facts = _facts(rng, simple=True)
        until = _day(rng, 200, WINDOW_DAYS)
        periods = derive_periods(facts, until=until)
        expected = _oracle(facts, until)
        # the oracle cannot see beyond `until`: an open period shows there as ending the day after
        got = [(p.start, p.end if p.end is not None and p.end <= until else until + ONE) for p in periods]
        assert got == expected
        assert all(p.insured_class == FIRST for p in periods)


@pytest.mark.parametrize(("day", "years", "expected"), [
    pytest.param(date(2026, 5, 10), 65, date(1961, 5, 10), id="ordinary"),
    pytest.param(date(2024, 2, 29), 65, date(1959, 2, 28), id="29-february-to-common-year"),
    pytest.param(date(2024, 2, 29), 4, date(2020, 2, 29), id="29-february-to-leap-year"),
])
def test_years_before(day, years, expected):
    assert rules.years_before(day, years) == expected


@pytest.mark.parametrize(("month", "bounds", "following"), [
    pytest.param("2026-02", (date(2026, 2, 1), date(2026, 2, 28)), date(2026, 3, 1), id="february"),
    pytest.param("2028-02", (date(2028, 2, 1), date(2028, 2, 29)), date(2028, 3, 1), id="leap-february"),
    pytest.param("2026-12", (date(2026, 12, 1), date(2026, 12, 31)), date(2027, 1, 1), id="december"),
])
def test_month_bounds_and_next_month_start(month, bounds, following):
    assert rules.month_bounds(month) == bounds
    assert rules.next_month_start(bounds[1]) == following == rules.next_month_start(bounds[0])
