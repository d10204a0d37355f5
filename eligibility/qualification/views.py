"""Screens of qualification (資格管理) for ward and head-office clerks: a person's qualification
tab with its history and as-of view, and notifications by hand (届出). Reads go through
eligibility.qualification.selectors (one access-log row per request); writes through
eligibility.qualification.services."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from eligibility.qualification import selectors
from eligibility.qualification.forms import AsOfForm, NotificationForm
from eligibility.qualification.rules import DATE_LABELS, Notification
from eligibility.qualification.services import NotificationInvalid, notification_register
from eligibility.residents.selectors import ResidentNotFound
from kaigo.errors import NotPermitted
from kaigo.shell.permissions import permission_required
from kaigo.staff.roles import has_permission


def denied(request, exc: NotPermitted):
    """The page of an access the ward scope refused (the selector has already logged it): 403."""
    return render(request, "eligibility/qualification/denied.html", {"message": exc.message}, status=403)


@never_cache
@require_GET
@permission_required("person.view")
def qualification_tab(request, resident_id: int):
    form = AsOfForm(request.GET if ("known_at" in request.GET or "true_on" in request.GET) else None)
    known_on = true_on = None
    if form.is_bound and form.is_valid():
        known_on, true_on = form.cleaned_data["known_at"], form.cleaned_data["true_on"]
    try:
        tab = selectors.qualification_tab(actor=request.user, request=request, resident_id=resident_id,
                                          known_on=known_on, true_on=true_on)
    except ResidentNotFound:
        raise Http404 from None
    except NotPermitted as exc:  # outside the ward the office limits views to (already logged)
        return denied(request, exc)
    return render(request, "eligibility/qualification/tab.html", {
        "tab": tab, "resident": tab.resident, "form": form, "active_tab": "qualification",
        "can_update": has_permission(request.user, "qualification.update"),
    })


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required("qualification.update")
def notify(request, resident_id: int):
    form = NotificationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        facility = data.get("facility")
        try:
            result = notification_register(
                actor=request.user, resident_id=resident_id,
                notification=Notification(kind=data["kind"], on=data["on"], facility_code=facility.code if facility else ""),
            )
        except ResidentNotFound:
            raise Http404 from None
        except NotPermitted:
            raise PermissionDenied from None
        except NotificationInvalid as exc:
            for problem in exc.problems:
                form.add_error(None, problem)
        else:
            messages.success(request, "届出を登録しました。" + (
                "資格の履歴を更新しました。" if result.changed else "資格の履歴に変更はありません。"))
            return redirect("eligibility:qualification", resident_id=resident_id)
    try:
        page = selectors.notify_page(actor=request.user, request=request, resident_id=resident_id)
    except ResidentNotFound:
        raise Http404 from None
    except NotPermitted as exc:  # outside the ward the office limits views to (already logged)
        return denied(request, exc)
    return render(request, "eligibility/qualification/notify.html", {
        "page": page, "resident": page.resident, "form": form, "date_labels": DATE_LABELS, "active_tab": "notify",
        "can_update": True,
    }, status=400 if form.errors else 200)
