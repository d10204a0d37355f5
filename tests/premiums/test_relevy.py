"""Corrections (更正): a qualification event (also one dated a year back), a tax correction or a
new tax fact puts the person's years on the re-levy queue; the re-levy keeps what is already due,
re-splits the rest, stops pension deductions on a loss or a decrease, and records a revision
only where something changed."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from eligibility.codes import ResidenceStatus
from eligibility.models import Resident
from eligibility.qualification.services import Context, requalify
from kaigo.outbox.services import relay
from premiums.levy.services import levy_pending_add, main_levy_chunk, pension_stop_from_for, relevy_chunk
from premiums.models import Levy, LevyPending, LevySource, TaxFact
from premiums.rules.codes import CollectionMethod
from tests.eligibility.factories import make_elderly
from tests.premiums.factories import make_pension_fact, make_tax_fact

pytestmark = pytest.mark.django_db

FY = 2026
ALL = {"lo": 0, "hi": 10**12}
BUSINESS_DAY = date(2026, 11, 26)


def current(person, fiscal_year=FY) -> Levy:
    return Levy.objects.get(resident=person, fiscal_year=fiscal_year, recorded_to__isnull=True)


def rows(levy: Levy) -> list[tuple]:
    return list(levy.installments.order_by("month", "method").values_list("method", "month", "amount"))


def die(person, on: date) -> None:
    Resident.objects.filter(pk=person.pk).update(status=ResidenceStatus.DECEASED, died_on=on)
    requalify([person.pk], until=on, context=Context(source="notification", event_key=f"death:{person.pk}"))
    relay()


def test_pension_stop_lead():
    assert [pension_stop_from_for(d) for d in (date(2026, 11, 26), date(2026, 10, 1), date(2027, 1, 5))] == [
        (2027, 2), (2026, 12), (2027, 4)]


def test_a_death_in_september_keeps_the_bills_already_due_and_records_the_overpayment():
    person = make_elderly()
    make_tax_fact(person, FY, household_taxed=True)  # stage 4: 70,200 by 10 bills from July
    main_levy_chunk(fiscal_year=FY, **ALL)
    first = current(person)

    die(person, date(2026, 9, 10))  # loss on 9/11: April to August owed = 5 months

    assert LevyPending.objects.filter(resident=person, fiscal_year=FY, processed_at__isnull=True).exists()
    result = relevy_chunk(fiscal_year=FY, business_date=BUSINESS_DAY, **ALL)
    assert (result.levied, result.errors) == (1, [])
    levy = current(person)
    assert (levy.revision, levy.source, levy.cause, levy.notice_number) == (2, LevySource.RELEVY, "qualification",
                                                                            first.notice_number)
    assert (levy.months, levy.amount) == (5, 29_250)
    # July to November were due before the correction: kept (7,200 + 4 × 7,000); nothing billed after
    assert [r[1].month for r in rows(levy)] == [7, 8, 9, 10, 11]
    assert levy.overpaid == 35_200 - 29_250
    assert not LevyPending.objects.filter(processed_at__isnull=True).exists()


def test_a_correction_dated_a_year_back_corrects_both_years():
    person = make_elderly()
    for year in (FY - 1, FY):
        make_tax_fact(person, year, household_taxed=True)
        main_levy_chunk(fiscal_year=year, **ALL)

    die(person, date(2025, 12, 20))  # recorded now, dated in the previous fiscal year

    assert set(LevyPending.objects.values_list("fiscal_year", flat=True)) == {FY - 1, FY}
    for year in (FY - 1, FY):
        assert relevy_chunk(fiscal_year=year, business_date=BUSINESS_DAY, **ALL).levied == 1
    last_year, this_year = current(person, FY - 1), current(person, FY)
    assert (last_year.months, last_year.amount) == (8, 46_800)  # April to November 2025 (loss month December)
    assert last_year.overpaid == 70_200 - 46_800  # every bill of last year was due
    assert (this_year.months, this_year.amount) == (0, 0)
    assert this_year.overpaid == 35_200 and [r[1].month for r in rows(this_year)] == [7, 8, 9, 10, 11]


def test_a_tax_correction_raising_the_stage_bills_the_difference_and_keeps_the_deductions():
    person = make_elderly()
    fact = make_tax_fact(person, FY, household_taxed=False, taxable_pension_income=1_000_000)  # stage 2
    make_pension_fact(person, FY, listed_in=date(2025, 11, 1))  # deducted from April
    main_levy_chunk(fiscal_year=FY, **ALL)
    before = current(person)
    assert before.collection_method == CollectionMethod.PENSION_DEDUCTION

    TaxFact.objects.filter(pk=fact.pk).update(recorded_to=timezone.now())
    make_tax_fact(person, FY, correction=True, self_taxed=True, household_taxed=True, total_income=1_500_000)
    levy_pending_add([(person.pk, FY, date(FY, 4, 1), "tax")])
    relevy_chunk(fiscal_year=FY, business_date=BUSINESS_DAY, **ALL)

    after = current(person)
    assert (after.stage, after.amount, after.cause) == (7, 101_400, "tax")
    deductions = [r for r in rows(after) if r[0] == CollectionMethod.PENSION_DEDUCTION]
    bills = [r for r in rows(after) if r[0] == CollectionMethod.BILLING]
    assert deductions == [r for r in rows(before)]  # an increase: the deductions go on (併徴)
    assert bills and all(r[1] >= date(2026, 12, 1) for r in bills)
    assert sum(r[2] for r in rows(after)) == 101_400
    assert after.collection_method == CollectionMethod.BOTH


def test_a_decrease_stops_the_pension_deductions_the_stop_still_reaches():
    person = make_elderly()
    fact = make_tax_fact(person, FY, self_taxed=True, household_taxed=True, total_income=1_500_000)  # stage 7
    make_pension_fact(person, FY, listed_in=date(2025, 11, 1))
    main_levy_chunk(fiscal_year=FY, **ALL)

    TaxFact.objects.filter(pk=fact.pk).update(recorded_to=timezone.now())
    make_tax_fact(person, FY, correction=True, household_taxed=False, taxable_pension_income=1_000_000)
    levy_pending_add([(person.pk, FY, date(FY, 4, 1), "tax")])
    relevy_chunk(fiscal_year=FY, business_date=BUSINESS_DAY, **ALL)

    after = current(person)
    assert after.stage == 2
    months = [r[1] for r in rows(after) if r[0] == CollectionMethod.PENSION_DEDUCTION]
    assert months == [date(2026, m, 1) for m in (4, 6, 8, 10, 12)]  # February 2027 stopped
    assert after.amount == 37_830
    assert after.overpaid == sum(r[2] for r in rows(after)) - 37_830 > 0


def test_nothing_changed_records_no_revision_and_a_late_tax_fact_levies_with_bills_from_next_month():
    unchanged, late = make_elderly(), make_elderly()
    make_tax_fact(unchanged, FY, household_taxed=True)
    main_levy_chunk(fiscal_year=FY, **ALL)
    assert main_levy_chunk(fiscal_year=FY, **ALL).levied == 0
    make_tax_fact(late, FY, household_taxed=True)
    levy_pending_add([(unchanged.pk, FY, date(FY, 4, 1), "staff"), (late.pk, FY, date(FY, 4, 1), "tax")])

    result = relevy_chunk(fiscal_year=FY, business_date=BUSINESS_DAY, **ALL)

    assert (result.levied, result.skipped) == (1, 1)
    assert Levy.objects.filter(resident=unchanged).count() == 1
    levy = current(late)
    assert (levy.revision, levy.amount) == (1, 70_200)
    assert [r[1] for r in rows(levy)] == [date(2026, 12, 1), date(2027, 1, 1), date(2027, 2, 1), date(2027, 3, 1),
                                          date(2027, 4, 1)]


def test_the_queue_keeps_the_earliest_day_and_every_cause():
    person = make_elderly()
    levy_pending_add([(person.pk, FY, date(2026, 9, 1), "tax")])
    levy_pending_add([(person.pk, FY, date(2026, 6, 1), "qualification"), (person.pk, FY, date(2026, 10, 1), "tax")])
    pending = LevyPending.objects.get(resident=person)
    assert (pending.since, pending.causes) == (date(2026, 6, 1), ["qualification", "tax"])


def test_a_person_still_without_tax_facts_stays_queued_with_an_error():
    person = make_elderly()
    levy_pending_add([(person.pk, FY, date(FY, 4, 1), "qualification")])
    result = relevy_chunk(fiscal_year=FY, business_date=BUSINESS_DAY, **ALL)
    assert [e.code for e in result.errors] == ["tax_missing"]
    assert LevyPending.objects.filter(resident=person, processed_at__isnull=True).exists()


def test_a_run_takes_the_queue_as_it_was_when_it_started():
    from datetime import timedelta

    early, late = make_elderly(), make_elderly()
    for person in (early, late):
        make_tax_fact(person, FY, household_taxed=True)
    levy_pending_add([(early.pk, FY, date(FY, 4, 1), "tax")])
    cutoff = timezone.now()
    LevyPending.objects.update(created_at=cutoff - timedelta(seconds=1))
    levy_pending_add([(late.pk, FY, date(FY, 4, 1), "tax")])  # queued while the run works
    LevyPending.objects.filter(resident=late).update(created_at=cutoff + timedelta(seconds=1))

    result = relevy_chunk(fiscal_year=FY, business_date=BUSINESS_DAY, queued_before=cutoff, **ALL)

    assert result.levied == 1
    assert list(LevyPending.objects.filter(processed_at__isnull=True).values_list("resident_id", flat=True)) == [late.pk]


@pytest.mark.parametrize("fiscal_year,deadline", [
    (2024, date(2026, 8, 1)),  # first 期 due 2024-07-31 (a Wednesday)
    (2025, date(2027, 8, 1)),  # 2025-07-31 a Thursday
    (2026, date(2028, 8, 1)),  # 2026-07-31 a Friday
])
def test_the_deadline_of_levy_decisions_is_two_years_after_the_first_due_date(fiscal_year, deadline):
    from premiums.levy.selectors import calculator_for
    from premiums.rules.levy import levy_decision_deadline

    _, calculator = calculator_for(fiscal_year)
    assert levy_decision_deadline(fiscal_year, calculator.plan, calculator.holidays) == deadline


@pytest.mark.parametrize("business_day,raised", [(date(2026, 7, 31), True), (date(2026, 8, 1), False)])
def test_after_the_deadline_a_levy_is_not_raised_nor_first_made(business_day, raised):
    person, late = make_elderly(), make_elderly()
    fact = make_tax_fact(person, 2024, household_taxed=False, taxable_pension_income=1_000_000)  # stage 2
    main_levy_chunk(fiscal_year=2024, **ALL)
    before = current(person, 2024)
    TaxFact.objects.filter(pk=fact.pk).update(recorded_to=timezone.now())
    make_tax_fact(person, 2024, correction=True, self_taxed=True, household_taxed=True, total_income=1_500_000)
    make_tax_fact(late, 2024, household_taxed=True)
    levy_pending_add([(person.pk, 2024, date(2024, 4, 1), "tax"), (late.pk, 2024, date(2024, 4, 1), "tax")])

    result = relevy_chunk(fiscal_year=2024, business_date=business_day, **ALL)

    if raised:
        assert current(person, 2024).amount > before.amount and Levy.objects.filter(resident=late).exists()
        assert not result.errors
    else:
        assert current(person, 2024).pk == before.pk and not Levy.objects.filter(resident=late).exists()
        assert sorted((e.record_key, e.code) for e in result.errors) == sorted(
            [(str(person.pk), "levy_period_expired"), (str(late.pk), "levy_period_expired")])
        assert "第200条の2" in result.errors[0].message
        # the queue rows are closed: waiting cannot make the raise possible
        assert not LevyPending.objects.filter(processed_at__isnull=True).exists()


@pytest.mark.parametrize("business_day,refused", [("2026-07-31", False), ("2026-08-01", True)])
def test_a_main_levy_past_the_years_deadline_is_refused_before_it_starts(business_day, refused):
    from kaigo.batches.models import BatchRun
    from kaigo.batches.services import batch_start
    from premiums.rules.errors import PremiumRuleError

    person = make_elderly()
    make_tax_fact(person, 2024, household_taxed=True)
    params = {"fiscal_year": 2024, "business_date": business_day}
    if not refused:
        run = batch_start(kind="premiums.main_levy", params=params, actor=None, origin=BatchRun.Origin.COMMAND)
        assert (run.total, run.params["business_date"]) == (1, business_day)
        return
    with pytest.raises(PremiumRuleError) as refusal:
        batch_start(kind="premiums.main_levy", params=params, actor=None, origin=BatchRun.Origin.COMMAND)
    assert refusal.value.code == "levy_period_expired"
    assert refusal.value.message == ("2024年度の本算定は、賦課決定の期間制限（介護保険法第200条の2: 最初の納期の翌日から2年）"
                                     "により2026-08-01 から行えません（処理基準日 2026-08-01）。")
    assert not BatchRun.objects.exists() and not Levy.objects.exists()


def test_after_the_deadline_a_levy_may_still_be_lowered():
    person = make_elderly()
    fact = make_tax_fact(person, 2024, self_taxed=True, household_taxed=True, total_income=1_500_000)
    main_levy_chunk(fiscal_year=2024, **ALL)
    before = current(person, 2024)
    TaxFact.objects.filter(pk=fact.pk).update(recorded_to=timezone.now())
    make_tax_fact(person, 2024, correction=True, household_taxed=False, taxable_pension_income=1_000_000)
    levy_pending_add([(person.pk, 2024, date(2024, 4, 1), "tax")])

    result = relevy_chunk(fiscal_year=2024, business_date=date(2026, 9, 1), **ALL)

    after = current(person, 2024)
    assert not result.errors and after.amount < before.amount and after.revision == 2


def test_a_deduction_the_pension_insurer_could_not_make_is_billed_from_next_month():
    from linkage.pension.simulator import PensionIdentity, simulate_results_file
    from premiums.intake.services import pension_results_receive
    from premiums.models import DeductionStop, InboundLineError

    person = make_elderly()
    make_tax_fact(person, FY, household_taxed=True)  # 70,200
    make_pension_fact(person, FY, listed_in=date(2025, 11, 1))  # deducted from April
    main_levy_chunk(fiscal_year=FY, **ALL)
    before = current(person)
    october = next(r for r in rows(before) if r[0] == CollectionMethod.PENSION_DEDUCTION and r[1].month == 10)
    identity = PensionIdentity("010", f"{person.pk:010d}", "1150", "old_age", person.birth_date, person.sex,
                               person.name_kana)
    results = simulate_results_file({identity: october[2]}, month=(FY, 10), seed=1, not_deducted_share=1.0)

    received = pension_results_receive(results.data, file_name="kekka.csv", month=(FY, 10))

    assert InboundLineError.objects.get(file=received.file).code == "not_deducted"
    assert DeductionStop.objects.get(resident=person).month == date(FY, 10, 1)
    assert LevyPending.objects.get(resident=person).causes == ["pension"]
    relevy_chunk(fiscal_year=FY, business_date=date(2026, 10, 20), **ALL)
    after = current(person)
    deductions = [r for r in rows(after) if r[0] == CollectionMethod.PENSION_DEDUCTION]
    bills = [r for r in rows(after) if r[0] == CollectionMethod.BILLING]
    assert [r[1].month for r in deductions] == [4, 6, 8]  # October on: not deducted
    assert bills and all(r[1] >= date(2026, 11, 1) for r in bills)
    assert (after.amount, after.cause, after.collection_method) == (before.amount, "pension", CollectionMethod.BOTH)
    assert sum(r[2] for r in rows(after)) == after.amount
