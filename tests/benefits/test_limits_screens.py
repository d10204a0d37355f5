"""Facility cost limits' screens (real PostgreSQL, Django's test client): the application form with
its error summary, the application recorded as declared, the decision confirmed first by a decider,
the person page with the stage and its daily limits, the certificate PDF."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from benefits.limits.models import LimitApplication
from benefits.rules.limits import tax_year_of, validity
from eligibility.codes import Ward
from kaigo.staff.roles import Organisation, Role
from tests.certification.factories import make_certification
from tests.eligibility.factories import make_elderly
from tests.html_parse import elements
from tests.premiums.factories import make_tax_fact

pytestmark = pytest.mark.django_db
TODAY = date.today()


def test_apply_then_decide_then_print(client_as, make_staff):
    person = make_elderly(ward=Ward.NAKAHARA)
    make_certification(person, valid_from=TODAY - timedelta(days=30), valid_to=TODAY + timedelta(days=300),
                       actor=make_staff(Role.CERTIFICATION_CLERK))
    make_tax_fact(person, tax_year_of(validity(TODAY)[0]))  # 非課税, 年金 70万 → 第2段階
    clerk = client_as(Role.WARD_CLERK, organisation=Organisation.NAKAHARA)
    url = f"/benefits/limits/persons/{person.pk}/applications/new/"
    assert clerk.get(url).status_code == 200
    refused = clerk.post(url, {"la-received_on": (TODAY + timedelta(days=1)).isoformat(), "la-service": "welfare"})
    body = refused.content.decode()
    assert refused.status_code == 400 and "error-summary" in body and "本人の預貯金等の額" in body
    assert not LimitApplication.objects.exists()
    done = clerk.post(url, {"la-received_on": TODAY.isoformat(), "la-service": "welfare", "la-assets": "１２３４５６７"})
    assert done.status_code == 302
    app = LimitApplication.objects.get(resident_id=person.pk)
    assert (app.assets, app.received_by, app.decided_at) == (1_234_567, clerk.staff, None)

    chief = client_as(Role.SECTION_CHIEF)
    page = chief.get(f"/benefits/limits/persons/{person.pk}/").content.decode()
    assert "決定の内容を確認する" in page and "1,234,567円" in page
    decide = f"/benefits/limits/persons/{person.pk}/applications/{app.pk}/decide/"
    confirm = chief.post(decide, {})
    assert confirm.status_code == 200 and "決定する" in confirm.content.decode()
    app.refresh_from_db()
    assert app.decided_at is None
    decided = chief.post(decide, {"confirm": "1"})
    assert decided.status_code == 302
    app.refresh_from_db()
    assert (app.stage, app.decided_by) == ("2", chief.staff)
    clerk = client_as(Role.WARD_CLERK, organisation=Organisation.NAKAHARA)  # the one client signs in again
    shown = clerk.get(decided["Location"]).content.decode()
    assert "<strong>第2段階</strong>" in shown and "390円" in shown and "認定証を印刷する" in shown
    assert elements(shown)
    pdf = clerk.get(f"/benefits/limits/persons/{person.pk}/applications/{app.pk}/certificate/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
