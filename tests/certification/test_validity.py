"""Validity periods (有効期間) as tables of cases worked by hand from 施行規則 第38条 (新規: the rest of
the month plus 6 months, 3-12; the 1st of a month counts its month), 第41条 (更新: 12 months, 3-36,
3-48 at the same level, from the day after the previous end), 区分変更 (6, 3-12), 法 §27 第8項
(effect from the application date), §30 (職権: from the decision), §36 (carry-over)."""

from __future__ import annotations

from datetime import date

import pytest

from certification.rules.cases import CaseKind
from certification.rules.validity import (
    carry_over_period,
    has_validity,
    months_allowed,
    months_problem,
    validity_end,
    validity_period,
    validity_start,
)

K = CaseKind

# (kind, same level as before, months, allowed?) — every boundary of every range
RANGE_CASES = [
    *[(K.NEW, False, m, ok) for m, ok in ((2, False), (3, True), (6, True), (12, True), (13, False))],
    *[(K.CHANGE, False, m, ok) for m, ok in ((2, False), (3, True), (6, True), (12, True), (13, False))],
    *[(K.INSURER_CHANGE, False, m, ok) for m, ok in ((2, False), (3, True), (12, True), (13, False))],
    # 更新, a different level: 3-36
    *[(K.RENEWAL, False, m, ok) for m, ok in ((2, False), (3, True), (12, True), (13, True), (36, True),
                                             (37, False), (48, False), (49, False))],
    # 更新, the same level as before: 3-48
    *[(K.RENEWAL, True, m, ok) for m, ok in ((2, False), (3, True), (12, True), (36, True), (37, True),
                                            (48, True), (49, False))],
    # the same-level flag changes nothing for a new or a change application
    (K.NEW, True, 13, False), (K.CHANGE, True, 36, False),
]


@pytest.mark.parametrize(("kind", "same", "months", "allowed"), RANGE_CASES)
def test_months_allowed_by_kind_and_level(kind, same, months, allowed):
    assert months_allowed(kind, same_level=same).allows(months) is allowed
    problem = months_problem(kind, months, same_level=same)
    assert (problem is None) is allowed
    if not allowed:
        high = 48 if (kind == K.RENEWAL and same) else 36 if kind == K.RENEWAL else 12
        assert f"3か月から{high}か月まで" in problem


@pytest.mark.parametrize(("kind", "same", "standard"), [
    (K.NEW, False, 6), (K.CHANGE, False, 6), (K.INSURER_CHANGE, False, 6), (K.RENEWAL, False, 12),
    (K.RENEWAL, True, 12)])
def test_standard_months(kind, same, standard):
    assert months_allowed(kind, same_level=same).standard == standard


def test_no_months_is_refused_with_the_range():
    assert "3か月から12か月まで" in months_problem(K.NEW, None)


# (start, months, end): 第38条 第1項 — the rest of the start's month is not counted (第1号 + 第2号);
# 第2項 — from the 1st, the month counts. DOMAIN.md 3.9: 10 May + 6 -> 30 Nov; 1 May + 6 -> 31 Oct.
END_CASES = [
    (date(2026, 5, 10), 6, date(2026, 11, 30)),
    (date(2026, 5, 1), 6, date(2026, 10, 31)),
    (date(2026, 5, 31), 6, date(2026, 11, 30)),  # the last day of the month: one day + 6 months
    (date(2026, 5, 10), 3, date(2026, 8, 31)),
    (date(2026, 5, 1), 3, date(2026, 7, 31)),
    (date(2026, 5, 10), 12, date(2027, 5, 31)),
    (date(2026, 5, 1), 12, date(2027, 4, 30)),
    (date(2026, 11, 15), 3, date(2027, 2, 28)),  # across the year, into a 28-day February
    (date(2027, 11, 15), 3, date(2028, 2, 29)),  # a leap February
    (date(2026, 12, 2), 12, date(2027, 12, 31)),
    # renewals start on the 1st (the day after a month end): 3, 12, 36, 48 months
    (date(2026, 4, 1), 3, date(2026, 6, 30)),
    (date(2026, 4, 1), 12, date(2027, 3, 31)),
    (date(2026, 4, 1), 36, date(2029, 3, 31)),
    (date(2026, 4, 1), 48, date(2030, 3, 31)),
    (date(2026, 3, 1), 12, date(2027, 2, 28)),
    (date(2027, 3, 1), 12, date(2028, 2, 29)),
]


@pytest.mark.parametrize(("start", "months", "end"), END_CASES)
def test_validity_end(start, months, end):
    assert validity_end(start, months) == end


# (kind, applied, decided, previous end, start): 法 §27 第8項 (新規: 申請日), §29 (区分変更: 申請日),
# §28 第10項 (更新: the day after the previous end), §30 (職権: the decision), §36 (転入: 申請日)
START_CASES = [
    (K.NEW, date(2026, 5, 10), date(2026, 6, 5), None, date(2026, 5, 10)),
    (K.CHANGE, date(2026, 5, 10), date(2026, 6, 5), date(2026, 9, 30), date(2026, 5, 10)),
    (K.RENEWAL, date(2026, 8, 10), date(2026, 9, 5), date(2026, 9, 30), date(2026, 10, 1)),
    (K.RENEWAL, date(2027, 1, 5), date(2027, 2, 1), date(2027, 2, 28), date(2027, 3, 1)),
    (K.INSURER_CHANGE, date(2026, 5, 10), date(2026, 6, 5), date(2026, 9, 30), date(2026, 6, 5)),
    (K.CARRY_OVER, date(2026, 5, 10), date(2026, 5, 12), None, date(2026, 5, 10)),
]


@pytest.mark.parametrize(("kind", "applied", "decided", "previous_end", "start"), START_CASES)
def test_validity_start(kind, applied, decided, previous_end, start):
    assert validity_start(kind, applied_on=applied, decided_on=decided, previous_valid_to=previous_end) == start


# whole periods (kind, months, applied, decided, previous end) -> (from, to)
PERIOD_CASES = [
    (K.NEW, 6, date(2026, 5, 10), date(2026, 6, 5), None, date(2026, 5, 10), date(2026, 11, 30)),
    (K.NEW, 12, date(2026, 4, 1), date(2026, 4, 28), None, date(2026, 4, 1), date(2027, 3, 31)),
    (K.CHANGE, 6, date(2026, 7, 20), date(2026, 8, 10), date(2027, 3, 31), date(2026, 7, 20), date(2027, 1, 31)),
    (K.RENEWAL, 12, date(2026, 8, 10), date(2026, 9, 5), date(2026, 9, 30), date(2026, 10, 1), date(2027, 9, 30)),
    (K.RENEWAL, 48, date(2026, 8, 10), date(2026, 9, 5), date(2026, 9, 30), date(2026, 10, 1), date(2030, 9, 30)),
    (K.RENEWAL, 36, date(2026, 8, 10), date(2026, 9, 5), date(2026, 9, 30), date(2026, 10, 1), date(2029, 9, 30)),
    (K.INSURER_CHANGE, 6, date(2026, 5, 10), date(2026, 6, 5), date(2026, 9, 30), date(2026, 6, 5),
     date(2026, 12, 31)),
]


@pytest.mark.parametrize(("kind", "months", "applied", "decided", "previous_end", "valid_from", "valid_to"),
                         PERIOD_CASES)
def test_validity_period(kind, months, applied, decided, previous_end, valid_from, valid_to):
    v = validity_period(kind, months=months, applied_on=applied, decided_on=decided, previous_valid_to=previous_end)
    assert (v.valid_from, v.valid_to, v.months) == (valid_from, valid_to, months)


def test_a_renewal_needs_the_previous_end():
    with pytest.raises(ValueError):
        validity_start(K.RENEWAL, applied_on=date(2026, 5, 1), decided_on=date(2026, 5, 20), previous_valid_to=None)


# 法 §36: from the application to the certificate's end; nothing when that end has passed; 6 months
# (as new) when the certificate shows no end
@pytest.mark.parametrize(("applied", "certificate_end", "expected"), [
    (date(2026, 5, 10), date(2026, 11, 30), (date(2026, 5, 10), date(2026, 11, 30))),
    (date(2026, 5, 10), date(2026, 5, 10), (date(2026, 5, 10), date(2026, 5, 10))),
    (date(2026, 5, 10), date(2026, 5, 9), None),
    (date(2026, 5, 10), None, (date(2026, 5, 10), date(2026, 11, 30))),
])
def test_carry_over_period(applied, certificate_end, expected):
    v = carry_over_period(applied_on=applied, certificate_valid_to=certificate_end)
    assert (None if v is None else (v.valid_from, v.valid_to)) == expected


@pytest.mark.parametrize(("level", "valid"), [("01", False), ("12", True), ("13", True), ("21", True), ("25", True)])
def test_non_applicable_has_no_validity(level, valid):
    assert has_validity(level) is valid
