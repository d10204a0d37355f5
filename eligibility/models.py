"""The models of eligibility, for Django's app registry and the migrations: each is defined in its
sub-package (residents, qualification, cards, intake) and only re-exported here. Code that uses a
model imports it from its sub-package; another app uses eligibility's selectors and services
(docs/README.md, "Dependency direction")."""

from eligibility.cards.models import CardIssue
from eligibility.households.models import HouseholdMembership
from eligibility.intake.models import ManualMove, RegistryChange, RegistryFile, WorkItem
from eligibility.qualification.models import (
    DateRange,  # migration 0003 names eligibility.models.DateRange (the exclusion constraint)
    Facility,
    FacilityStay,
    QualificationPeriod,
)
from eligibility.residents.models import Household, InsuredNumber, ResidenceSpell, Resident

__all__ = [
    "CardIssue",
    "DateRange",
    "Facility",
    "FacilityStay",
    "Household",
    "HouseholdMembership",
    "InsuredNumber",
    "ManualMove",
    "QualificationPeriod",
    "RegistryChange",
    "RegistryFile",
    "ResidenceSpell",
    "Resident",
    "WorkItem",
]


# The change trail of these tables: eligibility/trail.py (without the trail's apps installed: audit.W001).
from django.apps import apps as _apps  # noqa: E402

if _apps.is_installed("pghistory") and _apps.is_installed("pgtrigger"):
    from eligibility import trail  # noqa: E402, F401
