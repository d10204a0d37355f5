"""Reductions (減免) and the 境界層措置: the month-by-month rule as a table, the application with
its evidence, the section chief's decision (four eyes), and the effect on the levy via the
re-levy queue."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from kaigo.errors import NotPermitted
from kaigo.staff.roles import Organisation, Role
from premiums.levy.services import main_levy_chunk, relevy_chunk
from premiums.models import Levy, LevyPending, ReductionStatus
from premiums.reductions.services import (
    ReductionApplication,
    ReductionInvalid,
    reduction_apply,
    reduction_decide,
)
from premiums.rules.codes import RoundingMode
from premiums.rules.reduction import ReductionGrant, reduced_amount
from premiums.rules.tables import Rounding
from tests.eligibility.factories import make_elderly
from tests.premiums.factories import make_tax_fact

YEN = Rounding(1, RoundingMode.DOWN)
FY = 2026
MONTHS = [(2026, m) for m in range(4, 13)] + [(2027, m) for m in (1, 2, 3)]
STAGE_AMOUNTS = {1: 22_230, 4: 70_200, 6: 93_600}


@pytest.mark.parametrize("grants,months,amount,exemption", [
    ([], MONTHS, 93_600, 0),
    ([ReductionGrant("拘禁", (2026, 10), (2026, 12), Decimal(1))], MONTHS, 70_200, 23_400),  # 3 months exempt
    ([ReductionGrant("災害", (2026, 4), (2027, 3), Decimal("0.5"))], MONTHS, 46_800, 46_800),  # half all year
    ([ReductionGrant("災害", (2026, 4), (2027, 3), Decimal("0.5"))], MONTHS[5:], 27_300, 27_300),  # only 7 owed
    ([ReductionGrant("境界層", (2026, 4), (2027, 3), stage=1)], MONTHS, 22_230, 71_370),
    ([ReductionGrant("境界層", (2027, 1), (2027, 3), stage=4)], MONTHS, 87_750, 5_850),  # 9 × 7,800 + 3 × 5,850
    ([ReductionGrant("災害", (2026, 4), (2026, 4), Decimal("0.333"))], MONTHS, 91_002, 2_598),  # 7,800 × 0.333 = 2,597.4
])
def test_reduced_amount(grants, months, amount, exemption):
    unreduced = 93_600 * len(months) // 12
    result = reduced_amount(93_600, months, grants, rounding=YEN, unreduced=unreduced,
                            annual_of_stage=STAGE_AMOUNTS.__getitem__)
    assert (result.amount, result.exemption) == (amount, exemption)
    assert bool(result.steps) == bool(grants)


@pytest.fixture
def people(db, make_staff):
    person = make_elderly()
    make_tax_fact(person, FY, self_taxed=True, household_taxed=True, total_income=1_000_000)  # stage 6: 93,600
    main_levy_chunk(fiscal_year=FY, lo=0, hi=10**12)
    return person, make_staff(Role.WARD_CLERK), make_staff(Role.SECTION_CHIEF)


def apply(person, clerk, **values):
    data = dict(fiscal_year=FY, kind="detention", applied_on=date(2026, 9, 1), first_month=date(2026, 10, 1),
                last_month=date(2026, 12, 1), evidence=("detention_certificate",))
    data.update(values)
    return reduction_apply(actor=clerk, resident_id=person.pk, application=ReductionApplication(**data))


@pytest.mark.django_db
def test_an_approved_exemption_lowers_the_levy_from_its_months(people):
    person, clerk, chief = people
    reduction = apply(person, clerk)
    with pytest.raises(NotPermitted):  # the clerk takes the application; the section chief decides
        reduction_decide(actor=clerk, reduction_id=reduction.pk, approve=True, rate=Decimal(1))

    reduction_decide(actor=chief, reduction_id=reduction.pk, approve=True, rate=Decimal(1))
    assert LevyPending.objects.filter(resident=person, causes=["reduction"]).exists()
    relevy_chunk(fiscal_year=FY, lo=0, hi=10**12, business_date=date(2026, 9, 15))

    levy = Levy.objects.get(resident=person, fiscal_year=FY, recorded_to__isnull=True)
    assert (levy.revision, levy.amount, levy.exemption, levy.cause) == (2, 70_200, 23_400, "reduction")
    assert sum(levy.installments.values_list("amount", flat=True)) - levy.overpaid == 70_200


@pytest.mark.django_db
def test_the_borderline_measure_applies_a_lower_stage(people):
    person, clerk, chief = people
    reduction = apply(person, clerk, kind="borderline", first_month=date(2026, 4, 1), last_month=date(2027, 3, 1),
                      evidence=("borderline_certificate",))
    with pytest.raises(ReductionInvalid, match="低い段階"):
        reduction_decide(actor=chief, reduction_id=reduction.pk, approve=True, stage=7)
    reduction_decide(actor=chief, reduction_id=reduction.pk, approve=True, stage=1)
    relevy_chunk(fiscal_year=FY, lo=0, hi=10**12, business_date=date(2026, 6, 15))
    levy = Levy.objects.get(resident=person, fiscal_year=FY, recorded_to__isnull=True)
    assert (levy.stage, levy.amount, levy.exemption) == (6, 22_230, 71_370)


@pytest.mark.django_db
@pytest.mark.parametrize("values,message", [
    ({"evidence": ()}, "在監（拘禁）証明書"),
    ({"first_month": date(2026, 3, 1)}, "2026年4月から2027年3月"),
    ({"first_month": date(2026, 12, 1), "last_month": date(2026, 10, 1)}, "開始月から終了月の順"),
    ({"fiscal_year": 2025}, "賦課されていません"),
    ({"applied_on": date(2099, 1, 1)}, "未来の日付"),
])
def test_an_application_is_validated(people, values, message):
    person, clerk, _ = people
    with pytest.raises(ReductionInvalid, match=message):
        apply(person, clerk, **values)


@pytest.mark.django_db
def test_a_rejection_needs_a_reason_and_changes_nothing(people):
    person, clerk, chief = people
    reduction = apply(person, clerk)
    with pytest.raises(ReductionInvalid, match="却下の理由"):
        reduction_decide(actor=chief, reduction_id=reduction.pk, approve=False)
    decided = reduction_decide(actor=chief, reduction_id=reduction.pk, approve=False, rejection_reason="拘禁の事実が確認できない")
    assert decided.status == ReductionStatus.REJECTED and decided.decided_by == chief
    assert not LevyPending.objects.exists()
    with pytest.raises(ReductionInvalid, match="決定済み"):
        reduction_decide(actor=chief, reduction_id=reduction.pk, approve=True, rate=Decimal(1))


@pytest.mark.django_db
def test_the_screens_take_an_application_and_the_chief_decides_it(client_as, make_staff):
    from kaigo.staff.roles import Role as R

    person = make_elderly()
    make_tax_fact(person, FY, self_taxed=True, household_taxed=True, total_income=1_000_000)
    main_levy_chunk(fiscal_year=FY, lo=0, hi=10**12)
    clerk = client_as(R.WARD_CLERK)
    url = f"/persons/{person.pk}/premiums/reduction/"
    bad = clerk.post(url, {"fiscal_year": FY, "kind": "detention", "applied_on": "2026-09-01",
                           "first_month": "2026-10-01", "last_month": "2026-12-01"})
    assert bad.status_code == 400 and "在監（拘禁）証明書" in bad.content.decode()
    ok = clerk.post(url, {"fiscal_year": FY, "kind": "detention", "applied_on": "2026-09-01",
                          "first_month": "2026-10-01", "last_month": "2026-12-01",
                          "evidence": ["detention_certificate"]})
    assert ok.status_code == 302
    reduction = __import__("premiums.models").models.Reduction.objects.get()

    assert clerk.get("/premiums/reductions/").status_code == 403
    chief = client_as(R.SECTION_CHIEF)
    page = chief.get("/premiums/reductions/").content.decode()
    assert "刑事施設等への拘禁による免除" in page and str(person.pk) in page
    p = f"reduction-{reduction.pk}-"  # each application's form has its own prefix
    refused = chief.post("/premiums/reductions/", {"reduction": reduction.pk, p + "decision": "approve"})
    assert refused.status_code == 400 and "減免の割合" in refused.content.decode()
    decision = {"reduction": reduction.pk, p + "decision": "approve", p + "rate": "1"}
    asked = chief.post("/premiums/reductions/", decision)  # the confirmation page: nothing decided yet
    assert asked.status_code == 200 and "減免の決定の確認" in asked.content.decode()
    reduction.refresh_from_db()
    assert reduction.status == ReductionStatus.APPLIED
    assert chief.post("/premiums/reductions/", {**decision, "confirm": "1"}).status_code == 302
    reduction.refresh_from_db()
    assert reduction.status == ReductionStatus.APPROVED


@pytest.mark.django_db
def test_who_takes_an_application_may_not_decide_it_even_holding_the_chiefs_role(people, make_staff):
    person, _, _ = people
    both = make_staff(Role.WARD_CLERK, Role.SECTION_CHIEF)
    reduction = apply(person, both)
    with pytest.raises(ReductionInvalid, match="受け付けた職員"):
        reduction_decide(actor=both, reduction_id=reduction.pk, approve=True, rate=Decimal(1))


@pytest.mark.django_db
def test_a_ward_office_takes_applications_of_its_own_wards_residents_only(people, make_staff):
    """Issue 17 item 3: the ward scope is checked by the service itself (the resident lives in 中原区)."""
    person, _, chief = people
    with pytest.raises(NotPermitted):
        apply(person, make_staff(Role.WARD_CLERK, organisation=Organisation.ASAO))
    with pytest.raises(NotPermitted):
        apply(person, make_staff(Role.INQUIRY))
    reduction = apply(person, make_staff(Role.WARD_CLERK, organisation=Organisation.NAKAHARA))
    assert reduction.status == ReductionStatus.APPLIED
    with pytest.raises(NotPermitted):  # a chief's role at a ward office decides for that ward only
        reduction_decide(actor=make_staff(Role.SECTION_CHIEF, organisation=Organisation.ASAO),
                         reduction_id=reduction.pk, approve=True, rate=Decimal(1))
    reduction_decide(actor=chief, reduction_id=reduction.pk, approve=True, rate=Decimal(1))
