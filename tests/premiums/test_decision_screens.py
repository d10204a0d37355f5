"""The decision screens (issue 16 item 7): each application on a page has its own element ids (a
label never ticks another application's choice), and an irreversible decision is recorded only
after its confirmation page, which says what will be done (the person masked, the amount, the
effect). Checked by reading the page's HTML as a browser would (tests/html_parse.py)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date

import pytest

from audit.models import AccessLogEntry
from kaigo.staff.roles import Role
from premiums.collection.models import ExemptionStatus, LateChargeExemption
from premiums.collection.services import late_charge_exemption_apply
from premiums.levy.services import main_levy_chunk
from premiums.models import Levy
from premiums.reductions.models import Reduction, ReductionStatus
from premiums.reductions.services import ReductionApplication, reduction_apply
from tests.eligibility.factories import make_elderly
from tests.html_parse import elements
from tests.premiums.factories import make_tax_fact

pytestmark = pytest.mark.django_db
FY = 2026
JULY = date(2026, 7, 1)


@pytest.fixture
def charging(settings, monkeypatch):
    """Late charges from FY2024 at ten times the law's rates (as test_money.py): a bill of this
    size bears a charge within the year, so there is something to exempt."""
    from premiums.arrears import selectors
    from premiums.rules.arrears import LATE_CHARGE_RATES

    settings.KAIGO_LATE_CHARGE_FROM = 2024
    rates = tuple(replace(r, first=r.first * 10, later=r.later * 10) for r in LATE_CHARGE_RATES)
    monkeypatch.setattr(selectors, "ASSUMED_ARREARS_PLAN", replace(selectors.ASSUMED_ARREARS_PLAN,
                                                                   late_charge_rates=rates))


def levied(name: str):
    person = make_elderly(name_kanji=name)
    make_tax_fact(person, FY, self_taxed=True, household_taxed=True, total_income=9_000_000)
    main_levy_chunk(fiscal_year=FY, lo=0, hi=10**12)
    return person


def two_applications(clerk):
    first, second = levied("確認 一郎"), levied("確認 二郎")
    applications = [reduction_apply(actor=clerk, resident_id=p.pk, application=ReductionApplication(
        fiscal_year=FY, kind="detention", applied_on=date(2026, 9, 1), first_month=date(2026, 10, 1),
        last_month=date(2026, 12, 1), evidence=("detention_certificate",))) for p in (first, second)]
    return (first, second), applications


def assert_ids_unique_and_labels_in_their_own_form(html: str, forms: int) -> None:
    """Every id once on the page; every label's ``for`` names an element of the same form."""
    found = elements(html)
    ids = Counter(e.attrs["id"] for e in found if e.attrs.get("id"))
    assert [i for i, n in ids.items() if n > 1] == []
    by_id = {e.attrs["id"]: e for e in found if e.attrs.get("id")}
    labels = [e for e in found if e.tag == "label" and e.attrs.get("for")]
    decision_forms = {id(e.inside("form")) for e in labels if e.inside("form") is not None}
    assert len(decision_forms) >= forms
    for label in labels:
        target = by_id.get(label.attrs["for"])
        assert target is not None, f"label for a missing id {label.attrs['for']!r}"
        assert target.inside("form") is label.inside("form"), f"label {label.attrs['for']!r} points into another form"


def test_two_applications_on_the_reductions_page_have_their_own_ids(client_as, make_staff):
    clerk = make_staff(Role.WARD_CLERK)
    _, (one, two) = two_applications(clerk)
    page = client_as(Role.SECTION_CHIEF).get("/premiums/reductions/").content.decode()
    assert_ids_unique_and_labels_in_their_own_form(page, forms=2)
    radios = [e for e in elements(page) if e.tag == "input" and e.attrs.get("type") == "radio"]
    assert {r.attrs["name"] for r in radios} == {f"reduction-{one.pk}-decision", f"reduction-{two.pk}-decision"}


def test_a_decision_without_confirmation_changes_nothing_and_with_it_is_recorded(client_as, make_staff):
    clerk = make_staff(Role.WARD_CLERK)
    (first, _), (one, two) = two_applications(clerk)
    chief = client_as(Role.SECTION_CHIEF)
    p = f"reduction-{one.pk}-"
    decision = {"reduction": one.pk, p + "decision": "reject", p + "rejection_reason": "拘禁の事実が確認できない"}

    asked = chief.post("/premiums/reductions/", decision)

    assert asked.status_code == 200
    assert Reduction.objects.filter(status=ReductionStatus.APPLIED).count() == 2  # nothing decided
    what = " ".join(e.content for e in elements(asked.content.decode()) if e.attrs.get("id") in (
        "confirm-what", "confirm-effect"))
    levy = Levy.objects.get(resident=first, fiscal_year=FY, recorded_to__isnull=True)
    assert f"宛名番号 {first.pk}（確＊ 一＊）" in what and "確認 一郎" not in asked.content.decode()
    assert f"{levy.amount:,}円" in what and "却下" in what and "拘禁の事実が確認できない" in what
    assert "取り消せません" in what
    assert AccessLogEntry.objects.filter(function="premium.reduction.confirm", person_ids=[first.pk]).exists()
    # the page sends the same fields again, with confirm=1
    hidden = {e.attrs["name"]: e.attrs["value"] for e in elements(asked.content.decode())
              if e.tag == "input" and e.attrs.get("type") == "hidden" and e.attrs["name"] != "csrfmiddlewaretoken"}
    assert hidden == {**{k: str(v) for k, v in decision.items()}, "confirm": "1"}

    assert chief.post("/premiums/reductions/", hidden).status_code == 302
    one.refresh_from_db()
    two.refresh_from_db()
    assert (one.status, one.rejection_reason) == (ReductionStatus.REJECTED, "拘禁の事実が確認できない")
    assert two.status == ReductionStatus.APPLIED  # the other application is untouched


def test_a_rejection_without_its_reason_is_refused_before_the_confirmation(client_as, make_staff):
    clerk = make_staff(Role.WARD_CLERK)
    _, (one, _) = two_applications(clerk)
    refused = client_as(Role.SECTION_CHIEF).post("/premiums/reductions/", {
        "reduction": one.pk, f"reduction-{one.pk}-decision": "reject"})
    assert refused.status_code == 400 and "却下の理由を入力してください。" in refused.content.decode()
    assert "の確認" not in refused.content.decode().split("<title>")[1].split("</title>")[0]


def test_late_charge_exemptions_have_their_own_ids_and_are_confirmed(client_as, make_staff, charging):
    clerk = make_staff(Role.WARD_CLERK)
    first, second = levied("延滞 一郎"), levied("延滞 二郎")
    asked = [late_charge_exemption_apply(actor=clerk, resident_id=p.pk, fiscal_year=FY, month=JULY, reason="入院のため")
             for p in (first, second)]
    chief = client_as(Role.SECTION_CHIEF)
    page = chief.get("/premiums/late-charge-exemptions/").content.decode()
    assert_ids_unique_and_labels_in_their_own_form(page, forms=2)

    decision = {"exemption": asked[1].pk, "decision": "approve", "reason": "病気による入院（診断書）"}
    confirm = chief.post("/premiums/late-charge-exemptions/", decision)
    assert confirm.status_code == 200
    assert LateChargeExemption.objects.filter(status=ExemptionStatus.APPLIED).count() == 2
    what = " ".join(e.content for e in elements(confirm.content.decode()) if e.attrs.get("id") == "confirm-what")
    assert f"宛名番号 {second.pk}（延＊ 二＊）" in what and "全額" in what and "承認" in what

    assert chief.post("/premiums/late-charge-exemptions/", {**decision, "confirm": "1"}).status_code == 302
    statuses = dict(LateChargeExemption.objects.values_list("pk", "status"))
    assert statuses == {asked[0].pk: ExemptionStatus.APPLIED, asked[1].pk: ExemptionStatus.APPROVED}
