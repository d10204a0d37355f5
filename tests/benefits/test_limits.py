"""Facility cost limits on PostgreSQL: an application received (the declared figures kept as
given), decided by a named staff member from premiums' tax facts and the household of the day
(certified with its stage and validity, or refused in Japanese), who may do which (role and ward in
the services), every refusal listed with nothing written, the change trail, the person page, the
給付 tab's summary and the certificate PDF. The rule's own cases: test_limits_rules.py."""

from __future__ import annotations

from datetime import date

import pytest

from benefits.limits.models import LimitApplication
from benefits.limits.selectors import certificate_pdf, limits_page, limits_summary_for
from benefits.limits.services import LimitEntry, LimitInvalid, limit_apply, limit_decide
from benefits.rules.limits import Refusal, Service, Stage
from benefits.trail import LimitApplicationEvent
from kaigo.errors import InvalidState, NotPermitted
from kaigo.staff.roles import Organisation, Role
from tests.certification.factories import make_certification, make_insured
from tests.premiums.factories import make_tax_fact

pytestmark = pytest.mark.django_db

FY = 2026
TODAY = date(2026, 11, 20)
RECEIVED = date(2026, 11, 10)  # valid 2026-11-01 .. 2027-07-31, 年度 2026 facts, 80.9万 in force


def non_taxed(resident, pension=700_000, **values):
    return make_tax_fact(resident, FY, self_taxed=False, household_taxed=False, total_income=0,
                         taxable_pension_income=pension, **values)


def entry(**over) -> LimitEntry:
    values = {"received_on": RECEIVED, "service": Service.WELFARE, "assets": 6_500_000, "non_taxed_pensions": 109_000}
    values.update(over)
    return LimitEntry(**values)


@pytest.fixture
def staff(make_staff):
    return {"clerk": make_staff(Role.WARD_CLERK, organisation=Organisation.NAKAHARA),
            "decider": make_staff(Role.SECTION_CHIEF), "cert": make_staff(Role.CERTIFICATION_CLERK)}


def certified(staff, **over):
    person = make_insured(**over)
    make_certification(person, valid_from=date(2026, 4, 1), valid_to=date(2027, 3, 31), actor=staff["cert"])
    return person


def test_an_application_decided_second_stage_with_its_validity_and_the_facts_it_read(staff):
    person = certified(staff)
    fact = non_taxed(person)  # 70万 + 非課税年金 10.9万 = 80.9万 → 第2段階; 650万 at the limit
    app = limit_apply(actor=staff["clerk"], resident_id=person.pk, entry=entry(), today=TODAY)
    assert (app.received_by, app.assets, app.decided_at) == (staff["clerk"], 6_500_000, None)
    app = limit_decide(actor=staff["decider"], application_id=app.pk, today=TODAY)
    app.refresh_from_db()
    assert (app.stage, app.refusal, app.valid_from, app.valid_to) == (
        Stage.SECOND, "", date(2026, 11, 1), date(2027, 7, 31))
    assert (app.decided_by, app.income_figure, app.asset_limit, app.tax_year) == (staff["decider"], 809_000,
                                                                                  6_500_000, 2026)
    assert app.tax_fact_ids == [fact.pk]
    assert list(LimitApplicationEvent.objects.filter(pgh_obj_id=app.pk).values_list("pgh_label", flat=True)
                .order_by("pgh_id")) == ["insert", "update"]
    with pytest.raises(InvalidState):
        limit_decide(actor=staff["decider"], application_id=app.pk, today=TODAY)


def test_one_yen_of_income_or_assets_more_changes_the_outcome(staff):
    a, b = certified(staff), certified(staff)
    non_taxed(a, pension=700_001)
    non_taxed(b)
    third = limit_decide(actor=staff["decider"], today=TODAY, application_id=limit_apply(
        actor=staff["clerk"], resident_id=a.pk, entry=entry(assets=5_500_000), today=TODAY).pk)
    over = limit_decide(actor=staff["decider"], today=TODAY, application_id=limit_apply(
        actor=staff["clerk"], resident_id=b.pk, entry=entry(assets=6_500_001), today=TODAY).pk)
    assert (third.stage, over.stage, over.refusal, over.asset_limit) == (Stage.THIRD_1, "", Refusal.ASSETS_OVER,
                                                                          6_500_000)


def test_refusals_household_taxed_spouse_taxed_not_facility_not_certified(staff):
    household = certified(staff)
    member = make_insured(household_id=household.household_id, relation="child", born=date(1975, 1, 1))
    non_taxed(household)
    make_tax_fact(member, FY, self_taxed=True, household_taxed=True, total_income=3_000_000)
    married = certified(staff)
    spouse = make_insured(born=date(1946, 1, 1))  # another household
    non_taxed(married)
    make_tax_fact(spouse, FY, self_taxed=True, household_taxed=True, total_income=2_000_000)
    abroad, group, uncertified = certified(staff), certified(staff), make_insured()
    for p in (abroad, group, uncertified):
        non_taxed(p)
    cases = [
        (household, entry(), Refusal.HOUSEHOLD_TAXED),
        (married, entry(has_spouse=True, spouse_id=spouse.pk, spouse_assets=0), Refusal.SPOUSE_TAXED),
        (abroad, entry(has_spouse=True, spouse_taxed_declared=True, spouse_assets=0), Refusal.SPOUSE_TAXED),
        (group, entry(service=Service.GROUP_HOME), Refusal.NOT_FACILITY),
        (uncertified, entry(), Refusal.NOT_CERTIFIED),
    ]
    for person, e, refusal in cases:
        app = limit_decide(actor=staff["decider"], today=TODAY, application_id=limit_apply(
            actor=staff["clerk"], resident_id=person.pk, entry=e, today=TODAY).pk)
        assert (app.stage, app.refusal, app.valid_from) == ("", refusal, None), refusal
    page = limits_page(actor=staff["decider"], request=None, resident_id=married.pk, today=TODAY)
    assert page.rows[0].outcome_label == "却下"
    assert "配偶者に市町村民税が課税されている" in page.rows[0].refusal_label


def test_every_problem_is_listed_and_nothing_is_written(staff):
    person = certified(staff)
    bad = entry(received_on=date(2026, 12, 1), service="", assets=None, has_spouse=True, spouse_assets=-1,
                renewal=True)
    with pytest.raises(LimitInvalid) as refused:
        limit_apply(actor=staff["clerk"], resident_id=person.pk, entry=bad, today=TODAY)
    assert refused.value.problems == [
        "受付日に未来の日付は入力できません。",
        "利用するサービスを選んでください。",
        "本人の預貯金等の額を円単位の数字で入力してください（申請書に記入された額）。",
        "配偶者の預貯金等の額は0円以上で入力してください。",
        "配偶者が市外に住んでいる場合は、配偶者の課税の有無（課税証明書等）を入力してください。",
        "更新申請（8月1日からの認定）は6月・7月に受け付けてください。",
    ]
    assert not LimitApplication.objects.filter(resident_id=person.pk).exists()


def test_a_decision_without_the_tax_facts_of_the_year_is_refused(staff):
    person = certified(staff)
    app = limit_apply(actor=staff["clerk"], resident_id=person.pk, entry=entry(), today=TODAY)
    with pytest.raises(LimitInvalid) as refused:
        limit_decide(actor=staff["decider"], application_id=app.pk, today=TODAY)
    assert refused.value.problems == ["本人の2026年度の課税情報が登録されていません。課税状況を確認してから決定してください。"]
    app.refresh_from_db()
    assert app.decided_at is None


@pytest.mark.parametrize(("role", "organisation", "what"), [
    (Role.WARD_CLERK, Organisation.TAMA, "apply"),  # another ward
    (Role.INQUIRY, Organisation.NAKAHARA, "apply"),  # sees, never writes
    (Role.WARD_CLERK, Organisation.NAKAHARA, "decide"),  # takes, does not decide
])
def test_who_may_not(make_staff, staff, role, organisation, what):
    person = certified(staff)
    non_taxed(person)
    actor = make_staff(role, organisation=organisation)
    if what == "apply":
        with pytest.raises(NotPermitted):
            limit_apply(actor=actor, resident_id=person.pk, entry=entry(), today=TODAY)
        assert not LimitApplication.objects.filter(resident_id=person.pk).exists()
    else:
        app = limit_apply(actor=staff["clerk"], resident_id=person.pk, entry=entry(), today=TODAY)
        with pytest.raises(NotPermitted):
            limit_decide(actor=actor, application_id=app.pk, today=TODAY)
        app.refresh_from_db()
        assert app.decided_at is None


def test_a_renewal_from_august_ends_nothing_a_new_certification_ends_the_earlier(staff):
    person = certified(staff)
    non_taxed(person)
    first = limit_decide(actor=staff["decider"], today=TODAY, application_id=limit_apply(
        actor=staff["clerk"], resident_id=person.pk, entry=entry(received_on=date(2026, 8, 20)), today=TODAY).pk)
    assert (first.valid_from, first.valid_to) == (date(2026, 8, 1), date(2027, 7, 31))
    second = limit_decide(actor=staff["decider"], today=TODAY, application_id=limit_apply(
        actor=staff["clerk"], resident_id=person.pk, entry=entry(assets=100), today=TODAY).pk)
    first.refresh_from_db()
    assert (first.valid_to, second.valid_from) == (date(2026, 10, 31), date(2026, 11, 1))
    summary = limits_summary_for(actor=staff["clerk"], request=None, resident=person, today=TODAY)
    assert (summary.in_force.pk, summary.pending) == (second.pk, 0)
    assert summary.status_label.startswith("第2段階")


def test_the_certificate_is_a_pdf_and_a_refused_one_has_none(staff):
    person = certified(staff)
    non_taxed(person)
    app = limit_decide(actor=staff["decider"], today=TODAY, application_id=limit_apply(
        actor=staff["clerk"], resident_id=person.pk, entry=entry(), today=TODAY).pk)
    pdf = certificate_pdf(actor=staff["clerk"], request=None, resident_id=person.pk, application_id=app.pk, today=TODAY)
    assert pdf.startswith(b"%PDF")
    page = limits_page(actor=staff["clerk"], request=None, resident_id=person.pk, today=TODAY)
    assert page.in_force.pk == app.pk and ("食費（施設）", 390) in page.daily
