from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from kaigo.batches import selectors, services
from kaigo.batches.forms import BatchKindChoiceForm
from kaigo.batches.models import BatchRun
from kaigo.batches.registry import ConfirmationRequired, kind_to_start, params_shown
from kaigo.errors import ApplicationError
from kaigo.forms import form_run
from kaigo.shell.permissions import permission_required
from kaigo.staff.roles import has_permission


@permission_required("batch.view")
def run_list(request):
    runs = selectors.batch_run_list()
    context = {
        "runs": runs,
        "any_running": any(not r.is_finished for r in runs),
        "can_operate": has_permission(request.user, "batch.operate"),
        "kind_form": BatchKindChoiceForm(),
    }
    template = "batches/_run_table.html" if request.htmx else "batches/run_list.html"
    return render(request, template, context)


@permission_required("batch.view")
def run_detail(request, run_id: int):
    run = selectors.batch_run_get(run_id=run_id)
    context = {
        "run": run,
        "params": params_shown(run.kind, run.params or {}),
        "chunks": selectors.batch_chunk_summary(run=run),
        "errors": selectors.batch_error_list(run=run),
        "error_limit": selectors.ERROR_LIST_LIMIT,
        "can_operate": has_permission(request.user, "batch.operate"),
    }
    template = "batches/_run_progress.html" if request.htmx else "batches/run_detail.html"
    return render(request, template, context)


@permission_required("batch.operate")
def run_start(request):
    kind_name = request.GET.get("kind") or request.POST.get("kind")
    try:
        kind = kind_to_start(kind_name or "")  # a demo kind is not offered in production
    except ApplicationError:
        raise Http404 from None
    if kind.form_class is None:
        raise Http404
    form = kind.form(request.POST if request.method == "POST" else None)
    confirm = None  # what the operator must confirm first (ConfirmationRequired), shown above the form

    def start(data):
        nonlocal confirm
        try:
            return services.batch_start(kind=kind.name, params=request.POST.dict(), actor=request.user,
                                        origin=BatchRun.Origin.SCREEN, confirmed=request.POST.get("confirmed", ""))
        except ConfirmationRequired as asked:
            confirm = asked
            return None

    run = request.method == "POST" and form_run(form, start)
    if run:
        messages.success(request, f"バッチ #{run.pk}（{kind.label}）を開始しました。")
        return redirect("batches:detail", run_id=run.pk)
    return render(request, "batches/run_start.html", {"kind": kind, "form": form, "confirm": confirm})


@require_POST
@permission_required("batch.operate")
def run_resume(request, run_id: int):
    selectors.batch_run_get(run_id=run_id)  # 404 for a run that does not exist
    try:
        services.batch_resume(run_id=run_id, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"バッチ #{run_id} の未処理・失敗分を再実行しました。")
    return redirect("batches:detail", run_id=run_id)
