"""Screens of qualification (資格管理) for ward and head-office clerks: a person's qualification
tab with its history and as-of view, and notifications by hand (届出); the facility master
(施設マスタ: facilities only, no personal data; its writes check facility.manage in the services). Reads go through
eligibility.qualification.selectors (one access-log row per request); writes through
eligibility.qualification.services."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from eligibility.qualification import selectors
from eligibility.qualification.forms import (
    AsOfForm,
    FacilityCloseForm,
    FacilityForm,
    FacilitySearchForm,
    NotificationForm,
)
from eligibility.qualification.rules import DATE_LABELS, FacilityInput, Notification
from eligibility.qualification.services import (
    FacilityInvalid,
    facility_close,
    facility_create,
    facility_update,
    notification_register,
)
from kaigo.forms import form_run
from kaigo.shell.permissions import permission_required
from kaigo.staff.roles import has_permission


@never_cache
@require_GET
@permission_required("person.view")
def qualification_tab(request, resident_id: int):
    form = AsOfForm(request.GET if ("known_at" in request.GET or "true_on" in request.GET) else None)
    known_on = true_on = None
    if form.is_bound and form.is_valid():
        known_on, true_on = form.cleaned_data["known_at"], form.cleaned_data["true_on"]
    tab = selectors.qualification_tab(actor=request.user, request=request, resident_id=resident_id,
                                      known_on=known_on, true_on=true_on)
    return render(request, "eligibility/qualification/tab.html", {
        "tab": tab, "resident": tab.resident, "form": form, "active_tab": "qualification",
        "can_update": has_permission(request.user, "qualification.update"),
    })


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required("qualification.update")
def notify(request, resident_id: int):
    form = NotificationForm(request.POST if request.method == "POST" else None)
    result = request.method == "POST" and form_run(form, lambda data: notification_register(
        actor=request.user, resident_id=resident_id, notification=Notification(
            kind=data["kind"], on=data["on"], facility_code=data["facility"].code if data.get("facility") else "")))
    if result:
        messages.success(request, "届出を登録しました。" + (
            "資格の履歴を更新しました。" if result.changed else "資格の履歴に変更はありません。"))
        return redirect("eligibility:qualification", resident_id=resident_id)
    page = selectors.notify_page(actor=request.user, request=request, resident_id=resident_id)
    return render(request, "eligibility/qualification/notify.html", {
        "page": page, "resident": page.resident, "form": form, "date_labels": DATE_LABELS, "active_tab": "notify",
        "can_update": True,
    }, status=400 if form.errors else 200)


# --- the facility master (施設マスタ) ---------------------------------------------------------------


def _run(form, act):
    """``form_run``, with a facility's problems shown at their fields."""

    def act_on_fields(data):
        try:
            return act(data)
        except FacilityInvalid as refused:
            if not refused.fields:
                raise
            for name, message in refused.fields.items():
                form.add_error(name if name in form.fields and not form.fields[name].disabled else None, message)
            return None

    return form_run(form, act_on_fields)


def _input(code: str, data: dict) -> FacilityInput:
    return FacilityInput(code=code, name=data["name"], category=data["category"], municipality=data["municipality"],
                         address=data.get("address") or "", office_number=data.get("office_number") or "",
                         opened_on=data.get("opened_on"))


@never_cache
@require_GET
@permission_required("facility.view")
def facility_list(request):
    form = FacilitySearchForm(request.GET or None)
    criteria = form.cleaned_data if form.is_bound and form.is_valid() else {}
    found = selectors.facility_search(text=(criteria.get("text") or "").strip(), kind=criteria.get("kind") or "",
                                      where=criteria.get("where") or "",
                                      include_closed=bool(criteria.get("include_closed")))
    return render(request, "eligibility/facilities/list.html", {
        "form": form, "found": found, "limit": selectors.FACILITY_LIST_LIMIT,
        "can_manage": has_permission(request.user, "facility.manage"),
    })


@never_cache
@require_GET
@permission_required("facility.view")
def facility_detail(request, code: str):
    return render(request, "eligibility/facilities/detail.html", {
        "facility": selectors.facility_get(code), "history": selectors.facility_history(code),
        "can_manage": has_permission(request.user, "facility.manage"),
    })


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required("facility.manage")
def facility_new(request):
    form = FacilityForm(request.POST if request.method == "POST" else None)
    created = request.method == "POST" and _run(form, lambda data: facility_create(
        actor=request.user, facility=_input(data["code"], data)))
    if created:
        messages.success(request, f"施設「{created.name}」を施設マスタに登録しました。")
        return redirect("eligibility_office:facility", code=created.code)
    return render(request, "eligibility/facilities/form.html", {"form": form, "facility": None},
                  status=400 if form.errors else 200)


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required("facility.manage")
def facility_edit(request, code: str):
    form = FacilityForm(request.POST if request.method == "POST" else None, initial=selectors.facility_values(code),
                        editing=True)
    updated = request.method == "POST" and _run(form, lambda data: facility_update(
        actor=request.user, facility=_input(code, data)))
    if updated:
        messages.success(request, f"施設「{updated.name}」を更新しました。")
        return redirect("eligibility_office:facility", code=updated.code)
    return render(request, "eligibility/facilities/form.html", {"form": form, "facility": selectors.facility_get(code)},
                  status=400 if form.errors else 200)


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required("facility.manage")
def facility_close_view(request, code: str):
    facility = selectors.facility_get(code)
    form = FacilityCloseForm(request.POST if request.method == "POST" else None)
    closed = request.method == "POST" and form_run(form, lambda data: facility_close(
        actor=request.user, code=code, closed_on=data["closed_on"], reason=data["reason"]))
    if closed:
        messages.success(request, f"施設「{closed.name}」を廃止しました（廃止日以降は入所の届出に選べません）。")
        return redirect("eligibility_office:facility", code=code)
    return render(request, "eligibility/facilities/close.html", {"form": form, "facility": facility},
                  status=400 if form.errors else 200)
