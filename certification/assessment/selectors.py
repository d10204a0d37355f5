"""Reads of the primary assessment (health data, 要配慮個人情報): a case's assessment page (the
person's masked header, what is missing before an assessment, the results recorded; one access-log
row), the cases ready for the national software and its export file (one access-log row naming
the persons exported), and the result files imported (case numbers and reasons only)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from audit.services import access_log_write
from certification.assessment.exchange import ExportCase, export_file
from certification.assessment.models import PrimaryResult, ResultImport
from certification.assessment.port import AREAS, ESTIMATOR_NOTICE, GROUPS, AdapterKind, Area
from certification.assessment.services import assessment_problems
from certification.cases.models import Case
from certification.opinion.rules import OpinionFacts
from certification.opinion.selectors import opinion_facts, require_view
from certification.rules.cases import CaseState
from certification.rules.levels import Level
from certification.survey.selectors import survey_answers
from eligibility.residents.selectors import PersonHeader, home_wards, person_header
from kaigo.errors import NotPermitted
from kaigo.staff.roles import has_permission

LEVEL_LABELS = dict(Level.choices)


@dataclass(frozen=True)
class ResultRow:
    pk: int
    kind: str
    kind_label: str
    is_estimate: bool
    notice: str  # ESTIMATOR_NOTICE for the estimator's results, else ""
    software_version: str
    minutes: list[tuple[str, object]]  # (行為区分, minutes)
    dementia_addition: object
    total: object
    group_scores: list[tuple[str, object]]
    level: str
    warnings: list[str]
    created_at: object


def result_row(r: PrimaryResult) -> ResultRow:
    estimate = r.kind == AdapterKind.ESTIMATOR
    return ResultRow(r.pk, r.kind, r.get_kind_display(), estimate, ESTIMATOR_NOTICE if estimate else "",
                     r.software_version, [(Area(a).label, getattr(r, a)) for a in AREAS], r.dementia_addition,
                     r.total, [(f"第{g}群", getattr(r, f"group{g}")) for g in GROUPS],
                     LEVEL_LABELS.get(r.level, r.level), list(r.warnings), r.created_at)


def latest_result(case_id: int) -> ResultRow | None:
    """The case's current primary result (the latest), for the other pages and documents of
    certification that show it (the case page, the board materials): its ``notice`` is
    ESTIMATOR_NOTICE for the development estimator's result, and must be shown with it. Nothing
    logged: the caller logs its own read."""
    r = PrimaryResult.objects.filter(case_id=case_id).order_by("-created_at", "-pk").first()
    return result_row(r) if r else None


@dataclass
class AssessmentPage:
    person: PersonHeader
    case: Case
    problems: list[str]
    opinion: OpinionFacts | None
    results: list[ResultRow] = field(default_factory=list)  # newest first


def assessment_page(*, actor, request, case_id: int) -> AssessmentPage:
    """A case's primary assessment: certification.view, the office's view scope, one access-log row
    (certification.assessment.view). Case.DoesNotExist when there is none."""
    require_view(actor)
    case = Case.objects.get(pk=case_id)
    person, function = person_header(actor, request, case.resident_id, "certification.assessment.view")
    results = [result_row(r) for r in PrimaryResult.objects.filter(case=case).order_by("-created_at", "-pk")]
    access_log_write(actor=actor, request=request, function=function, channel="screen",
                     person_ids=[case.resident_id])
    return AssessmentPage(person, case, assessment_problems(case), opinion_facts(case.pk), results)


# --- the exchange with the national software -------------------------------------------------------


@dataclass(frozen=True)
class ReadyCase:
    pk: int
    number: str
    ward: str
    applied_on: date
    surveyed_on: date
    opinion_received_on: date


def _ready(actor) -> list[Case]:
    return list(Case.objects.filter(state=CaseState.IN_PROGRESS, surveyed_on__isnull=False,
                                    opinion_received_on__isnull=False, ward__in=sorted(home_wards(actor)))
                .order_by("applied_on", "pk"))


def export_ready(*, actor, request) -> list[ReadyCase]:
    """The cases of the actor's wards waiting for their primary assessment (surveyed, opinion
    received, not yet assessed), by case number only; one access-log row naming their persons."""
    require_view(actor)
    cases = _ready(actor)
    access_log_write(actor=actor, request=request, function="certification.assessment.exchange", channel="screen",
                     person_ids=sorted({c.resident_id for c in cases}), hits=len(cases))
    return [ReadyCase(c.pk, c.number, c.get_ward_display(), c.applied_on, c.surveyed_on, c.opinion_received_on)
            for c in cases]


def survey_answers_of(case_id: int) -> dict[str, str]:
    """The case's survey answers (item code -> answer code; certification.survey.selectors)."""
    return dict(survey_answers(case_id))


def export_download(*, actor, request) -> tuple[bytes, int]:
    """The export file for the national software (certification.assessment.exchange, layout in
    docs/subsystems/certification-assessment.md) of the cases export_ready lists, and their count;
    certification.update; one access-log row (certification.assessment.export) naming the persons."""
    if not has_permission(actor, "certification.update"):
        raise NotPermitted("一次判定のデータを出力する権限がありません。")
    cases = _ready(actor)
    rows = []
    for c in cases:
        facts = opinion_facts(c.pk)
        if facts is None:
            continue
        rows.append(ExportCase(c.number, c.applied_on, c.kind, c.second_class, survey_answers_of(c.pk), facts))
    access_log_write(actor=actor, request=request, function="certification.assessment.export", channel="export",
                     person_ids=sorted({c.resident_id for c in cases}), hits=len(rows))
    return export_file(rows), len(rows)


@dataclass(frozen=True)
class ImportRow:
    pk: int
    file_name: str
    imported_at: object
    imported_by: str
    lines: int
    recorded: int
    bad_lines: list[dict]


IMPORTS_SHOWN = 10


def recent_imports(*, actor) -> list[ImportRow]:
    """The last result files imported, newest first, with their bad lines (case numbers and
    reasons: no personal data, nothing logged)."""
    require_view(actor)
    return [ImportRow(i.pk, i.file_name, i.imported_at, i.imported_by.get_full_name() or i.imported_by.username,
                      i.lines, i.recorded, i.bad_lines)
            for i in ResultImport.objects.select_related("imported_by").order_by("-imported_at", "-pk")[:IMPORTS_SHOWN]]
