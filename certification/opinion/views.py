"""Screens of the doctor's opinion: a case's opinion page (request, reminder, receipt with its
items and fee, cancellation), the office's reminder list (督促一覧) and the master of doctors. Reads
through certification.opinion.selectors (one access-log row per request); writes through
certification.opinion.services, which check role and ward."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from certification.opinion import selectors
from certification.opinion.forms import (
    DoctorForm,
    OpinionCancelForm,
    OpinionReceiveForm,
    OpinionRemindForm,
    OpinionRequestForm,
)
from certification.opinion.services import (
    Receipt,
    doctor_create,
    opinion_cancel,
    opinion_receive,
    opinion_remind,
    opinion_request,
)
from kaigo.forms import form_run
from kaigo.shell.permissions import permission_required
from kaigo.staff.roles import has_permission

DONE = {"request": "意見書の依頼を登録しました。", "receive": "意見書の受領と作成料を登録しました。",
        "remind": "督促を記録しました。", "cancel": "依頼を取り消しました。"}


def _act(request, case_id: int, action: str, form):
    """Run the service of ``action`` for a sent form (None when refused: the form shows why)."""
    user = request.user
    if action == "request":
        return form_run(form, lambda d: opinion_request(actor=user, case_id=case_id, doctor_id=int(d["doctor"]),
                                                        requested_on=d["requested_on"]))
    opinion_id = request.POST.get("opinion", "")
    if not (opinion_id.isascii() and opinion_id.isdigit()):
        raise Http404
    pk = int(opinion_id)
    if action == "remind":
        return form_run(form, lambda d: opinion_remind(actor=user, opinion_id=pk, reminded_on=d["reminded_on"]))
    if action == "cancel":
        return form_run(form, lambda d: opinion_cancel(actor=user, opinion_id=pk, on=d["on"], reason=d["reason"]))
    return form_run(form, lambda d: opinion_receive(actor=user, opinion_id=pk, receipt=Receipt(
        d["received_on"], d["written_on"], d["dementia_rank"], d["short_term_memory"], d["cognitive_ability"],
        d["communication"], d["eating"], d["stability"], d["setting"], d["continuing"] == "continuing",
        d.get("specified_disease") or "")))


FORMS = {"request": OpinionRequestForm, "receive": OpinionReceiveForm, "remind": OpinionRemindForm,
         "cancel": OpinionCancelForm}


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required("certification.view")
def opinion(request, case_id: int):
    """主治医意見書 of a case: its requests and what became of them; the forms to act on them."""
    today = timezone.localdate()
    doctors = selectors.doctor_choices()
    sent, action = None, request.POST.get("action", "") if request.method == "POST" else ""
    if request.method == "POST":
        if action not in FORMS:
            raise Http404
        sent = FORMS[action](request.POST, **({"doctors": doctors} if action == "request" else {}))
        if _act(request, case_id, action, sent) is not None:
            messages.success(request, DONE[action])
            return redirect("certification:opinion", case_id=case_id)
    page = selectors.opinion_page(actor=request.user, request=request, case_id=case_id)
    open_row = next((r for r in page.rows if r.open), None)
    forms = {
        "request": OpinionRequestForm(initial={"requested_on": today}, doctors=doctors),
        "receive": OpinionReceiveForm(initial={"received_on": today, "setting": "home",
                                               "continuing": "continuing" if page.open_continuing else "new"}),
        "remind": OpinionRemindForm(initial={"reminded_on": today}),
        "cancel": OpinionCancelForm(initial={"on": today}),
    }
    if sent is not None:
        forms[action] = sent
    return render(request, "certification/opinion/opinion.html", {
        "tab": page.person, "page": page, "case": page.case, "open_row": open_row, "forms": forms,
        "active_tab": "certification", "can_update": has_permission(request.user, "certification.update"),
        "second_class": page.case.second_class,
    }, status=400 if sent is not None else 200)


@never_cache
@require_GET
@permission_required("certification.view")
def late_opinions(request):
    """督促一覧: the opinions not received in time, of the office's wards."""
    rows, days = selectors.late_opinions(actor=request.user, request=request, today=timezone.localdate())
    return render(request, "certification/opinion/late.html", {"rows": rows, "days": days,
                                                                "limit": selectors.LATE_LIMIT})


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required("certification.view")
def doctors(request):
    """The master of medical institutions and doctors, and a doctor added to it."""
    form = DoctorForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form_run(form, lambda d: doctor_create(
            actor=request.user, institution_code=d["institution_code"], institution_name=d["institution_name"],
            doctor_name=d["doctor_name"])):
        messages.success(request, "医師を登録しました。")
        return redirect("certification:opinion_doctors")
    return render(request, "certification/opinion/doctors.html", {
        "rows": selectors.doctors_list(actor=request.user), "form": form,
        "can_update": has_permission(request.user, "certification.update"),
    }, status=400 if form.errors else 200)
