"""Screens of the certification survey: a case's survey (assignment, appointment, entry of the sheet
with its warnings) and the upload of a contracted body's survey file with its result. Reads through
certification.survey.selectors (one access-log row per request), writes through its services (which
check role and ward)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from certification.rules.cases import CaseKind
from certification.survey import selectors
from certification.survey.forms import (
    AppointForm,
    AssignForm,
    EntryForm,
    SurveyFileForm,
    entry_initial,
    item_field_name,
    note_field_name,
)
from certification.survey.services import (
    SurveyUnconfirmed,
    survey_appoint,
    survey_assign,
    survey_enter,
    survey_file_receive,
)
from kaigo.forms import form_run
from kaigo.shell.permissions import permission_required
from kaigo.staff.roles import has_permission

ACTIONS = ("assign", "appoint", "enter")


def _forms(page, data=None, action=""):
    today = timezone.localdate()
    survey = page.survey
    assign = AssignForm(data if action == "assign" else None, bodies=page.bodies, initial={
        "requested_on": survey.requested_on if survey else today, "body": survey.body.code if survey else "",
        "surveyor": survey.surveyor if survey else ""})
    appoint = AppointForm(data if action == "appoint" else None, initial={
        "on": survey.appointment_on if survey else None,
        "at": survey.appointment_at.strftime("%H:%M") if survey and survey.appointment_at else "",
        "place_kind": survey.place_kind if survey else "", "place_note": survey.place_note if survey else ""})
    entry = EntryForm(data if action == "enter" else None, initial=entry_initial(survey) or {"surveyed_on": today})
    return assign, appoint, entry


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required("certification.view")
def survey(request, case_id: int):
    """認定調査: the case's survey. POST ``action``: assign, appoint or enter."""
    today = timezone.localdate()
    page = selectors.survey_page(actor=request.user, request=request, case_id=case_id, today=today)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if request.method == "POST" and action not in ACTIONS:
        action = "enter"
    assign, appoint, entry = _forms(page, request.POST if action else None, action)
    unconfirmed: list[str] = []
    if action == "assign" and form_run(assign, lambda d: survey_assign(
            actor=request.user, case_id=case_id, body_code=d["body"], requested_on=d["requested_on"],
            surveyor=d["surveyor"], today=today)):
        messages.success(request, "認定調査を依頼しました。")
        return redirect("certification:survey", case_id=case_id)
    if action == "appoint" and form_run(appoint, lambda d: survey_appoint(
            actor=request.user, case_id=case_id, on=d["on"], at=d["at"], place_kind=d["place_kind"],
            place_note=d["place_note"], today=today)):
        messages.success(request, "訪問予定を記録しました。")
        return redirect("certification:survey", case_id=case_id)
    if action == "enter":
        def enter(d):
            try:
                return survey_enter(actor=request.user, case_id=case_id, surveyed_on=d["surveyed_on"],
                                    answers=entry.answers(), notes=entry.notes(), surveyor=d["surveyor"],
                                    warnings_confirmed=d["warnings_confirmed"], today=today)
            except SurveyUnconfirmed as refused:
                unconfirmed.extend(refused.warnings)
                raise

        result = form_run(entry, enter)
        if result is not None:
            done = "全項目の入力が完了しました。" if result.survey.complete else "途中まで保存しました（未回答の項目があります）。"
            messages.success(request, f"認定調査の結果を保存しました。{done}")
            return redirect("certification:survey", case_id=case_id)
    return render(request, "certification/survey/survey.html", {
        "page": page, "resident": page.header.resident, "assign": assign, "appoint": appoint, "entry": entry,
        "unconfirmed": unconfirmed, "kind_label": CaseKind(page.case.kind).label,
        "can_update": has_permission(request.user, "certification.update"),
        "item_field": item_field_name, "note_field": note_field_name,
    }, status=400 if action else 200)


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required("certification.update")
def survey_files(request):
    """認定調査結果の取込: upload a contracted body's file; the files received before."""
    form = SurveyFileForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        result = form_run(form, lambda d: survey_file_receive(d["file"].read(), file_name=d["file"].name,
                                                              actor=request.user))
        if result is not None:
            messages.success(request, f"取り込みました（取込 {result.applied}件、エラー {result.rejected}件）。")
            return redirect("certification:survey_file", survey_file_id=result.file.pk)
    return render(request, "certification/survey/files.html", {
        "form": form, "files": selectors.survey_files_recent(actor=request.user),
    }, status=400 if form.is_bound and form.errors else 200)


@never_cache
@require_http_methods(["GET"])
@permission_required("certification.update")
def survey_file(request, survey_file_id: int):
    """The result of a survey file: counts, the lines rejected and those kept with warnings."""
    file, lines = selectors.survey_file_result(actor=request.user, file_id=survey_file_id)
    return render(request, "certification/survey/file.html", {"file": file, "lines": lines})
