"""The certification survey (認定調査) as services: asking a body for the survey of a case (assignment,
法 §27 第2項, §28 第5項), the appointment, the entry and correction of the answers and special
notes (before the primary assessment), the survey files of contracted bodies, and the master of
surveying bodies. Every write checks the actor's role and ward here (certification.scope);
refusals are Japanese messages that name the item, never a person. See
docs/subsystems/certification-survey.md."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, time

from django.db import transaction
from django.utils import timezone

from certification.cases.models import Case
from certification.cases.services import CaseInvalid, case_lock, case_requested
from certification.rules.cases import CaseState
from certification.rules.survey_items import (
    CODES,
    GROUP_LABELS,
    answers_missing,
    answers_problems,
    consistency_warnings,
)
from certification.scope import require_certification_update, require_permission
from certification.survey.models import (
    EntrySource,
    Survey,
    SurveyBody,
    SurveyFile,
    SurveyFileLine,
    SurveyRevision,
)
from certification.survey.parser import parse_survey_file
from certification.survey.rules import (
    SURVEY_STATES,
    BodyKind,
    PlaceKind,
    body_refusal,
    survey_date_problem,
)
from eligibility.residents.selectors import ALL_WARDS, home_wards
from kaigo.errors import ApplicationError, NotPermitted

NOTE_MAX = 2000


class SurveyInvalid(CaseInvalid):
    code = "certification_survey_invalid"


class SurveyUnconfirmed(SurveyInvalid):
    """The answers have consistency warnings the surveyor has not confirmed yet: nothing was saved."""

    code = "certification_survey_unconfirmed"

    def __init__(self, warnings: list[str]):
        super().__init__([*warnings, "上記の警告を確認し、正しければ「警告を確認しました」を選んで保存してください。"])
        self.warnings = warnings


class SurveyFileInvalid(ApplicationError):
    code = "certification_survey_file_invalid"


def _state_problem(case) -> str | None:
    if case.state in SURVEY_STATES:
        return None
    if case.state in (CaseState.ASSESSED, CaseState.SCHEDULED, CaseState.REVIEWED):
        return "一次判定の後は認定調査を変更できません（再調査が必要な場合は一次判定の画面で再調査にしてください）。"
    return "処理中でない案件の認定調査は変更できません。"


# --- assignment and appointment ------------------------------------------------------------------


def survey_assign(*, actor, case_id: int, body_code: str, requested_on: date, surveyor: str = "",
                  today: date | None = None) -> Survey:
    """Ask ``body_code`` for the survey of a case (調査依頼), or move the request to another body
    while nothing is entered. A new application only to the city, a 指定市町村事務受託法人 or another
    municipality (法 §27 第2項, §24の2); a renewal or change also to a care-management office, a
    facility or a community support centre (法 §28 第5項, §29 第2項); never for a carry-over (法 §36).
    Sets the case's ``survey_requested_on`` and moves a received case on (case_requested)."""
    today = today or timezone.localdate()
    with transaction.atomic(durable=True):
        case = case_lock(case_id)
        require_certification_update(actor, case.resident_id)
        problems = []
        state = _state_problem(case)
        if state:
            problems.append(state)
        body = SurveyBody.objects.filter(code=body_code).first()
        if body is None:
            problems.append("調査機関を選んでください。")
        else:
            if body.closed_on is not None and body.closed_on <= requested_on:
                problems.append(f"{body.name}への委託は終了しています。")
            refusal = body_refusal(case.kind, body.kind)
            if refusal:
                problems.append(refusal)
        if requested_on > today or requested_on < case.applied_on:
            problems.append("調査依頼日は申請日から本日までの日付を入力してください。")
        survey = Survey.objects.select_for_update().filter(case=case).first()
        if survey is not None and (survey.answers or survey.complete):
            problems.append("調査結果が入力済みのため、調査機関は変更できません。")
        if problems:
            raise SurveyInvalid(problems)
        if survey is None:
            survey = Survey.objects.create(case=case, body=body, requested_on=requested_on, requested_by=actor,
                                           surveyor=surveyor.strip()[:50])
        else:
            survey.body, survey.requested_on, survey.requested_by = body, requested_on, actor
            survey.surveyor = surveyor.strip()[:50]
            survey.appointment_on = survey.appointment_at = None
            survey.place_kind = survey.place_note = ""
            survey.save()
        case.survey_requested_on = requested_on
        case.save(update_fields=["survey_requested_on", "updated_at"])
        case_requested(case, actor=actor)
        return survey


def survey_appoint(*, actor, case_id: int, on: date, at: time | None, place_kind: str, place_note: str = "",
                   today: date | None = None) -> Survey:
    """Record the appointment of the visit (訪問予定): day, time, where (自宅・施設・病院) and the name of
    the facility or hospital."""
    today = today or timezone.localdate()
    with transaction.atomic(durable=True):
        case = case_lock(case_id)
        require_certification_update(actor, case.resident_id)
        survey = Survey.objects.select_for_update().filter(case=case).first()
        problems = []
        if survey is None:
            raise SurveyInvalid("先に調査機関に調査を依頼してください。")
        state = _state_problem(case)
        if state:
            problems.append(state)
        if survey.complete:
            problems.append("調査結果が入力済みです。")
        if place_kind not in PlaceKind.values:
            problems.append("調査の実施場所を選んでください。")
        elif place_kind != PlaceKind.HOME and not place_note.strip():
            problems.append("施設・病院で調査するときは、その名称を入力してください。")
        if on < survey.requested_on:
            problems.append("訪問予定日が調査依頼日より前です。")
        if problems:
            raise SurveyInvalid(problems)
        survey.appointment_on, survey.appointment_at = on, at
        survey.place_kind, survey.place_note = place_kind, place_note.strip()[:100]
        survey.save(update_fields=["appointment_on", "appointment_at", "place_kind", "place_note", "updated_at"])
        return survey


# --- entry ------------------------------------------------------------------------------------------


@dataclass
class SurveyEntered:
    survey: Survey
    warnings: list[str] = field(default_factory=list)


def _entry_problems(case, survey: Survey | None, *, surveyed_on: date, answers: dict[str, str],
                    notes: dict[str, str], today: date) -> list[str]:
    problems = []
    if survey is None:
        return ["先に調査機関に調査を依頼してください。"]
    state = _state_problem(case)
    if state:
        problems.append(state)
    problem = survey_date_problem(surveyed_on, applied_on=case.applied_on, today=today)
    if problem:
        problems.append(problem)
    elif surveyed_on < survey.requested_on:
        problems.append("調査実施日が調査依頼日より前です。")
    problems += answers_problems(answers)
    for group, text in notes.items():
        if group not in {str(g) for g in GROUP_LABELS}:
            problems.append("特記事項の群が正しくありません。")
        elif len(text) > NOTE_MAX:
            problems.append(f"{GROUP_LABELS[int(group)]}の特記事項は{NOTE_MAX}文字以内で入力してください。")
    return problems


def _save_entry(case, survey: Survey, *, actor, surveyed_on: date, answers: dict[str, str], notes: dict[str, str],
                surveyor: str, warnings: list[str], source: str, file: SurveyFile | None = None) -> Survey:
    answers = {code: answers[code] for code in CODES if answers.get(code)}
    notes = {group: text.strip() for group, text in sorted(notes.items()) if text and text.strip()}
    complete = not answers_missing(answers)
    survey.surveyed_on, survey.answers, survey.notes, survey.complete = surveyed_on, answers, notes, complete
    if surveyor.strip():
        survey.surveyor = surveyor.strip()[:50]
    survey.revision += 1
    survey.save()
    SurveyRevision.objects.create(survey=survey, revision=survey.revision, surveyed_on=surveyed_on, answers=answers,
                                  notes=notes, complete=complete, warnings=warnings, source=source, file=file,
                                  entered_by=actor)
    surveyed = surveyed_on if complete else None
    if case.surveyed_on != surveyed:
        case.surveyed_on = surveyed
        case.save(update_fields=["surveyed_on", "updated_at"])
    return survey


def survey_enter(*, actor, case_id: int, surveyed_on: date, answers: dict[str, str], notes: dict[str, str],
                 surveyor: str = "", warnings_confirmed: bool = False, today: date | None = None) -> SurveyEntered:
    """Enter (or correct, before the primary assessment) the survey of a case: the answers (the
    option's number per item code; an item left empty is not answered yet), the special notes per
    group and the day of the visit. An answer outside the item's options is refused naming the
    item; consistency warnings between answers (certification.rules.survey_items) must be
    confirmed by the surveyor (``warnings_confirmed``), else SurveyUnconfirmed and nothing is
    saved. Complete answers set the case's ``surveyed_on`` (incomplete ones clear it). Each save is
    kept as a SurveyRevision."""
    today = today or timezone.localdate()
    with transaction.atomic(durable=True):
        case = case_lock(case_id)
        require_certification_update(actor, case.resident_id)
        survey = Survey.objects.select_for_update().filter(case=case).first()
        problems = _entry_problems(case, survey, surveyed_on=surveyed_on, answers=answers, notes=notes, today=today)
        if problems:
            raise SurveyInvalid(problems)
        warnings = consistency_warnings(answers)
        if warnings and not warnings_confirmed:
            raise SurveyUnconfirmed(warnings)
        survey = _save_entry(case, survey, actor=actor, surveyed_on=surveyed_on, answers=answers, notes=notes,
                             surveyor=surveyor, warnings=warnings, source=EntrySource.SCREEN)
        return SurveyEntered(survey, warnings)


# --- the survey files of contracted bodies --------------------------------------------------------


@dataclass
class SurveyFileReceived:
    file: SurveyFile
    applied: int = 0
    rejected: int = 0
    warned: int = 0


def survey_file_receive(data: bytes, *, file_name: str, actor, today: date | None = None) -> SurveyFileReceived:
    """Take a survey file of a contracted body (format: certification.survey.format): each good line
    becomes the complete survey of its case, each bad line a SurveyFileLine with its number and a
    Japanese reason; a line kept with consistency warnings is listed with them (the surveyor of
    the body confirmed them by sending it). The same bytes again are refused, and so is a file
    refused whole (encoding, header, trailer). Besides the parser's checks, a line is refused when
    the case is unknown, outside the actor's wards, past the survey stage, not entrusted to that
    body, or already entered (a correction is made on the screen)."""
    today = today or timezone.localdate()
    require_permission(actor, "certification.update")
    digest = hashlib.sha256(data).hexdigest()
    earlier = SurveyFile.objects.filter(sha256=digest).first()
    if earlier is not None:
        raise SurveyFileInvalid(f"このファイルは受信済みです（{timezone.localtime(earlier.received_at):%Y年%m月%d日 %H:%M}、"
                                f"受付番号 {earlier.pk}）。同じファイルは取り込めません。")
    parsed = parse_survey_file(data, today=today)
    if parsed.rejected:
        reason = " ".join(e.message for e in parsed.errors if e.code in parsed.file_errors)[:600]
        with transaction.atomic(durable=True):
            refused = SurveyFile.objects.create(sha256=digest, file_name=file_name[:200], received_by=actor,
                                                total_lines=parsed.total_lines, refusal=reason)
        raise SurveyFileInvalid(f"ファイルを受け付けられません（受付番号 {refused.pk}）: {reason}")
    wards = home_wards(actor)
    with transaction.atomic(durable=True):
        file = SurveyFile.objects.create(sha256=digest, file_name=file_name[:200], received_by=actor,
                                         total_lines=parsed.total_lines)
        lines = [SurveyFileLine(file=file, line_no=e.line_no, rejected=True, code=e.code, message=e.message[:600])
                 for e in parsed.errors]
        applied = warned = 0
        for record in parsed.records:
            problem, survey, case = _line_target(record, wards=wards, actor=actor, today=today)
            if problem:
                lines.append(SurveyFileLine(file=file, line_no=record.line_no, rejected=True, code=problem[0],
                                            message=f"{record.line_no}行目: {problem[1]}"[:600]))
                continue
            warnings = consistency_warnings(record.answers)
            _save_entry(case, survey, actor=actor, surveyed_on=record.surveyed_on, answers=record.answers,
                        notes=record.notes, surveyor=record.surveyor, warnings=warnings, source=EntrySource.FILE,
                        file=file)
            case_requested(case, actor=actor)
            applied += 1
            if warnings:
                warned += 1
                lines.append(SurveyFileLine(file=file, line_no=record.line_no, rejected=False, code="warning",
                                            message=f"{record.line_no}行目（取込済・要確認）: {' '.join(warnings)}"[:600]))
        lines.sort(key=lambda line: line.line_no)
        SurveyFileLine.objects.bulk_create(lines)
        rejected = sum(1 for line in lines if line.rejected)
        file.applied, file.rejected = applied, rejected
        file.save(update_fields=["applied", "rejected"])
    return SurveyFileReceived(file, applied=applied, rejected=rejected, warned=warned)


def _line_target(record, *, wards, actor, today: date):
    """(problem (code, reason) or None, the survey, the locked case) of a line."""
    case_id = Case.objects.filter(number=record.case_number).values_list("pk", flat=True).first()
    if case_id is None:
        return ("case_unknown", "案件番号に該当する案件がありません。"), None, None
    case = case_lock(case_id)
    if wards < ALL_WARDS:
        try:
            require_certification_update(actor, case.resident_id)
        except NotPermitted:
            return ("outside_ward", "担当区外の案件です（取り込めません）。"), None, None
    state = _state_problem(case)
    if state:
        return ("case_state", state), None, None
    survey = Survey.objects.select_for_update().select_related("body").filter(case=case).first()
    if survey is None or survey.body.code != record.body_code:
        return ("not_entrusted", "この案件の調査はこの調査機関に依頼されていません。"), None, None
    if survey.complete:
        return ("already_entered", "この案件の調査結果は入力済みです（修正は認定調査の画面で行ってください）。"), None, None
    problem = survey_date_problem(record.surveyed_on, applied_on=case.applied_on, today=today)
    if problem is None and record.surveyed_on < survey.requested_on:
        problem = "調査実施日が調査依頼日より前です。"
    if problem:
        return ("date_invalid", problem), None, None
    return None, survey, case


# --- the master of surveying bodies -------------------------------------------------------------------


def survey_body_save(*, actor, code: str, name: str, kind: str, closed_on: date | None = None) -> SurveyBody:
    """Add a surveying body to the master or change its name, kind or end of contract (委託終了日).
    The master serves every ward: the head office only (certification.update at the head office)."""
    require_permission(actor, "certification.update")
    if home_wards(actor) < ALL_WARDS:
        raise NotPermitted("調査機関の登録・変更は本庁の担当者だけが行えます。")
    problems = []
    code = code.strip()
    if not code or len(code) > 10 or not code.isascii() or not code.isalnum():
        problems.append("調査機関コードは10文字以内の英数字で入力してください。")
    if not name.strip():
        problems.append("調査機関の名称を入力してください。")
    if kind not in BodyKind.values:
        problems.append("調査機関の種別を選んでください。")
    if problems:
        raise SurveyInvalid(problems)
    with transaction.atomic(durable=True):
        body, _ = SurveyBody.objects.update_or_create(code=code, defaults={
            "name": name.strip()[:100], "kind": kind, "closed_on": closed_on})
        return body
