"""The models of benefits, defined in its sub-domain packages and re-exported here (Django finds an
app's models through this module)."""

from benefits.records.models import BenefitRecord, RecordFile, RecordLineError  # noqa: F401
