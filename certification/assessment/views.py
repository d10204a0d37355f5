"""Screens of the primary assessment: a case's assessment (run the development estimator, or show
the imported result of the national software), and the exchange with the national software (the
cases ready, the export file, the import of the result file with its bad lines). Reads through
certification.assessment.selectors (logged); writes through certification.assessment.services."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from certification.assessment import selectors
from certification.assessment.forms import ResultFileForm
from certification.assessment.port import ESTIMATOR_NOTICE
from certification.assessment.services import assessment_import, primary_estimate
from kaigo.forms import StaffForm, form_run
from kaigo.shell.permissions import permission_required
from kaigo.staff.roles import has_permission


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required("certification.view")
def assessment(request, case_id: int):
    """一次判定 of a case: the results recorded (the estimator's marked as not official) and, for a
    clerk, the estimator run."""
    form = StaffForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if request.POST.get("action") != "estimate":
            raise Http404
        if form_run(form, lambda d: primary_estimate(actor=request.user, case_id=case_id)) is not None:
            messages.success(request, f"一次判定の結果を記録しました（{ESTIMATOR_NOTICE}）。")
            return redirect("certification:assessment", case_id=case_id)
    page = selectors.assessment_page(actor=request.user, request=request, case_id=case_id)
    return render(request, "certification/assessment/assessment.html", {
        "tab": page.person, "page": page, "case": page.case, "form": form, "notice": ESTIMATOR_NOTICE,
        "active_tab": "certification", "can_update": has_permission(request.user, "certification.update"),
    }, status=400 if form.errors else 200)


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required("certification.view")
def exchange(request):
    """The exchange with the national software: the cases ready, the export, the result import."""
    form = ResultFileForm(request.POST, request.FILES) if request.method == "POST" else ResultFileForm()
    if request.method == "POST":
        outcome = form_run(form, lambda d: assessment_import(actor=request.user, data=d["file"].read(),
                                                             file_name=d["file"].name or ""))
        if outcome is not None:
            messages.success(request, f"結果ファイルを取り込みました（記録 {len(outcome.recorded)}件、"
                                      f"取り込めなかった行 {len(outcome.bad)}件）。")
            return redirect("certification:assessment_exchange")
    return render(request, "certification/assessment/exchange.html", {
        "ready": selectors.export_ready(actor=request.user, request=request), "form": form,
        "imports": selectors.recent_imports(actor=request.user),
        "can_update": has_permission(request.user, "certification.update"),
    }, status=400 if form.errors else 200)


@never_cache
@require_GET
@permission_required("certification.update")
def export(request):
    """The export file of the cases ready (CSV, downloaded)."""
    data, _ = selectors.export_download(actor=request.user, request=request)
    response = HttpResponse(data, content_type="text/csv; charset=utf-8")
    name = f"ichiji-export-{timezone.localdate().strftime('%Y%m%d')}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
