"""介護保険法 §11 第1項: when qualification is lost because the address in the city ends.

「当該市町村の区域内に住所を有しなくなった日の翌日から、その資格を喪失する。ただし、当該市町村の
区域内に住所を有しなくなった日に他の市町村の区域内に住所を有するに至ったときは、その日から、
その資格を喪失する。」

So: a 転出 to another municipality in Japan on day D (the registry's 異動日, the day of the new
address there) loses on D; a move abroad (国外転出) on D, death on D, or an end whose destination is
not known, loses on D + 1 (本文). The tables are worked from that text; the premium months follow
from the loss day (取得月 <= 対象月 < 喪失月, DOMAIN 2.6). Pure functions, no database."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from eligibility.codes import GainReason, InsuredClass, LossReason
from eligibility.qualification.rules import (
    Period,
    PersonFacts,
    ResidenceSpell,
    Stay,
    death_loss_date,
    derive_periods,
    first_class_gain_date,
    move_in_gain_date,
    move_out_loss_date,
    premium_months,
    residence_loss_date,
)

D = date
ONE = timedelta(days=1)
G, L = GainReason, LossReason
LATER = D(2030, 1, 1)
BORN = D(1960, 10, 15)  # 65 on 2025-10-14
AT_65 = D(2025, 10, 14)
OLD = D(1955, 6, 10)


def p1(start, end, gain, loss=None):
    return Period(InsuredClass.FIRST, start, end, gain, loss)


def p2(start, end, gain, loss=None):
    return Period(InsuredClass.SECOND, start, end, gain, loss)


def out(end, *, start=None, domestic=True, move_in=True):
    """A residence spell ending on ``end``: to another municipality in Japan (domestic) or not."""
    return ResidenceSpell(start, end, start_is_move_in=move_in, to_other_municipality=domestic)


# --- the loss day of one event -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "day", "loss"),
    [
        # ただし書: an address in another municipality from the same day -> that day
        pytest.param("domestic", D(2026, 5, 31), D(2026, 5, 31), id="domestic-31-may-loses-31-may"),
        pytest.param("domestic", D(2026, 6, 1), D(2026, 6, 1), id="domestic-1-june-loses-1-june"),
        pytest.param("domestic", D(2027, 3, 31), D(2027, 3, 31), id="domestic-last-day-of-fiscal-year"),
        pytest.param("domestic", D(2028, 2, 29), D(2028, 2, 29), id="domestic-leap-day"),
        # 本文: the day after
        pytest.param("abroad", D(2026, 5, 31), D(2026, 6, 1), id="abroad-31-may-loses-1-june"),
        pytest.param("abroad", D(2026, 12, 31), D(2027, 1, 1), id="abroad-new-year"),
        pytest.param("abroad", D(2028, 2, 28), D(2028, 2, 29), id="abroad-leap-day-after"),
        pytest.param("death", D(2026, 5, 31), D(2026, 6, 1), id="death-31-may-loses-1-june"),
        pytest.param("death", D(2026, 5, 30), D(2026, 5, 31), id="death-30-may-loses-31-may"),
        pytest.param("unknown", D(2026, 5, 31), D(2026, 6, 1), id="destination-not-known-main-rule"),
    ],
)
def test_loss_day_of_one_event(event, day, loss):
    if event == "domestic":
        assert move_out_loss_date(day, abroad=False) == loss
        assert residence_loss_date(day, to_other_municipality=True) == loss
    elif event == "abroad":
        assert move_out_loss_date(day, abroad=True) == loss
    elif event == "death":
        assert death_loss_date(day) == loss
    else:
        assert residence_loss_date(day, to_other_municipality=False) == loss


# --- derive_periods with the destination ---------------------------------------------------------

CASES = [
    pytest.param(PersonFacts(BORN, (out(D(2027, 5, 31)),)), [p1(AT_65, D(2027, 5, 31), G.AGE_65, L.MOVE_OUT)],
                 id="domestic-move-out-loses-that-day"),
    pytest.param(PersonFacts(BORN, (out(D(2027, 5, 31), domestic=False),)),
                 [p1(AT_65, D(2027, 6, 1), G.AGE_65, L.MOVE_OUT)], id="abroad-loses-next-day"),
    pytest.param(PersonFacts(BORN, (ResidenceSpell(None, None),), died_on=D(2027, 5, 31)),
                 [p1(AT_65, D(2027, 6, 1), G.AGE_65, L.DEATH)], id="death-loses-next-day"),
    # on the 65 date: gained and lost the same day, so never insured here (the new city insures)
    pytest.param(PersonFacts(BORN, (out(AT_65),)), [], id="domestic-move-out-on-65-date-never-insured-here"),
    pytest.param(PersonFacts(BORN, (out(AT_65, domestic=False),)), [p1(AT_65, D(2025, 10, 15), G.AGE_65, L.MOVE_OUT)],
                 id="abroad-on-65-date-one-day"),
    pytest.param(PersonFacts(BORN, (out(D(2025, 10, 15)),)), [p1(AT_65, D(2025, 10, 15), G.AGE_65, L.MOVE_OUT)],
                 id="domestic-move-out-day-after-65-date-one-day"),
    # moving in and on the same day
    pytest.param(PersonFacts(OLD, (out(D(2026, 7, 1), start=D(2026, 7, 1)),)), [],
                 id="in-and-on-to-another-municipality-same-day-nothing"),
    pytest.param(PersonFacts(OLD, (out(D(2026, 7, 1), start=D(2026, 7, 1), domestic=False),)),
                 [p1(D(2026, 7, 1), D(2026, 7, 2), G.MOVE_IN, L.MOVE_OUT)], id="in-and-abroad-same-day-one-day"),
    # moving back
    pytest.param(PersonFacts(BORN, (out(D(2027, 3, 10)), ResidenceSpell(D(2027, 3, 10), None))),
                 [p1(AT_65, None, G.AGE_65)], id="domestic-out-and-back-same-day-continuous"),
    pytest.param(PersonFacts(BORN, (out(D(2027, 3, 10)), ResidenceSpell(D(2027, 3, 11), None))),
                 [p1(AT_65, D(2027, 3, 10), G.AGE_65, L.MOVE_OUT), p1(D(2027, 3, 11), None, G.MOVE_IN)],
                 id="domestic-out-back-next-day-one-day-elsewhere"),
    pytest.param(PersonFacts(BORN, (out(D(2027, 3, 10), domestic=False), ResidenceSpell(D(2027, 3, 11), None))),
                 [p1(AT_65, None, G.AGE_65)], id="abroad-back-next-day-continuous"),
    # death and a move-out the same day
    pytest.param(PersonFacts(BORN, (out(D(2027, 5, 31)),), died_on=D(2027, 5, 31)),
                 [p1(AT_65, D(2027, 5, 31), G.AGE_65, L.MOVE_OUT)], id="domestic-move-out-and-death-same-day"),
    pytest.param(PersonFacts(BORN, (out(D(2027, 5, 31), domestic=False),), died_on=D(2027, 5, 31)),
                 [p1(AT_65, D(2027, 6, 1), G.AGE_65, L.DEATH)], id="abroad-and-death-same-day-death-wins"),
    # our insured moving into a special-address facility elsewhere (住所地特例, 法 §13)
    pytest.param(PersonFacts(BORN, (out(D(2027, 3, 31)),), self_special=(Stay(D(2027, 3, 31), None),)),
                 [p1(AT_65, None, G.AGE_65)], id="domestic-into-facility-stays-ours"),
    pytest.param(PersonFacts(BORN, (out(D(2027, 3, 31)),), self_special=(Stay(D(2027, 4, 1), None),)),
                 [p1(AT_65, None, G.AGE_65)], id="domestic-into-facility-stay-from-next-day-stays-ours"),
    pytest.param(PersonFacts(BORN, (out(D(2027, 3, 31)),), self_special=(Stay(D(2027, 4, 2), None),)),
                 [p1(AT_65, D(2027, 3, 31), G.AGE_65, L.MOVE_OUT)], id="domestic-stay-not-adjacent-ignored"),
    pytest.param(PersonFacts(BORN, (out(D(2027, 3, 31)), ResidenceSpell(D(2028, 1, 15), None)),
                             self_special=(Stay(D(2027, 3, 31), D(2028, 1, 15)),)),
                 [p1(AT_65, None, G.AGE_65)], id="domestic-into-facility-and-back"),
    # second class (第2号)
    pytest.param(PersonFacts(BORN, (out(D(2022, 1, 31)),), second_class_from=D(2020, 6, 1)),
                 [p2(D(2020, 6, 1), D(2022, 1, 31), G.SECOND_CLASS_APPLICATION, L.MOVE_OUT)],
                 id="second-class-domestic-move-out"),
    # an exemption facility left the day before a domestic move-out: no one-day period
    pytest.param(PersonFacts(BORN, (out(D(2027, 8, 21)),), exemption_stays=(Stay(D(2027, 2, 1), D(2027, 8, 20)),)),
                 [p1(AT_65, D(2027, 2, 2), G.AGE_65, L.EXEMPTION)], id="exemption-left-then-domestic-next-day"),
]


@pytest.mark.parametrize(("facts", "expected"), CASES)
def test_derive_periods_with_destination(facts, expected):
    assert derive_periods(facts, until=LATER) == expected


@pytest.mark.parametrize(
    ("facts", "until", "expected"),
    [
        pytest.param(PersonFacts(BORN, (out(D(2027, 5, 31)),)), D(2027, 5, 30), [p1(AT_65, None, G.AGE_65)],
                     id="domestic-tomorrow-still-open"),
        pytest.param(PersonFacts(BORN, (out(D(2027, 5, 31)),)), D(2027, 5, 31),
                     [p1(AT_65, D(2027, 5, 31), G.AGE_65, L.MOVE_OUT)], id="domestic-today-ends-today"),
        pytest.param(PersonFacts(BORN, (out(D(2027, 5, 31), domestic=False),)), D(2027, 5, 31),
                     [p1(AT_65, D(2027, 6, 1), G.AGE_65, L.MOVE_OUT)], id="abroad-today-ends-tomorrow"),
    ],
)
def test_until_cut_off_with_destination(facts, until, expected):
    assert derive_periods(facts, until=until) == expected


# --- premium months (取得月 <= 対象月 < 喪失月) ------------------------------------------------------

SINCE = D(2020, 1, 1)
FY2026 = [(2026, m) for m in range(4, 13)] + [(2027, m) for m in range(1, 4)]


@pytest.mark.parametrize(
    ("start", "event", "day", "months"),
    [
        # the move on the last day of a month: the month is the new municipality's, not ours
        pytest.param(SINCE, "domestic", D(2026, 5, 31), FY2026[:1], id="domestic-31-may-through-april"),
        pytest.param(SINCE, "abroad", D(2026, 5, 31), FY2026[:2], id="abroad-31-may-through-may"),
        pytest.param(SINCE, "death", D(2026, 5, 31), FY2026[:2], id="death-31-may-through-may"),
        pytest.param(SINCE, "domestic", D(2026, 6, 1), FY2026[:2], id="domestic-1-june-through-may"),
        pytest.param(SINCE, "domestic", D(2026, 6, 15), FY2026[:2], id="domestic-mid-june-through-may"),
        pytest.param(SINCE, "abroad", D(2026, 6, 15), FY2026[:2], id="abroad-mid-june-through-may"),
        pytest.param(SINCE, "domestic", D(2027, 3, 31), FY2026[:11], id="domestic-31-march-through-february"),
        pytest.param(SINCE, "abroad", D(2027, 3, 31), FY2026, id="abroad-31-march-whole-year"),
        pytest.param(SINCE, "domestic", D(2026, 4, 1), [], id="domestic-1-april-nothing"),
        pytest.param(SINCE, "abroad", D(2026, 4, 1), [], id="abroad-1-april-loses-2-april-nothing"),
        pytest.param(SINCE, "domestic", D(2026, 4, 30), [], id="domestic-30-april-nothing"),
        pytest.param(SINCE, "abroad", D(2026, 4, 30), FY2026[:1], id="abroad-30-april-april"),
        # a gain in the same month as the loss: no month (DOMAIN 2.6)
        pytest.param(move_in_gain_date(D(2026, 4, 10)), "domestic", D(2026, 4, 30), [],
                     id="moved-in-and-on-within-april-nothing"),
        pytest.param(move_in_gain_date(D(2026, 4, 10)), "abroad", D(2026, 4, 30), FY2026[:1],
                     id="moved-in-april-abroad-30-april-april"),
        pytest.param(first_class_gain_date(D(1961, 6, 15)), "domestic", D(2026, 6, 30), [],
                     id="turned-65-in-june-moved-on-30-june-nothing"),
        pytest.param(first_class_gain_date(D(1961, 6, 15)), "abroad", D(2026, 6, 30), [(2026, 6)],
                     id="turned-65-in-june-abroad-30-june-june"),
        pytest.param(first_class_gain_date(D(1961, 7, 1)), "domestic", D(2026, 7, 1), [(2026, 6)],
                     id="born-1-july-gains-30-june-moves-1-july-june"),
    ],
)
def test_premium_months_after_the_loss(start, event, day, months):
    loss = (death_loss_date(day) if event == "death"
            else move_out_loss_date(day, abroad=event == "abroad"))
    assert premium_months(start, loss, 2026) == months


@pytest.mark.parametrize("seed", range(3))
def test_a_domestic_mover_is_charged_each_month_by_exactly_one_municipality(seed):
    """The old municipality's period ends on the move day D (§11 ただし書), the new one's starts on D
    (§10 転入): every month of the year belongs to exactly one of them, whatever D. With a loss on
    D + 1 a move on the last day of a month would be charged twice."""
    rng = random.Random(seed)
    for _ in range(200):
        moved = D(2026, 4, 1) + timedelta(days=rng.randint(0, 364))
        old = premium_months(SINCE, move_out_loss_date(moved, abroad=False), 2026)
        new = premium_months(move_in_gain_date(moved), None, 2026)
        assert not set(old) & set(new)
        assert sorted(old + new) == FY2026
        twice = premium_months(SINCE, moved + ONE, 2026)  # the day after: the old reading
        if (moved + ONE).day == 1:
            assert set(twice) & set(new) == {(moved.year, moved.month)}


# --- generated facts: the day-by-day reading of §11 ----------------------------------------------

WINDOW_START, WINDOW_DAYS = D(2023, 1, 1), 5 * 365


def _facts(rng):
    birth = D(1956, 1, 1) + timedelta(days=rng.randint(0, 8 * 365))
    spells, cursor = [], None if rng.random() < 0.5 else WINDOW_START + timedelta(days=rng.randint(0, 400))
    for _ in range(rng.randint(1, 3)):
        end = None if rng.random() < 0.3 else (cursor or WINDOW_START) + timedelta(days=rng.randint(0, 500))
        spells.append(ResidenceSpell(cursor, end, to_other_municipality=end is not None and rng.random() < 0.6))
        if end is None:
            break
        cursor = end + timedelta(days=rng.choice([0, 1, 2, 30, 200]))
    died = WINDOW_START + timedelta(days=rng.randint(0, WINDOW_DAYS)) if rng.random() < 0.3 else None
    return PersonFacts(birth, tuple(spells), died_on=died)


def _insured_by_the_law(facts, day):
    """§11 day by day: insured here on ``day`` while an address here lasts; the day the address
    ends is still insured unless the person has an address in another municipality from it."""
    def here(s):
        if s.start is not None and day < s.start:
            return False
        if s.end is None or day < s.end:
            return True
        return day == s.end and not s.to_other_municipality

    return (any(here(s) for s in facts.residence) and day >= first_class_gain_date(facts.birth_date)
            and (facts.died_on is None or day <= facts.died_on))


@pytest.mark.parametrize("seed", range(2))
def test_generated_facts_match_the_law_day_by_day(seed):
    rng = random.Random(2000 + seed)
    for _ in range(60):
        facts = _facts(rng)
        periods = derive_periods(facts, until=LATER)
        day = WINDOW_START - timedelta(days=800)
        while day <= WINDOW_START + timedelta(days=WINDOW_DAYS + 700):
            insured = any(p.start <= day and (p.end is None or day < p.end) for p in periods)
            assert insured == _insured_by_the_law(facts, day), (facts, day)
            day += ONE
