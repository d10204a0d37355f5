"""Regional support's screens (real PostgreSQL, Django's test client): the checklist form with its
error summary naming each question, the person page with the criteria met, the decision confirmed
first, and the summary for the 給付 tab (its scope and its access-log row)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from audit.models import AccessLogEntry
from benefits.regional.models import Checklist, Participant
from benefits.regional.selectors import regional_summary_for
from benefits.rules.checklist import ASKED
from eligibility.codes import Ward
from kaigo.errors import NotPermitted
from kaigo.staff.roles import Organisation, Role
from tests.eligibility.factories import make_elderly
from tests.html_parse import elements

pytestmark = pytest.mark.django_db
TODAY = date.today()


def form_data(**over) -> dict[str, str]:
    data = {f"cl-q{n}": "1" for n in ASKED}  # はい: 問9, 10 ... 該当; 問1-8, 16, 19 not
    data.update({"cl-checked_on": TODAY.isoformat(), "cl-place": "center", "cl-height_cm": "１５５.０",
                 "cl-weight_kg": "50.0"})
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def test_the_form_refuses_with_an_error_summary_then_records(client_as):
    person = make_elderly(ward=Ward.NAKAHARA)
    client = client_as(Role.WARD_CLERK, organisation=Organisation.NAKAHARA)
    url = f"/benefits/regional/persons/{person.pk}/checklists/new/"
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('type="radio" name="cl-q') == 2 * 24 and "問16 週に1回以上は外出していますか" in html

    refused = client.post(url, form_data(**{"cl-q7": None, "cl-q9": "2",
                                            "cl-checked_on": (TODAY + timedelta(days=1)).isoformat()}))
    assert refused.status_code == 400
    text = refused.content.decode()
    assert 'class="error-summary" role="alert"' in text
    assert "問9の回答は「はい」か「いいえ」を選んでください。" in text
    assert not Checklist.objects.filter(resident_id=person.pk).exists()
    refused = client.post(url, form_data(**{"cl-q7": None, "cl-checked_on": (TODAY + timedelta(days=1)).isoformat()}))
    text = refused.content.decode()
    assert "問7の回答がありません。" in text and "実施日に未来の日付は入力できません。" in text

    done = client.post(url, form_data())
    assert done.status_code == 302 and done["Location"] == f"/benefits/regional/persons/{person.pk}/"
    checklist = Checklist.objects.get(resident_id=person.pk)
    assert checklist.height_cm == 155 and "cognitive" in checklist.matched  # 問18, 20 はい
    shown = client.get(done["Location"]).content.decode()
    assert "認知機能の低下（問18～20のうち1項目以上）" in shown and "事業対象者ではありません" in shown
    assert "決定を確認する" not in shown  # a ward clerk enters, does not decide


def test_a_decider_confirms_then_decides(client_as, make_staff):
    from benefits.regional.services import ChecklistEntry, checklist_enter

    person = make_elderly(ward=Ward.NAKAHARA)
    checklist = checklist_enter(actor=make_staff(Role.HEAD_OFFICE_CLERK), resident_id=person.pk, entry=ChecklistEntry(
        TODAY, "counter", {n: 1 for n in ASKED}, height_cm=155, weight_kg=50))
    client = client_as(Role.SECTION_CHIEF)
    page = client.get(f"/benefits/regional/persons/{person.pk}/").content.decode()
    assert "事業対象者の決定を確認する" in page
    url = f"/benefits/regional/persons/{person.pk}/checklists/{checklist.pk}/decide/"
    confirm = client.post(url, {"decide-confirmed_on": TODAY.isoformat()})
    assert confirm.status_code == 200 and "事業対象者に決定する" in confirm.content.decode()
    assert not Participant.objects.exists()
    done = client.post(url, {"decide-confirmed_on": TODAY.isoformat(), "confirm": "1"})
    assert done.status_code == 302
    participant = Participant.objects.get(resident_id=person.pk)
    assert participant.decided_by == client.staff
    shown = client.get(done["Location"]).content.decode()
    assert "<strong>事業対象者</strong>" in shown and "定めなし" in shown
    assert elements(shown)  # parses


def test_summary_for_the_benefit_tab(make_staff):
    from benefits.regional.services import ChecklistEntry, checklist_enter

    person = make_elderly(ward=Ward.NAKAHARA)
    clerk = make_staff(Role.WARD_CLERK, organisation=Organisation.NAKAHARA)
    assert regional_summary_for(actor=clerk, request=None, resident=person, today=TODAY) is None
    checklist_enter(actor=clerk, resident_id=person.pk, entry=ChecklistEntry(
        TODAY, "counter", {n: 1 for n in ASKED}, height_cm=155, weight_kg=50))
    summary = regional_summary_for(actor=clerk, request=None, resident=person, today=TODAY)
    assert summary.status_label == "事業対象者ではありません" and summary.latest_checklist_on == TODAY
    assert summary.checklist_count == 1 and summary.matched_labels
    assert AccessLogEntry.objects.filter(function="benefit.regional.summary", person_ids__contains=[person.pk]).count() == 2
    with pytest.raises(NotPermitted):
        regional_summary_for(actor=make_staff(Role.CERTIFICATION_CLERK, organisation=Organisation.NAKAHARA),
                             request=None, resident=person, today=TODAY)
