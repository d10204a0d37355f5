"""The Celery tasks of eligibility, declared in its sub-packages (Celery's autodiscovery imports
``<app>.tasks`` only). Their names stay "eligibility.tasks.<name>" (kaigo/celery.py schedules them)."""

from eligibility.intake.tasks import registry_intake_nightly
from eligibility.qualification.tasks import age65_monthly

__all__ = ["age65_monthly", "registry_intake_nightly"]
