"""Screens of qualification (資格管理) for ward and head-office clerks: a person's qualification
tab with its history and as-of view, and notifications by hand (届出). Reads go through
eligibility.qualification.selectors (one access-log row per request); writes through
eligibility.qualification.services."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from eligibility.qualification import selectors
from eligibility.qualification.forms import AsOfForm, NotificationForm
from eligibility.qualification.rules import DATE_LABELS, Notification
from eligibility.qualification.services import notification_register
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
