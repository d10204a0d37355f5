"""The survey's answers reach the primary assessment without a stub: a survey entered through its
service, the doctor's opinion received, then the development estimator run from the case alone
(certification.assessment.services.survey_severities reads the survey)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from certification.assessment.services import primary_estimate
from certification.cases.models import Case
from certification.rules.cases import CaseState
from certification.rules.survey_items import CODES, ITEM_BY_CODE
from certification.survey.services import survey_assign, survey_enter
from kaigo.staff.roles import Organisation, Role
from tests.certification.test_opinion import make_doctor, open_case, receipt
from tests.certification.test_survey import city_body

TODAY = date.today()


def _most(code: str, dependent: bool) -> str:
    """The option number of the most independent (1) or most dependent answer of an item."""
    return str(len(ITEM_BY_CODE[code].answers)) if dependent else "1"


def _case_with(clerk, *, dependent: bool) -> Case:
    from certification.opinion.services import opinion_receive, opinion_request

    city_body()
    case = open_case(clerk, applied_on=TODAY - timedelta(days=10))
    survey_assign(actor=clerk, case_id=case.pk, body_code="0000000000", requested_on=case.applied_on)
    answers = {code: _most(code, dependent) for code in CODES if ITEM_BY_CODE[code].answers}
    survey_enter(actor=clerk, case_id=case.pk, surveyed_on=TODAY - timedelta(days=3), answers=answers, notes={},
                 warnings_confirmed=True)
    doctor = make_doctor(clerk, code=f"14{case.pk:08d}")
    opinion = opinion_request(actor=clerk, case_id=case.pk, doctor_id=doctor.pk, requested_on=case.applied_on)
    opinion_receive(actor=clerk, opinion_id=opinion.pk, receipt=receipt(TODAY))
    return case


@pytest.mark.django_db
def test_the_estimator_reads_the_entered_survey(make_staff):
    clerk = make_staff(Role.CERTIFICATION_CLERK, organisation=Organisation.NAKAHARA)
    independent = primary_estimate(actor=clerk, case_id=_case_with(clerk, dependent=False).pk)
    dependent = primary_estimate(actor=clerk, case_id=_case_with(clerk, dependent=True).pk)
    assert independent.total < dependent.total
    assert independent.level == "01" and dependent.level == "25"
    assert Case.objects.get(pk=dependent.case_id).state == CaseState.ASSESSED
