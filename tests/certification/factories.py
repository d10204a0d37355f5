"""Certification test data: applicants with qualification, cases at a stage, certifications in
force (made-up people only)."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from certification.cases.models import Case, CaseEvent
from certification.decisions.models import Certification
from certification.rules.cases import CaseState, Move
from eligibility.qualification.services import Context, requalify
from eligibility.residents.models import ResidenceSpell
from tests.eligibility.factories import make_resident


def make_insured(*, born: date = date(1945, 5, 10), moved_in_on: date | None = None, **overrides):
    """A resident with their qualification recorded (first class when born before 1961); with
    ``moved_in_on``, their address in the city starts with a 転入 that day."""
    resident = make_resident(birth_date=born, **overrides)
    if moved_in_on is not None:
        ResidenceSpell.objects.filter(resident=resident).delete()
        ResidenceSpell.objects.create(resident=resident, start=moved_in_on, start_is_move_in=True)
    with transaction.atomic():
        requalify([resident.pk], until=date.today(), context=Context(source="notification"))
    return resident


def make_certification(resident, *, level: str = "22", valid_from: date, valid_to: date, actor,
                       decided_on: date | None = None) -> Certification:
    """A decided certification of ``resident`` (through a decided case, as the services leave it)."""
    from certification.cases.services import case_number_next

    case = Case.objects.create(number=case_number_next(valid_from), resident=resident, ward=resident.ward,
                               kind="new", state=CaseState.DECIDED, applied_on=valid_from,
                               decided_on=decided_on or valid_from, received_by=actor)
    CaseEvent.objects.create(case=case, move=Move.RECEIVE, from_state="received", to_state="received", actor=actor)
    return Certification.objects.create(resident=resident, case=case, level=level, valid_from=valid_from,
                                        valid_to=valid_to, decided_on=decided_on or valid_from, decided_by=actor)
