"""The models of eligibility, for Django's app registry and the migrations: each is defined in its
sub-package (residents, qualification, cards, intake) and only re-exported here. Code that uses a
model imports it from its sub-package; another app uses eligibility's selectors and services
(docs/README.md, "Dependency direction")."""

from eligibility.cards.models import CardIssue
from eligibility.intake.models import RegistryChange, RegistryFile, WorkItem
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
    "InsuredNumber",
    "QualificationPeriod",
    "RegistryChange",
    "RegistryFile",
    "Resident",
    "ResidenceSpell",
    "WorkItem",
]
