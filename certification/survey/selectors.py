"""Reads of the certification survey: the survey screen of a case (the person's header, masked; the
assignment, the appointment, the answers with their wording, the special notes, the warnings and
the entries made), one access-log row per request naming the person; the survey files received
(no personal data: counts and line numbers); and, for other services of certification (the
primary assessment), the answers of a case without logging (``survey_answers``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from audit.services import access_log_write
from certification.cases.models import Case
from certification.rules.survey_items import (
    GROUPS,
    ITEMS,
    PARENTS,
    Item,
    answer_label,
    answers_missing,
    consistency_warnings,
)
from certification.survey.models import Survey, SurveyBody, SurveyFile, SurveyRevision
from certification.survey.rules import SURVEY_STATES, BodyKind, PlaceKind, body_allowed
from eligibility.residents.selectors import PersonHeader, person_header
from kaigo.errors import NotPermitted
from kaigo.staff.roles import has_permission

VIEW_FUNCTION = "certification.survey.view"
VIEW_NOT_PERMITTED = "認定調査を閲覧する権限がありません。"
BODY_KIND_LABELS = dict(BodyKind.choices)
PLACE_LABELS = dict(PlaceKind.choices)


@dataclass
class ItemRow:
    item: Item
    answer: str  # the option's number, "" when not answered
    answer_text: str
    heading: str = ""  # the parent's name before its first sub-item (麻痺等の有無, 拘縮の有無)


@dataclass
class GroupRows:
    number: int
    label: str
    rows: list[ItemRow]
    note: str


@dataclass
class RevisionRow:
    revision: int
    entered_at: object
    source: str
    entered_by: str
    complete: bool
    warnings: int


@dataclass
class SurveyPage:
    header: PersonHeader
    case: Case
    survey: Survey | None
    bodies: list[SurveyBody]  # the bodies the case may be entrusted to
    groups: list[GroupRows]
    warnings: list[str]
    missing: int
    editable: bool
    revisions: list[RevisionRow] = field(default_factory=list)

    @property
    def body_label(self) -> str:
        if self.survey is None:
            return ""
        return f"{self.survey.body.name}（{BODY_KIND_LABELS.get(self.survey.body.kind, '')}）"

    @property
    def place_label(self) -> str:
        return PLACE_LABELS.get(self.survey.place_kind, "") if self.survey else ""


def groups_of(answers: dict[str, str], notes: dict[str, str]) -> list[GroupRows]:
    """The items of the sheet by group, with the answers given (for the screen and its form)."""
    groups = []
    for group in GROUPS:
        rows, seen = [], set()
        for item in ITEMS:
            if item.group != group.number:
                continue
            heading = ""
            if item.parent and item.parent not in seen:
                seen.add(item.parent)
                heading = f"{item.parent} {PARENTS[item.parent]}"
            answer = answers.get(item.code, "")
            rows.append(ItemRow(item, answer, answer_label(item.code, answer) if answer in item.values else "",
                                heading))
        groups.append(GroupRows(group.number, group.label, rows, notes.get(str(group.number), "")))
    return groups


def survey_page(*, actor, request, case_id: int, today: date) -> SurveyPage:
    """The survey screen of a case for ``actor`` (certification.view, the person in the actor's
    view scope): one access-log row naming the person. NotPermitted otherwise (logged as denied by
    person_header when outside the ward); Case.DoesNotExist for no such case."""
    if not has_permission(actor, "certification.view"):
        raise NotPermitted(VIEW_NOT_PERMITTED)
    case = Case.objects.get(pk=case_id)
    header, function = person_header(actor, request, case.resident_id, VIEW_FUNCTION)
    access_log_write(actor=actor, request=request, channel="screen", function=function, person_ids=[case.resident_id])
    survey = Survey.objects.select_related("body").filter(case=case).first()
    answers = survey.answers if survey else {}
    bodies = [b for b in SurveyBody.objects.filter(closed_on__isnull=True).order_by("kind", "code")
              if body_allowed(case.kind, b.kind)]
    bodies += [b for b in SurveyBody.objects.filter(closed_on__gt=today).order_by("kind", "code")
               if body_allowed(case.kind, b.kind)]
    revisions = []
    if survey is not None:
        for r in (SurveyRevision.objects.filter(survey=survey).select_related("entered_by").order_by("-revision")):
            revisions.append(RevisionRow(r.revision, r.entered_at, r.get_source_display(),
                                         r.entered_by.display_name, r.complete, len(r.warnings)))
    return SurveyPage(header=header, case=case, survey=survey, bodies=bodies,
                      groups=groups_of(answers, survey.notes if survey else {}),
                      warnings=consistency_warnings(answers), missing=len(answers_missing(answers)),
                      editable=case.state in SURVEY_STATES, revisions=revisions)


# --- for the services of certification (no screen: no logging) ---------------------------------------


def survey_answers(case_id: int) -> dict[str, str]:
    """The answers of a case's survey, item code -> the option's number ("1" the most independent;
    certification.rules.survey_items.answer_severity / answer_label read it); empty when there is
    no survey. For services (the primary assessment's estimator and export): not logged, so never
    shown on a screen by itself."""
    return dict(Survey.objects.filter(case_id=case_id).values_list("answers", flat=True).first() or {})


@dataclass(frozen=True)
class SurveyFacts:
    """A case's survey as the primary assessment and the board materials need it."""

    surveyed_on: date | None
    complete: bool
    answers: dict[str, str]
    notes: dict[str, str]  # group number ("1" .. "7") -> special notes (特記事項)
    body_kind: str
    revision: int


def survey_facts(case_id: int) -> SurveyFacts | None:
    """The survey of a case (None: none asked for), for services; not logged (see survey_answers)."""
    survey = Survey.objects.select_related("body").filter(case_id=case_id).first()
    if survey is None:
        return None
    return SurveyFacts(survey.surveyed_on, survey.complete, dict(survey.answers), dict(survey.notes),
                       survey.body.kind, survey.revision)


# --- the survey files (no personal data) ------------------------------------------------------------


def survey_files_recent(*, actor, limit: int = 20) -> list[SurveyFile]:
    """The last survey files received (counts only)."""
    if not has_permission(actor, "certification.update"):
        raise NotPermitted(VIEW_NOT_PERMITTED)
    return list(SurveyFile.objects.order_by("-received_at")[:limit])


def survey_file_result(*, actor, file_id: int) -> tuple[SurveyFile, list]:
    """A survey file and its listed lines (rejected ones and those kept with warnings): line numbers
    and reasons, no value of the file."""
    if not has_permission(actor, "certification.update"):
        raise NotPermitted(VIEW_NOT_PERMITTED)
    file = SurveyFile.objects.get(pk=file_id)
    return file, list(file.lines.order_by("line_no", "pk"))
