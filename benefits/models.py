"""The models of benefits, one import for Django's app registry and the migrations: each is defined
in its sub-domain package and only re-exported here (docs/README.md, "Inner shape of a domain app")."""

from django.apps import apps as _apps

from benefits.limits.models import LimitApplication  # noqa: F401
from benefits.ratio.models import RatioCertificate, RatioDetermination  # noqa: F401
from benefits.refunds.models import HighCostApplication, HighCostDecision, HighCostRefund  # noqa: F401
from benefits.records.models import BenefitRecord, RecordFile, RecordLineError  # noqa: F401
from benefits.regional.models import Checklist, Enrolment, MonthlyUsage, Participant  # noqa: F401
from benefits.restrictions.models import (  # noqa: F401
    ExcusedInstallment,
    Restriction,
    RestrictionEvent,
    RestrictionNotice,
)

# The change trail of these tables: benefits/trail.py
if _apps.is_installed("pghistory") and _apps.is_installed("pgtrigger"):
    from benefits import trail  # noqa: F401
