"""Household history (issue 19 item 2): the moves of the registry as dated memberships, and the
as-of answers. The rule is a table of moves (join, leave, split, merge, death) and the members on
given days; one run through the registry intake and the public selectors on PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest

from eligibility.households import selectors
from eligibility.households.models import HouseholdMembership
from eligibility.households.rules import (
    HouseholdMove,
    Stretch,
    household_of_on,
    members_on,
    moves_apply,
)
from eligibility.households.services import household_history_backfill
from eligibility.intake import services as intake
from kaigo.outbox.models import OutboxEvent
from tests.eligibility.factories import (
    make_elderly,
    make_resident,
    registry_file,
    registry_line,
)

D = date


def run(moves: list[tuple[int, int | None, date, str]], start: dict[int, int]) -> list[Stretch]:
    """Every stretch after ``moves`` from persons ``start`` (person -> household, since before the records)."""
    open_ = {p: Stretch(p, h, None, start_cause="backfill", pk=i + 1) for i, (p, h) in enumerate(start.items())}
    stored = {s.pk: s for s in open_.values()}
    result = moves_apply(open_, [HouseholdMove(p, h, d, c) for p, h, d, c in moves])
    for pk in result.deleted:
        del stored[pk]
    return [*stored.values(), *result.new]


# Persons 1, 2, 3 live in household 10 since before the records; 4 in household 20.
START = {1: 10, 2: 10, 3: 10, 4: 20}
MOVES_CASES = [
    # (id, moves, household, day, members that day)
    ("nothing-moved", [], 10, D(2026, 1, 1), [1, 2, 3]),
    ("join:a-newcomer-belongs-from-the-day", [(5, 10, D(2026, 4, 1), "move_in")], 10, D(2026, 4, 1), [1, 2, 3, 5]),
    ("join:not-the-day-before", [(5, 10, D(2026, 4, 1), "move_in")], 10, D(2026, 3, 31), [1, 2, 3]),
    ("leave:move-out-day-is-no-longer-a-member", [(3, None, D(2026, 5, 10), "move_out")], 10, D(2026, 5, 10), [1, 2]),
    ("leave:the-day-before-still-a-member", [(3, None, D(2026, 5, 10), "move_out")], 10, D(2026, 5, 9), [1, 2, 3]),
    ("death:the-death-day-ends-membership", [(2, None, D(2026, 6, 1), "death")], 10, D(2026, 6, 1), [1, 3]),
    ("split:2-and-3-form-household-30", [(2, 30, D(2026, 7, 1), "household_change"),
                                          (3, 30, D(2026, 7, 1), "household_change")], 10, D(2026, 7, 1), [1]),
    ("split:the-new-household", [(2, 30, D(2026, 7, 1), "household_change"),
                                 (3, 30, D(2026, 7, 1), "household_change")], 30, D(2026, 7, 1), [2, 3]),
    ("split:before-the-split-all-together", [(2, 30, D(2026, 7, 1), "household_change")], 10, D(2026, 6, 30),
     [1, 2, 3]),
    ("merge:4-joins-10", [(4, 10, D(2026, 8, 1), "household_change")], 10, D(2026, 8, 1), [1, 2, 3, 4]),
    ("merge:20-empty-after", [(4, 10, D(2026, 8, 1), "household_change")], 20, D(2026, 8, 1), []),
    ("merge:20-before", [(4, 10, D(2026, 8, 1), "household_change")], 20, D(2026, 7, 31), [4]),
    ("back-and-forth:split-then-rejoin", [(2, 30, D(2026, 7, 1), "household_change"),
                                          (2, 10, D(2026, 9, 1), "household_change")], 10, D(2026, 8, 15), [1, 3]),
    ("back-and-forth:rejoined", [(2, 30, D(2026, 7, 1), "household_change"),
                                 (2, 10, D(2026, 9, 1), "household_change")], 10, D(2026, 9, 1), [1, 2, 3]),
    ("same-day-second-change-corrects", [(5, 10, D(2026, 4, 1), "move_in"),
                                         (5, 20, D(2026, 4, 1), "household_change")], 10, D(2026, 4, 1), [1, 2, 3]),
    ("same-day-second-change-new-household", [(5, 10, D(2026, 4, 1), "move_in"),
                                              (5, 20, D(2026, 4, 1), "household_change")], 20, D(2026, 4, 1), [4, 5]),
    ("moved-in-and-out-the-same-day-never-a-member", [(5, 10, D(2026, 4, 1), "move_in"),
                                                       (5, None, D(2026, 4, 1), "move_out")], 10, D(2026, 4, 1),
     [1, 2, 3]),
    ("move-to-own-household-changes-nothing", [(1, 10, D(2026, 4, 1), "household_change")], 10, D(2026, 1, 1),
     [1, 2, 3]),
]


@pytest.mark.parametrize(("moves", "household", "day", "members"), [c[1:] for c in MOVES_CASES],
                         ids=[c[0] for c in MOVES_CASES])
def test_members_on_a_day_after_the_moves(moves, household, day, members):
    assert members_on(run(moves, START), household, day) == members


def test_a_persons_household_by_day_and_the_causes_kept():
    stretches = run([(2, 30, D(2026, 7, 1), "household_change"), (2, None, D(2026, 10, 1), "death")], START)
    assert [household_of_on(stretches, 2, d) for d in (D(2026, 6, 30), D(2026, 7, 1), D(2026, 9, 30),
                                                         D(2026, 10, 1))] == [10, 30, 30, None]
    assert sorted((s.household_id, s.start, s.end, s.start_cause, s.end_cause) for s in stretches
                  if s.resident_id == 2) == [
        (10, None, D(2026, 7, 1), "backfill", "household_change"),
        (30, D(2026, 7, 1), D(2026, 10, 1), "household_change", "death")]


def test_a_move_to_the_same_household_is_not_applied_and_publishes_nothing():
    result = moves_apply({1: Stretch(1, 10, None, pk=1)}, [HouseholdMove(1, 10, D(2026, 4, 1), "household_change")])
    assert (result.applied, result.new, result.changed) == ([], [], [])


# --- on PostgreSQL: through the registry intake ---------------------------------------------------


def receive_and_apply(*lines, business_date: date):
    received = intake.registry_file_receive(registry_file(*lines), file_name="jyuki.csv", business_date=business_date)
    return intake.apply_chunk(file=received.file, lo=0, hi=10**12, batch_run_id=None, actor_id=None)


@pytest.mark.django_db
def test_the_intake_records_split_and_death_and_the_selectors_answer_as_of():
    head = make_elderly()
    spouse = make_elderly(household_id=head.household_id, relation="spouse")
    child = make_resident(household_id=head.household_id, relation="child", birth_date=D(1985, 2, 1))
    old = head.household_id
    split, died = D(2026, 5, 10), D(2026, 5, 20)
    assert selectors.household_members_on(household_id=old, day=D(2026, 1, 1)) == sorted([head.pk, spouse.pk,
                                                                                          child.pk])

    result = receive_and_apply(
        registry_line(child, kind="C3", effective_on=split.isoformat(), notified_on="2026-05-21", household_id=590_100_001, relation="head"),
        registry_line(spouse, kind="B2", effective_on=died.isoformat(), notified_on="2026-05-21"),
        business_date=D(2026, 5, 22),
    )

    assert (result.applied, result.errors) == (2, []), result
    table = [
        # (day, asked by, members)
        (D(2026, 5, 9), {"resident_id": child.pk}, sorted([head.pk, spouse.pk, child.pk])),
        (split, {"resident_id": child.pk}, [child.pk]),
        (split, {"resident_id": head.pk}, sorted([head.pk, spouse.pk])),
        (D(2026, 5, 19), {"household_id": old}, sorted([head.pk, spouse.pk])),
        (died, {"household_id": old}, [head.pk]),
        (died, {"resident_id": spouse.pk}, []),
    ]
    assert [selectors.household_members_on(day=d, **who) for d, who, _ in table] == [m for _, _, m in table]
    # the first-class members the ratio reads: the two elderly until the death, then the head alone
    assert selectors.first_class_household_members_on([head.pk, child.pk], D(2026, 5, 15)) == {
        head.pk: tuple(sorted([head.pk, spouse.pk])), child.pk: ()}
    assert selectors.first_class_household_members_on([head.pk], died) == {head.pk: (head.pk,)}
    events = OutboxEvent.objects.filter(topic="eligibility.household_changed").order_by("id")
    assert sorted(((e.person_id, e.effective_from, e.payload) for e in events), key=lambda e: e[1]) == [
        (child.pk, split, {"household": 590_100_001, "previous": old, "cause": "household_change"}),
        (spouse.pk, died, {"household": None, "previous": old, "cause": "death"})]


@pytest.mark.django_db
def test_the_backfill_gives_a_resident_without_history_one_open_stretch_once():
    person = make_resident()
    HouseholdMembership.objects.filter(resident=person).delete()
    from django.db import transaction

    with transaction.atomic():
        assert household_history_backfill([person.pk]) == 1
        assert household_history_backfill([person.pk]) == 0
    assert list(HouseholdMembership.objects.filter(resident=person).values_list("household_id", "start", "end",
                                                                                "start_cause")) == [
        (person.household_id, None, None, "backfill")]
