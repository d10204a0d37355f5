"""The batch kinds of eligibility, declared in its sub-packages (kaigo.batches imports
``<app>.batch_kinds`` only): the nightly registry intake, the monthly 65th-birthday run and the
consistency check."""

from eligibility.intake.batch_kinds import RegistryIntake
from eligibility.qualification.batch_kinds import Age65, QualificationCheck

__all__ = ["Age65", "QualificationCheck", "RegistryIntake"]
