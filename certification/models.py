"""The models of certification, one import for Django's app registry and the migrations: each is
defined in its sub-domain package and only re-exported here (docs/README.md, "Inner shape of a
domain app"). Code of the app imports a model from its sub-domain package."""

from django.apps import apps as _apps

from certification.assessment.models import PrimaryResult, ResultImport  # noqa: F401
from certification.board.models import (  # noqa: F401
    BoardMember,
    BoardSession,
    Panel,
    SessionAttendance,
    SessionCase,
)
from certification.cases.models import Case, CaseEvent, ReceivedPaper  # noqa: F401
from certification.decisions.models import Certification  # noqa: F401
from certification.opinion.models import Doctor, Institution, Opinion, OpinionFee  # noqa: F401
from certification.survey.models import (  # noqa: F401
    Survey,
    SurveyBody,
    SurveyFile,
    SurveyFileLine,
    SurveyRevision,
)

# The change trail of these tables: certification/trail.py
if _apps.is_installed("pghistory") and _apps.is_installed("pgtrigger"):
    from certification import trail  # noqa: F401
