"""The levy (賦課) against real PostgreSQL: one revision per person and year with the stage and the
facts that decided it, the prorated amount, the collection method and the installments; re-runs
levy nobody twice; a crash inside a chunk leaves nothing."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import transaction
from django.utils import timezone

from eligibility.models import QualificationPeriod
from premiums.levy import services as levy_module
from premiums.levy.selectors import levy_candidates
from premiums.levy.services import main_levy_chunk, provisional_levy_chunk
from premiums.models import Levy, LevyInstallment, LevySource
from premiums.rules.codes import CollectionMethod, CollectionReason, StageReason
from tests.eligibility.factories import make_elderly
from tests.premiums.factories import make_pension_fact, make_tax_fact

pytestmark = pytest.mark.django_db

FY = 2026
ALL = {"lo": 0, "hi": 10**12}


def levy_of(resident) -> Levy:
    return Levy.objects.get(resident=resident, fiscal_year=FY, recorded_to__isnull=True)


def installments_of(levy: Levy) -> list[tuple]:
    return list(levy.installments.order_by("month", "method").values_list("method", "kind", "month", "due_date",
                                                                          "amount"))


def test_a_whole_year_by_bills_at_stage_4():
    person = make_elderly()
    fact = make_tax_fact(person, FY, household_taxed=True, total_income=0, taxable_pension_income=700_000)

    result = main_levy_chunk(fiscal_year=FY, **ALL)

    assert (result.levied, result.skipped, result.errors) == (1, 0, [])
    levy = levy_of(person)
    assert (levy.stage, levy.stage_reason, levy.tax_fact_id) == (4, StageReason.SELF_EXEMPT, fact.pk)
    assert (levy.annual_amount, levy.months, levy.amount, levy.first_month) == (70_200, 12, 70_200, date(FY, 4, 1))
    assert (levy.collection_method, levy.collection_reason) == (CollectionMethod.BILLING, CollectionReason.NOT_LISTED)
    assert (levy.revision, levy.source) == (1, LevySource.MAIN)
    rows = installments_of(levy)
    assert [r[2] for r in rows] == [date(FY, m, 1) for m in range(7, 13)] + [date(FY + 1, m, 1) for m in (1, 2, 3, 4)]
    assert sum(r[4] for r in rows) == 70_200
    assert rows[0][4] == 7_200 and {r[4] for r in rows[1:]} == {7_000}  # 100円 units, remainder in 第1期
    # 納期限: the last day of the month, December the 25th, moved past closed days
    assert rows[0][3] == date(FY, 7, 31)
    assert rows[5][3] == date(FY, 12, 25)
    assert rows[2][3] == date(FY, 9, 30)
    assert rows[9][3] == date(FY + 1, 4, 30)
    assert rows[8][3] == date(FY + 1, 3, 31)
    assert rows[6][3] == date(FY + 1, 2, 1)  # 31 January 2027 is a Sunday


def test_a_gain_at_65_in_september_levies_seven_months_with_bills_from_the_gain():
    person = make_elderly(birth_date=date(1961, 9, 15))  # gains on 2026-09-14
    make_tax_fact(person, FY, self_taxed=True, household_taxed=True, total_income=1_000_000)

    main_levy_chunk(fiscal_year=FY, **ALL)

    levy = levy_of(person)
    assert (levy.stage, levy.months, levy.first_month) == (6, 7, date(FY, 9, 1))
    assert levy.annual_amount == 93_600 and levy.amount == 54_600  # DOMAIN 2.6's example
    rows = installments_of(levy)
    assert rows[0][2] == date(FY, 9, 1) and sum(r[4] for r in rows) == 54_600


def test_a_pension_deducted_last_february_continues_from_april_at_that_amount():
    person = make_elderly()
    make_tax_fact(person, FY, household_taxed=False, total_income=0, taxable_pension_income=1_000_000)
    pension = make_pension_fact(person, FY, listed_in=date(FY, 5, 1))
    last_year = make_tax_fact(person, FY - 1, household_taxed=False, total_income=0, taxable_pension_income=1_000_000)
    main_levy_chunk(fiscal_year=FY - 1, **ALL)
    # last year's levy as a correction left it: a second revision with February's deduction 6,000
    previous = Levy.objects.get(resident=person, fiscal_year=FY - 1)
    Levy.objects.filter(pk=previous.pk).update(recorded_to=timezone.now())
    previous.pk, previous.revision, previous.recorded_to = None, 2, None
    previous.february_deduction, previous.amount = 6_000, 37_800
    previous.save()
    assert last_year.pk

    main_levy_chunk(fiscal_year=FY, **ALL)

    levy = levy_of(person)
    assert (levy.stage, levy.amount) == (2, 37_830)  # 78,000 × 0.485 = 37,830
    assert (levy.collection_method, levy.collection_reason) == (CollectionMethod.PENSION_DEDUCTION,
                                                                CollectionReason.CONTINUING)
    assert (levy.pension_fact_id, levy.provisional_amount, levy.pension_from) == (pension.pk, 6_000, date(FY, 4, 1))
    rows = installments_of(levy)
    assert [r[2].month for r in rows] == [4, 6, 8, 10, 12, 2]
    assert {r[0] for r in rows} == {CollectionMethod.PENSION_DEDUCTION}
    assert rows[0][4] == 6_000 and sum(r[4] for r in rows) == 37_830
    assert rows[0][3] == date(FY, 4, 15)
    assert levy.february_deduction == rows[-1][4]


def test_a_person_listed_in_may_pays_bills_until_the_deduction_starts_in_october():
    person = make_elderly()
    make_tax_fact(person, FY, self_taxed=True, household_taxed=True, total_income=2_500_000)
    make_pension_fact(person, FY, listed_in=date(FY, 5, 1))

    main_levy_chunk(fiscal_year=FY, **ALL)

    levy = levy_of(person)
    assert levy.stage == 8 and levy.amount == 117_000
    assert (levy.collection_method, levy.pension_from) == (CollectionMethod.BOTH, date(FY, 10, 1))
    rows = installments_of(levy)
    bills = [r for r in rows if r[0] == CollectionMethod.BILLING]
    deductions = [r for r in rows if r[0] == CollectionMethod.PENSION_DEDUCTION]
    assert [r[2].month for r in deductions] == [10, 12, 2]
    assert all(r[2] < date(FY, 10, 1) for r in bills)
    assert sum(r[4] for r in rows) == 117_000


def test_no_tax_facts_is_a_record_error_and_nothing_is_written():
    person = make_elderly()

    result = main_levy_chunk(fiscal_year=FY, **ALL)

    assert result.levied == 0
    assert [(e.record_key, e.code) for e in result.errors] == [(str(person.pk), "tax_missing")]
    assert "課税情報" in result.errors[0].message
    assert not Levy.objects.filter(resident=person).exists()


def test_a_rerun_levies_nobody_twice_and_a_provisional_levy_is_superseded_with_its_notice_number():
    first, second = make_elderly(), make_elderly()
    for person in (first, second):
        make_tax_fact(person, FY, household_taxed=True)
    main_levy_chunk(fiscal_year=FY, source=LevySource.PROVISIONAL, **ALL)
    provisional = levy_of(first)

    result = main_levy_chunk(fiscal_year=FY, **ALL)
    again = main_levy_chunk(fiscal_year=FY, **ALL)

    assert (result.levied, result.skipped, again.levied, again.skipped) == (2, 0, 0, 2)
    main = levy_of(first)
    assert (main.revision, main.source, main.notice_number) == (2, LevySource.MAIN, provisional.notice_number)
    provisional.refresh_from_db()
    assert provisional.recorded_to is not None
    assert levy_of(second).notice_number != main.notice_number
    assert Levy.objects.filter(fiscal_year=FY).count() == 4


def test_a_crash_inside_a_chunk_leaves_nothing_and_the_rerun_levies_once(monkeypatch):
    people = [make_elderly() for _ in range(3)]
    for person in people:
        make_tax_fact(person, FY, household_taxed=True)
    real_copy = levy_module.copy_rows
    calls = []

    def crash(*args, **kwargs):
        calls.append(real_copy(*args, **kwargs))
        if len(calls) == 2:
            raise RuntimeError("worker killed")

    monkeypatch.setattr(levy_module, "copy_rows", crash)
    with pytest.raises(RuntimeError), transaction.atomic():
        main_levy_chunk(fiscal_year=FY, **ALL)
    assert not Levy.objects.exists() and not LevyInstallment.objects.exists()

    monkeypatch.setattr(levy_module, "copy_rows", real_copy)
    assert main_levy_chunk(fiscal_year=FY, **ALL).levied == 3
    assert main_levy_chunk(fiscal_year=FY, **ALL).levied == 0
    assert Levy.objects.count() == 3
    assert LevyInstallment.objects.count() == 30


def test_a_person_who_moved_out_before_the_year_is_not_levied():
    person = make_elderly()
    QualificationPeriod.objects.filter(resident=person).update(end=date(FY, 3, 1))
    make_tax_fact(person, FY)
    assert levy_candidates(FY) == []
    assert main_levy_chunk(fiscal_year=FY, **ALL).levied == 0


def test_the_provisional_levy_deducts_last_februarys_amount_and_the_main_levy_supersedes_it():
    continuing, billed = make_elderly(), make_elderly()
    for person in (continuing, billed):
        make_tax_fact(person, FY - 1, household_taxed=True)
    make_pension_fact(continuing, FY - 1, listed_in=date(2024, 11, 1))
    main_levy_chunk(fiscal_year=FY - 1, **ALL)
    february = Levy.objects.get(resident=continuing, fiscal_year=FY - 1).february_deduction
    assert february > 0

    result = provisional_levy_chunk(fiscal_year=FY, **ALL)
    again = provisional_levy_chunk(fiscal_year=FY, **ALL)

    assert (result.levied, again.levied, again.skipped) == (1, 0, 1)
    provisional = levy_of(continuing)
    assert (provisional.source, provisional.amount, provisional.provisional_amount) == (
        LevySource.PROVISIONAL, 3 * february, february)
    assert [(r[2].month, r[4]) for r in installments_of(provisional)] == [(4, february), (6, february), (8, february)]
    assert not Levy.objects.filter(resident=billed, fiscal_year=FY).exists()

    make_tax_fact(continuing, FY, household_taxed=True)
    main_levy_chunk(fiscal_year=FY, **ALL)
    main = levy_of(continuing)
    assert (main.revision, main.source, main.notice_number) == (2, LevySource.MAIN, provisional.notice_number)
    assert [r[4] for r in installments_of(main)][:1] == [february]  # April as deducted


def test_a_levy_revision_never_changes_only_its_closing_is_recorded():
    from django.db import DatabaseError, transaction

    from premiums.models import LevyInstallment

    person = make_elderly()
    make_tax_fact(person, FY, household_taxed=True)
    main_levy_chunk(fiscal_year=FY, **ALL)
    levy = levy_of(person)
    for change in ({"amount": 1}, {"stage": 1}, {"collection_method": "billing"}):
        with pytest.raises(DatabaseError, match="never change") as refused, transaction.atomic():
            Levy.objects.filter(pk=levy.pk).update(**change)
        assert refused.value.__cause__.sqlstate == "42501"
    with pytest.raises(DatabaseError, match="never change"), transaction.atomic():
        LevyInstallment.objects.filter(levy=levy).update(amount=1)
    # closing the current revision is the one change allowed, and only once, and alone
    with pytest.raises(DatabaseError, match="never change"), transaction.atomic():
        Levy.objects.filter(pk=levy.pk).update(recorded_to=timezone.now(), amount=1)
    Levy.objects.filter(pk=levy.pk).update(recorded_to=timezone.now())
    with pytest.raises(DatabaseError, match="never change"), transaction.atomic():
        Levy.objects.filter(pk=levy.pk).update(recorded_to=None)
    levy.refresh_from_db()
    assert levy.recorded_to is not None and levy.amount == 70_200
