"""Supervisors' screens: the access-log search, the alerts and a person's change trail
(permission ``audit.view``)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from audit import selectors, services
from audit.chain import CHAINS
from audit.forms import AccessLogSearchForm, PersonTrailOpenForm
from kaigo.errors import InvalidState
from kaigo.shell.permissions import permission_required

PERMISSION = "audit.view"


def _start_of_day(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))  # in Asia/Tokyo (TIME_ZONE)


@require_GET
@permission_required(PERMISSION)
def access_log(request):
    form = AccessLogSearchForm(request.GET or None)
    page = None
    next_url = None
    if not form.is_bound or form.is_valid():
        data = form.cleaned_data if form.is_bound else {}
        person = data.get("person")
        page = selectors.access_log_search(
            actor=request.user, request=request,
            criteria_kind=",".join(form.criteria_kinds()) if form.is_bound else "",
            username=data.get("username", ""),
            person_id=person,
            function=data.get("function", ""),
            created_from=_start_of_day(data["date_from"]) if data.get("date_from") else None,
            created_before=_start_of_day(data["date_to"] + timedelta(days=1)) if data.get("date_to") else None,
            before_id=data.get("before"),
        )
        if page.next_before is not None:
            query = request.GET.copy()
            query["before"] = str(page.next_before)
            next_url = f"?{query.urlencode()}"
    context = {
        "form": form,
        "page": page,
        "next_url": next_url,
        "before": form.cleaned_data.get("before") if form.is_bound and page is not None else None,
        "first_page_url": _first_page_url(request),
        "page_size": selectors.PAGE_SIZE,
        "open_alerts": selectors.open_alert_count(),
    }
    return render(request, "audit/access_log.html", context)


def _first_page_url(request) -> str:
    query = request.GET.copy()
    query.pop("before", None)
    return f"{request.path}?{query.urlencode()}" if query else request.path


@require_GET
@permission_required(PERMISSION)
def alert_list(request):
    checkpoints = selectors.latest_checkpoints()
    context = {
        "alerts": selectors.alert_list(),
        "alert_limit": selectors.ALERT_LIST_LIMIT,
        "checkpoints": [(CHAINS[chain].label, checkpoint) for chain, checkpoint in checkpoints.items()],
    }
    return render(request, "audit/alert_list.html", context)


@require_POST
@permission_required(PERMISSION)
def alert_acknowledge(request, alert_id: int):
    try:
        alert = services.alert_acknowledge(alert_id=alert_id, actor=request.user)
    except InvalidState as exc:  # acknowledged meanwhile: back to the list with the reason
        messages.error(request, exc.message)
    else:
        messages.success(request, f"警告 #{alert.pk} を確認済みにしました。")
    return redirect("audit:alerts")


@require_GET
@permission_required(PERMISSION)
def person_trail_open(request):
    """The access-log screen's "open the change trail" box: to the person's trail, or back."""
    form = PersonTrailOpenForm(request.GET)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("person", [])) or "宛名番号を入力してください。")
        return redirect("audit:access-log")
    return redirect("audit:person-trail", resident_id=form.cleaned_data["person"])


@never_cache  # personal business data: not kept by the browser or a proxy
@require_GET
@permission_required(PERMISSION)
def person_trail(request, resident_id: int):
    """A person's change trail (宛名 and 世帯), newest first. It shows dates and codes about the
    person, so opening it is logged like any read of their data (function ``audit.trail``)."""
    if not 1 <= resident_id <= services.MAX_PERSON_ID:
        raise Http404
    before = None
    if "before" in request.GET:
        before = selectors.parse_trail_cursor(request.GET["before"])
        if before is None:  # cursors come from our own links only
            raise Http404
    page = selectors.person_trail(actor=request.user, request=request, resident_id=resident_id, before=before)
    path = reverse("audit:person-trail", kwargs={"resident_id": resident_id})
    context = {
        "resident_id": resident_id,
        "page": page,
        "paged": before is not None,
        "first_page_url": path,
        "next_url": f"{path}?before={page.next_before}" if page.next_before else None,
        "page_size": selectors.TRAIL_PAGE_SIZE,
        "encrypted_changed": selectors.ENCRYPTED_CHANGED,
    }
    return render(request, "audit/person_trail.html", context)
