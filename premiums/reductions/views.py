"""Screens of reductions: the application at the counter (減免の申請) and the section chief's
decisions (減免の決定). Reads go through the selectors (one access-log row per request); writes
through premiums.reductions.services."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from kaigo.forms import form_run
from kaigo.shell.permissions import permission_required
from kaigo.staff.roles import has_permission
from premiums.reductions import selectors
from premiums.reductions.forms import DeferralEndForm, ReductionApplicationForm, ReductionDecisionForm
from premiums.reductions.services import (
    ReductionApplication,
    deferral_end,
    reduction_apply,
    reduction_decide,
)
from premiums.tab import selectors as tab_selectors


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required("premium.collect")
def reduction_apply_view(request, resident_id: int):
    tab = tab_selectors.premium_tab(actor=request.user, request=request, resident_id=resident_id,
                                    today=timezone.localdate())
    form = ReductionApplicationForm(request.POST if request.method == "POST" else None,
                                    initial={"applied_on": timezone.localdate(),
                                             "fiscal_year": tab.years[0].fiscal_year if tab.years else None})
    if request.method == "POST" and form_run(form, lambda data: reduction_apply(
            actor=request.user, resident_id=resident_id, application=ReductionApplication(
                data["fiscal_year"], data["kind"], data["applied_on"], data["first_month"], data["last_month"],
                tuple(data["evidence"])))):
        messages.success(request, "減免の申請を受け付けました。所管課長の決定後に保険料を更正します。")
        return redirect("premiums:tab", resident_id=resident_id)
    return render(request, "premiums/reduction_apply.html", {
        "tab": tab, "resident": tab.resident, "form": form, "active_tab": "premiums",
        "can_update": has_permission(request.user, "qualification.update"),
    }, status=400 if form.errors else 200)


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required("premium.reduction.decide")
def reductions(request):
    """減免の決定 (section chief): decide pending applications, end a running deferral early."""
    if request.method == "POST" and request.POST.get("action") == "end":
        form = DeferralEndForm(request.POST)
        failed_id = _reduction_post(request, form, lambda pk, data: deferral_end(
            actor=request.user, reduction_id=pk, until=data["until"], reason=data["reason"]), "徴収猶予を取り消しました。")
        if failed_id is None:
            return redirect("premiums_office:reductions")
        return _reductions_page(request, end_form=form, end_failed_id=failed_id)
    if request.method == "POST":
        form = ReductionDecisionForm(request.POST)
        failed_id = _reduction_post(request, form, lambda pk, data: reduction_decide(
            actor=request.user, reduction_id=pk, approve=data["decision"] == "approve", rate=data.get("rate"),
            stage=data.get("stage"), rejection_reason=data.get("rejection_reason") or ""), "減免の申請を決定しました。")
        if failed_id is None:
            return redirect("premiums_office:reductions")
        return _reductions_page(request, form=form, failed_id=failed_id)
    return _reductions_page(request)


def _reduction_post(request, form, act, done_message: str) -> int | None:
    """Run ``act(reduction id, cleaned data)`` for a valid form; None when done, else the reduction's
    id with the errors on ``form`` (a service refusal as a non-field error)."""
    reduction_id = request.POST.get("reduction", "")
    if not reduction_id.isdigit():
        raise Http404
    if form_run(form, lambda data: act(int(reduction_id), data)):
        messages.success(request, done_message)
        return None
    return int(reduction_id)


def _reductions_page(request, *, form=None, failed_id=None, end_form=None, end_failed_id=None):
    pending, running, decided = selectors.reductions_pending(actor=request.user, request=request)
    failed = (form is not None and form.errors) or (end_form is not None and end_form.errors)
    return render(request, "premiums/reductions.html", {
        "pending": pending, "form": form, "failed_id": failed_id, "blank": ReductionDecisionForm(),
        "running": running, "end_form": end_form, "end_failed_id": end_failed_id, "end_blank": DeferralEndForm(),
        "decided": decided, "decided_days": selectors.DECIDED_DAYS,
        "can_print": has_permission(request.user, "premium.collect"),
    }, status=400 if failed else 200)
