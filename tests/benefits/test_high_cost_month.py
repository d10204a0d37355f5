"""The monthly high-cost care service refund on PostgreSQL (高額介護サービス費, 介護保険法 §51; 施行令
§22の2の2; DOMAIN.md 4.2): the batch over a service month's benefit records, per household as of the
month's last day, with the categories from premiums' tax facts; a repeated run writes nothing; a
late record or a household change writes only the difference; the first application and the
decision by a named staff member. The rule's own cases: test_high_cost.py.

Every expected amount below is worked by hand from the order's steps (DOMAIN.md 4.2): the household's
excess over its cap, allocated by each member's share of the co-payments, each share's fraction of a
yen dropped; a member with the individual cap gets the larger of that share and the excess of their
own co-payment over 15,000."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from django.db import transaction

from benefits.records.models import BenefitRecord, RecordFile
from benefits.refunds.models import HighCostApplication, HighCostDecision, HighCostRefund
from benefits.refunds.services import high_cost_application_receive, high_cost_decide
from eligibility.households.rules import HouseholdMove
from eligibility.households.services import household_moves_record
from kaigo.batches.models import BatchRun
from kaigo.batches.services import batch_run_here, batch_start, chunk_process
from kaigo.errors import InvalidState, NotPermitted, ProblemsError
from kaigo.staff.roles import Organisation, Role
from tests.certification.factories import make_insured
from tests.premiums.factories import make_tax_fact

pytestmark = pytest.mark.django_db

MONTH = date(2026, 10, 1)  # 令和8年10月 (the tax facts of fiscal 2026: August to July)
_files = itertools.count(1)
_providers = itertools.count(1)


def person(kind: str, *, household=None):
    """A first-class insured person with the tax facts of ``kind``: taxed (課税, 課税所得 150万),
    exempt (非課税, 年金収入 100万 > 80.9万), low (非課税, 年金収入 70万 ≤ 80.9万: individual cap),
    assistance (生活保護)."""
    resident = make_insured(household_id=household) if household else make_insured()
    facts = {
        "taxed": dict(self_taxed=True, household_taxed=True, total_income=1_500_000, taxable_pension_income=0),
        "exempt": dict(taxable_pension_income=1_000_000),
        "low": dict(taxable_pension_income=700_000),
        "assistance": dict(taxable_pension_income=0, public_assistance=True),
    }[kind]
    make_tax_fact(resident, 2026, **facts)
    return resident


def records(*pairs, month=MONTH):
    """One federation file holding a record per (resident, co-payment) pair (1割: cost = 10 × co-payment)."""
    n = next(_files)
    file = RecordFile.objects.create(month=date(2026, 11, 1), sha256=f"{n:064d}", file_name=f"records{n}.csv")
    return [BenefitRecord.objects.create(
        file=file, line_no=i + 1, resident=resident, provider_number=f"14{next(_providers):08d}",
        service_month=month, service_type="11", route="in_kind", units=copay, unit_price=1000,
        total_cost=copay * 10, benefit_rate=90, insurer_amount=copay * 9, public_amount=0, copayment=copay,
        level="22") for i, (resident, copay) in enumerate(pairs)]


@pytest.fixture
def city(make_staff):
    p = {}
    p["single"] = person("taxed")  # 50,000 in two records: 50,000 - 44,400 = 5,600
    p["under"] = person("taxed")  # 30,000 ≤ 44,400: nothing
    p["pair1"] = person("exempt")
    p["pair2"] = person("exempt", household=p["pair1"].household_id)
    # 30,001 - 24,600 = 5,401: 5,401 × 20,000 / 30,001 = 3,600.5… → 3,600; × 10,001 / 30,001 = 1,800.4… → 1,800
    # (the residue of 1 yen is not paid)
    p["low"] = person("low")  # alone: 20,000 < 24,600, but individual: 20,000 - 15,000 = 5,000
    p["mixed_low"] = person("low")
    p["mixed"] = person("exempt", household=p["mixed_low"].household_id)
    # 22,000 + 8,000 - 24,600 = 5,400: shares 3,960 and 1,440; the low member: max(3,960, 22,000 - 15,000) = 7,000
    p["assistance"] = person("assistance")  # 18,000 - 15,000 = 3,000 (no household cap)
    p["mover"] = person("taxed")  # joins "host"'s household on 10/15: 30,000 + 30,000 - 44,400 = 15,600 → 7,800 each
    p["host"] = person("taxed")  # (alone, each would get nothing)
    p["late"] = person("taxed")  # 40,000 alone: nothing (joins "single"'s household late in one test)
    with transaction.atomic():
        household_moves_record([HouseholdMove(p["mover"].pk, p["host"].household_id, date(2026, 10, 15),
                                              cause="household_change", key="t-mover")])
    recs = records((p["single"], 30_000), (p["single"], 20_000), (p["under"], 30_000), (p["pair1"], 20_000),
                   (p["pair2"], 10_001), (p["low"], 20_000), (p["mixed_low"], 22_000), (p["mixed"], 8_000),
                   (p["assistance"], 18_000), (p["mover"], 30_000), (p["host"], 30_000), (p["late"], 40_000))
    records((p["single"], 99_000), month=date(2026, 9, 1))  # another month: not counted
    return {"p": p, "records": recs, "operator": make_staff(Role.OPERATOR),
            "head": make_staff(Role.HEAD_OFFICE_CLERK),
            "ward": make_staff(Role.WARD_CLERK, organisation=Organisation.NAKAHARA)}


EXPECTED = {"single": 5_600, "pair1": 3_600, "pair2": 1_800, "low": 5_000, "mixed_low": 7_000, "mixed": 1_440,
            "assistance": 3_000, "mover": 7_800, "host": 7_800}


def month_run(city, *, confirmed=False) -> BatchRun:
    if not confirmed:
        return batch_run_here(kind="benefits.high_cost_month", params={"service_month": MONTH.isoformat()},
                              actor=city["operator"], origin=BatchRun.Origin.COMMAND)
    run = batch_start(kind="benefits.high_cost_month", params={"service_month": MONTH.isoformat()},
                      actor=city["operator"], origin=BatchRun.Origin.COMMAND, dispatch=False, confirmed=True)
    for chunk_id in run.chunks.order_by("seq").values_list("pk", flat=True):
        chunk_process(chunk_id)
    run.refresh_from_db()
    return run


def due(city) -> dict[str, int]:
    """Each person's refund due (the sum of their lines' differences), by the fixture's names."""
    names = {r.pk: name for name, r in city["p"].items()}
    totals: dict[str, int] = {}
    for line in HighCostRefund.objects.filter(service_month=MONTH):
        totals[names[line.resident_id]] = totals.get(names[line.resident_id], 0) + line.difference
    return {k: v for k, v in totals.items() if v}


def lines(city) -> list[tuple]:
    return list(HighCostRefund.objects.order_by("pk").values_list("resident_id", "seq", "amount", "difference"))


def test_the_months_refunds_by_household(city):
    run = month_run(city)
    assert (run.status, run.succeeded, run.failed) == (BatchRun.Status.SUCCEEDED, 11, 0)
    assert due(city) == EXPECTED
    p = city["p"]
    # traceable: the records, the household's members with records, the category and the cap
    single = HighCostRefund.objects.get(resident=p["single"])
    assert sorted(single.record_ids) == sorted(r.pk for r in city["records"] if r.resident_id == p["single"].pk)
    assert (single.copayment, single.household_total, single.household_cap, single.category) == (
        50_000, 50_000, 44_400, "taxed")
    mover = HighCostRefund.objects.get(resident=p["mover"])
    assert (mover.household_id, sorted(mover.members), mover.household_total) == (
        p["host"].household_id, sorted([p["mover"].pk, p["host"].pk]), 60_000)
    assert HighCostRefund.objects.get(resident=p["mixed_low"]).category == "exempt_low"
    assert HighCostRefund.objects.get(resident=p["assistance"]).household_cap is None


def test_a_second_run_of_the_month_changes_nothing(city):
    month_run(city)
    before = lines(city)
    second = month_run(city, confirmed=True)
    assert (second.status, second.succeeded) == (BatchRun.Status.SUCCEEDED, 11)
    assert lines(city) == before
    assert due(city) == EXPECTED


def test_a_late_record_writes_only_the_difference(city):
    month_run(city)
    before = lines(city)
    late = records((city["p"]["single"], 10_000))  # 60,000 - 44,400 = 15,600: 10,000 more
    month_run(city, confirmed=True)
    added = lines(city)[len(before):]
    assert lines(city)[:len(before)] == before
    assert added == [(city["p"]["single"].pk, 2, 15_600, 10_000)]
    assert late[0].pk in HighCostRefund.objects.get(resident=city["p"]["single"], seq=2).record_ids
    assert due(city) == {**EXPECTED, "single": 15_600}


def test_a_household_change_after_the_run_writes_only_the_difference(city):
    month_run(city)
    p = city["p"]
    with transaction.atomic():  # reported late: "late" joined "single"'s household on 10/20
        household_moves_record([HouseholdMove(p["late"].pk, p["single"].household_id, date(2026, 10, 20),
                                              cause="household_change", key="t-late")])
    month_run(city, confirmed=True)
    # 50,000 + 40,000 - 44,400 = 45,600: × 50,000 / 90,000 = 25,333.3… → 25,333; × 40,000 / 90,000 = 20,266.6… → 20,266
    assert due(city) == {**EXPECTED, "single": 25_333, "late": 20_266}
    assert list(HighCostRefund.objects.filter(resident=p["single"]).order_by("seq")
                .values_list("difference", flat=True)) == [5_600, 19_733]


def test_the_first_application_and_the_decision(city):
    month_run(city)
    p, head, ward = city["p"], city["head"], city["ward"]
    high_cost_application_receive(actor=ward, resident_id=p["single"].pk, received_on=date(2026, 12, 1),
                                  first_month=MONTH, today=date(2026, 12, 8))
    with pytest.raises(ProblemsError) as twice:
        high_cost_application_receive(actor=ward, resident_id=p["single"].pk, received_on=date(2026, 12, 2),
                                      first_month=MONTH, today=date(2026, 12, 8))
    assert "受付済み" in twice.value.message
    with pytest.raises(ProblemsError) as future:
        high_cost_application_receive(actor=ward, resident_id=p["low"].pk, received_on=date(2026, 12, 9),
                                      first_month=MONTH, today=date(2026, 12, 8))
    assert "受付日" in future.value.message
    with pytest.raises(NotPermitted):  # a ward clerk does not decide
        high_cost_decide(actor=ward, month=MONTH, decided_on=date(2026, 12, 8))
    decision = high_cost_decide(actor=head, month=MONTH, decided_on=date(2026, 12, 8))
    assert (decision.decided_by, decision.lines, decision.total) == (head, 1, 5_600)
    waiting = HighCostRefund.objects.filter(service_month=MONTH, decision__isnull=True)
    assert waiting.count() == len(EXPECTED) - 1  # awaiting their first application
    with pytest.raises(InvalidState):
        high_cost_decide(actor=head, month=MONTH, decided_on=date(2026, 12, 8))
    # a late record of an applicant: its difference is decided without a new application
    records((p["single"], 10_000))
    month_run(city, confirmed=True)
    again = high_cost_decide(actor=head, month=MONTH, decided_on=date(2026, 12, 9))
    assert (again.lines, again.total) == (1, 10_000)
    assert HighCostApplication.objects.count() == 1 and HighCostDecision.objects.count() == 2


def test_the_persons_summary_shows_decided_and_waiting_amounts(city, make_staff):
    from benefits.refunds.selectors import high_cost_summary_for

    month_run(city)
    p, head = city["p"], city["head"]
    high_cost_application_receive(actor=head, resident_id=p["single"].pk, received_on=date(2026, 12, 1),
                                  first_month=MONTH, today=date(2026, 12, 8))
    high_cost_decide(actor=head, month=MONTH, decided_on=date(2026, 12, 8))
    records((p["single"], 10_000))
    month_run(city, confirmed=True)
    summary = high_cost_summary_for(actor=city["ward"], request=None, resident=p["single"], today=date(2026, 12, 8))
    assert summary.applied_on == date(2026, 12, 1)
    assert [(m.service_month, m.amount, m.decided, m.waiting) for m in summary.months] == [(MONTH, 15_600, 5_600, 10_000)]
    with pytest.raises(NotPermitted):
        high_cost_summary_for(actor=make_staff(Role.OPERATOR), request=None, resident=p["single"], today=date(2026, 12, 8))


def test_a_household_without_tax_facts_is_left_out_with_an_error(city):
    from kaigo.batches.models import BatchError

    stranger = make_insured()  # no tax facts for fiscal 2026
    records((stranger, 60_000))
    run = month_run(city)
    assert (run.succeeded, run.failed) == (11, 1)
    assert list(BatchError.objects.filter(run=run).values_list("record_key", "code")) == [(str(stranger.pk), "no_tax_facts")]
    assert not HighCostRefund.objects.filter(resident=stranger).exists()
    assert due(city) == EXPECTED
