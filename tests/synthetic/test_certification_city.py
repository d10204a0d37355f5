"""The synthetic city's certifications (synthetic/certification.py): about one in five aged 65+
certified, levels spread as the national shares, chained histories each with its decided case,
validities running out in the next 60 days, open cases at every stage with key dates in the
order of the process; the same seed gives the same rows."""

from __future__ import annotations

import hashlib
import itertools
from collections import Counter
from datetime import date, timedelta

import pytest
from django.db import connection
from django.db.models import Max, Min

from certification.cases.models import Case, CaseEvent
from certification.decisions.models import Certification
from certification.rules.cases import OPEN_STATES, CaseKind, CaseState
from eligibility.models import Resident
from eligibility.qualification.rules import age_reached_on
from synthetic.certification import (
    CHUNK_IDS,
    LEVEL_SHARES,
    candidates,
    certification_generate,
    chunk_plans,
    validity_end,
)
from synthetic.city import generate

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 7)
# more open cases than the city's realistic share (0.05 of the certified), so that a small city has
# enough of them at every stage, past day 30 with and without a notice
OPEN_SHARE = 0.25
ORDER = ("survey_requested_on", "assessed_on", "board_on", "decided_on", "notified_on")


@pytest.fixture
def city():
    generate(residents=8_000, seed=3, as_of=date(2026, 4, 1))
    return certification_generate(seed=3, today=TODAY, open_share=OPEN_SHARE)


def _digest() -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.number, c.resident_id, c.kind, c.state, c.applied_on, c.surveyed_on, c.opinion_received_on,"
            " c.assessed_on, c.primary_level, c.board_on, c.decided_on, c.postponed_on, n.level, n.valid_from,"
            " n.valid_to, n.ended_on FROM certification_case c LEFT JOIN certification_certification n"
            " ON n.case_id = c.id ORDER BY c.resident_id, c.applied_on")
        return hashlib.sha256(repr(cursor.fetchall()).encode()).hexdigest()


def test_worked_validity_ends():
    # 施行規則 第38条/第41条: from the first of a month, to the end of the month N-1 later; from a later
    # day, to the end of that month plus N months
    assert validity_end(date(2026, 4, 1), 12) == date(2027, 3, 31)
    assert validity_end(date(2026, 4, 15), 6) == date(2026, 10, 31)
    assert validity_end(date(2026, 12, 20), 12) == date(2027, 12, 31)


def test_about_one_in_five_aged_65_certified_with_the_national_spread_of_levels(city):
    aged = sum(1 for born in Resident.objects.filter(status="resident").values_list("birth_date", flat=True)
               if age_reached_on(born, 65) <= TODAY)
    in_force = Certification.objects.filter(valid_from__lte=TODAY, valid_to__gte=TODAY, ended_on__isnull=True)
    persons = set(in_force.values_list("resident_id", flat=True))
    first_class = in_force.filter(case__second_class=False).values_list("resident_id", flat=True).distinct()
    share = len(set(first_class)) / aged
    assert 0.16 <= share <= 0.24, (share, aged)
    levels = Counter(in_force.values_list("level", flat=True))
    total = sum(levels.values())
    for level, expected in LEVEL_SHARES:  # within three standard errors of a sample of this size
        assert abs(levels[level] / total - expected) < 3 * (expected * (1 - expected) / total) ** 0.5 + 0.005, (
            level, levels[level] / total)
    assert Case.objects.filter(second_class=True).exclude(specified_disease="").exists()
    assert not Case.objects.filter(second_class=True, specified_disease="").exists()
    assert len(persons) == in_force.count()  # one certification in force per person


def test_histories_are_chained_each_certification_with_its_decided_case(city):
    assert city.certifications == Certification.objects.count() > 0
    decided = Case.objects.filter(state=CaseState.DECIDED)
    assert decided.count() == Certification.objects.count()
    assert not Certification.objects.exclude(case__state=CaseState.DECIDED).exists()
    chained = 0
    by_person: dict[int, list[Certification]] = {}
    for cert in Certification.objects.select_related("case").order_by("resident_id", "valid_from"):
        by_person.setdefault(cert.resident_id, []).append(cert)
    for certs in by_person.values():
        assert certs[0].case.kind == CaseKind.NEW and certs[0].case.previous_id is None
        assert certs[0].valid_from == certs[0].case.applied_on  # 法 §27: effect from the application
        for before, after in itertools.pairwise(certs):
            chained += 1
            assert after.case.previous_id == before.pk
            if after.case.kind == CaseKind.RENEWAL:  # 法 §28: the day after the last validity
                assert after.valid_from == before.valid_to + timedelta(days=1)
                assert before.valid_to - timedelta(days=60) <= after.case.applied_on <= before.valid_to
            else:  # 区分変更: the earlier one ends the day before
                assert after.case.kind == CaseKind.CHANGE and before.ended_on == after.valid_from - timedelta(days=1)
        for cert in certs:
            dates = [getattr(cert.case, name) for name in ORDER]
            assert cert.case.applied_on < dates[0] and dates == sorted(dates) and cert.decided_on <= TODAY
    assert chained > 100  # renewals are common
    # the renewal due list: validities in force ending within 60 days
    expiring = Certification.objects.filter(valid_from__lte=TODAY, valid_to__gte=TODAY,
                                            valid_to__lte=TODAY + timedelta(days=60), ended_on__isnull=True)
    assert expiring.count() > 20


def test_open_cases_at_every_stage_with_dates_of_their_stage(city):
    open_cases = list(Case.objects.filter(state__in=list(OPEN_STATES)))
    assert city.open_cases == len(open_cases)
    assert {c.state for c in open_cases} == set(OPEN_STATES)
    assert {c.kind for c in open_cases} >= {CaseKind.NEW, CaseKind.RENEWAL}
    for c in open_cases:
        assert c.applied_on <= TODAY and c.decided_on is None and c.closed_on is None
        requested = c.survey_requested_on
        if c.state == CaseState.RECEIVED:
            assert requested is None and c.assessed_on is None
        else:
            assert requested is not None and c.applied_on < requested <= TODAY
            assert CaseEvent.objects.filter(case=c, to_state=CaseState.IN_PROGRESS).exists()
        if c.state == CaseState.IN_PROGRESS:
            assert c.surveyed_on is None or c.opinion_received_on is None
            assert c.assessed_on is None
        if c.state in (CaseState.ASSESSED, CaseState.SCHEDULED, CaseState.REVIEWED):
            assert c.surveyed_on <= c.assessed_on <= TODAY and c.opinion_received_on <= c.assessed_on
            assert c.primary_level
        if c.state == CaseState.SCHEDULED:
            assert c.board_on >= TODAY
        if c.state == CaseState.REVIEWED:
            assert c.assessed_on < c.board_on <= TODAY
        if c.postponed_on:
            assert c.postponement_reason and c.expected_by > c.postponed_on and c.postponed_on <= TODAY
        if c.kind == CaseKind.RENEWAL:
            previous = Certification.objects.get(pk=c.previous_id)
            assert previous.valid_to - timedelta(days=60) <= c.applied_on  # 施行規則 第39条
    overdue = [c for c in open_cases if (TODAY - c.applied_on).days > 30]
    assert overdue and any(c.postponed_on for c in overdue) and any(not c.postponed_on for c in overdue)


def test_the_same_seed_gives_the_same_rows_and_a_second_run_adds_nothing(city):
    """Each person's rows are a function of the seed, the person and the day (chunk_plans, pure):
    planned again from the same residents they are what was written; another seed plans another
    city; a second run writes nothing (everyone certified has their cases)."""
    first = _digest()
    again = certification_generate(seed=3, today=TODAY, open_share=OPEN_SHARE)
    assert again.cases == 0 and _digest() == first
    lo, hi = Resident.objects.aggregate(lo=Min("id"), hi=Max("id")).values()

    def planned_with(seed):
        plans = []
        for chunk in range(lo // CHUNK_IDS, hi // CHUNK_IDS + 1):  # as the step plans them: by chunk of ids
            rows = candidates(chunk * CHUNK_IDS, (chunk + 1) * CHUNK_IDS, TODAY, without_cases=False)
            plans += chunk_plans(rows, seed=seed, today=TODAY, chunk=chunk, open_share=OPEN_SHARE)[0]
        return plans

    plans = planned_with(3)
    assert planned_with(3) == plans
    planned = sorted((pid, s.kind, s.state, s.applied_on, s.level, s.valid_from, s.valid_to, s.dates.get("decided_on"))
                     for pid, _, steps in plans for s in steps)
    written = sorted(Case.objects.values_list("resident_id", "kind", "state", "applied_on", "certification__level",
                                              "certification__valid_from", "certification__valid_to", "decided_on"))
    assert planned == written
    assert [p for p, _, _ in planned_with(4)] != [p for p, _, _ in plans]
