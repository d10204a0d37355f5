"""The models of benefits, for Django's app registry and the migrations: each is defined in its
sub-package and only re-exported here (as certification/models.py does)."""

from benefits.ratio.models import RatioCertificate, RatioDetermination

__all__ = ["RatioCertificate", "RatioDetermination"]
