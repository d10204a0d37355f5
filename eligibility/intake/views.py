"""Screens of the registry intake for ward and head-office clerks: the work queue (要確認案件) and
its decisions, and the intake results (files, their counts, rejected and queued lines). Reads go
through eligibility.intake.selectors (one access-log row per request where a person is shown);
decisions through eligibility.intake.services. And a person's moves entered by hand (転出・転居の
手入力) with their confirmation step and correction (訂正)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from eligibility.intake import selectors
from eligibility.intake.forms import (
    BeforeForm,
    FileLinesForm,
    MoveCancelForm,
    MoveForm,
    QueueFilterForm,
    WorkActionForm,
)
from eligibility.intake.rules import MoveInput, WorkAction
from eligibility.intake.services import manual_move_cancel, manual_move_record, move_effect, work_item_resolve
from eligibility.qualification.selectors import LOSS_LABELS, period_rows, reason_label
from kaigo.forms import form_run
from kaigo.shell.permissions import permission_required
from kaigo.shell.responses import confirm_page, confirmed
from kaigo.staff.roles import has_permission

ACTION_LABELS = dict(WorkAction.choices)


@never_cache
@require_GET
@permission_required("qualification.update")
def queue(request):
    form = QueueFilterForm(request.GET)
    ward, after = None, None
    if form.is_valid():
        ward, after = form.cleaned_data.get("ward") or None, form.cleaned_data.get("after")
    page = selectors.work_queue(actor=request.user, request=request, ward=ward, after=after)
    next_url = None
    if page.next_after is not None:
        query = {"after": page.next_after, **({"ward": ward} if ward and page.own_ward is None else {})}
        next_url = f"{reverse('eligibility_office:queue')}?{urlencode(query)}"
    return render(request, "eligibility/qualification/queue.html", {
        "page": page, "form": form, "next_url": next_url, "paged": after is not None,
        "page_size": selectors.QUEUE_PAGE_SIZE, "ward_label": selectors.WARD_LABELS.get(page.ward or "", ""),
    })


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required("qualification.update")
def queue_item(request, item_id: int):
    form = None
    if request.method == "POST":
        form = WorkActionForm(request.POST, actions=[(a, ACTION_LABELS[a]) for a in selectors.work_item_actions(item_id)])
        if form.is_valid() and not confirmed(request):
            return _queue_item_confirm(request, item_id, form.cleaned_data["action"])
        if form_run(form, lambda data: work_item_resolve(actor=request.user, item_id=item_id, action=data["action"])):
            messages.success(request, f"要確認案件を処理しました（{ACTION_LABELS[form.cleaned_data['action']]}）。")
            return redirect("eligibility_office:queue")
    page = selectors.work_item_page(actor=request.user, request=request, item_id=item_id)
    if form is None:
        form = WorkActionForm(actions=[(a, ACTION_LABELS[a]) for a in page.actions])
    return render(request, "eligibility/qualification/queue_item.html", {
        "page": page, "item": page.item, "form": form,
    }, status=400 if form.errors else 200)


ACTION_EFFECTS = {
    WorkAction.NORMAL: "異動を適用し、資格を計算し直します。適用した異動は戻せません（誤りは訂正の届出で直します）。",
    WorkAction.EXEMPTION: ("異動日から適用除外施設への入所を記録してから異動を適用し、資格を計算し直します。"
                           "適用した異動は戻せません（誤りは訂正の届出で直します）。"),
    WorkAction.SELF_SPECIAL: ("異動日から住所地特例（本市の被保険者）を記録してから異動を適用し、資格を計算し直します。"
                              "適用した異動は戻せません（誤りは訂正の届出で直します）。"),
    WorkAction.OTHER_SPECIAL: ("異動日から住所地特例（他市町村の被保険者）を記録してから異動を適用し、資格を計算し直します。"
                               "適用した異動は戻せません（誤りは訂正の届出で直します）。"),
    WorkAction.DISMISS: "この異動は適用されません。取下げた案件は戻せません。",
}


def _queue_item_confirm(request, item_id: int, action: str):
    """The confirmation of a work item's decision: the item, the person (by number), the change
    and what the decision does (nothing written yet; the page read is logged as the item's page)."""
    page = selectors.work_item_page(actor=request.user, request=request, item_id=item_id)
    item = page.item
    lines = [("案件", f"{item.pk}: {page.kind}（{page.ward}）"), ("宛名番号", str(item.person_id or "—")),
             ("異動", page.change_kind), ("処理", ACTION_LABELS[action])]
    return confirm_page(request, title="要確認案件の処理", lines=lines, effect=ACTION_EFFECTS[action],
                        back_url=reverse("eligibility_office:queue-item", args=[item_id]), submit_label="処理する")


# --- intake results --------------------------------------------------------------------------------


@never_cache
@require_GET
@permission_required("intake.view")
def intake_files(request):
    form = BeforeForm(request.GET)
    before = form.cleaned_data.get("before") if form.is_valid() else None
    page = selectors.registry_file_list(before=before)
    return render(request, "eligibility/qualification/intake_list.html", {
        "page": page, "paged": before is not None,
        "next_url": f"?before={page.next_before}" if page.next_before else None,
        "can_see_batches": has_permission(request.user, "batch.view"),
        "page_size": selectors.FILE_PAGE_SIZE,
    })


@never_cache
@require_GET
@permission_required("intake.view")
def intake_file(request, file_id: int):
    form = FileLinesForm(request.GET)
    status, after = "", None
    if form.is_valid():
        status, after = form.cleaned_data.get("status") or "", form.cleaned_data.get("after")
    page = selectors.registry_file_lines(file_id=file_id, status=status, after=after)
    next_url = None
    if page.next_after is not None:
        next_url = "?" + urlencode({"after": page.next_after, **({"status": status} if status else {})})
    return render(request, "eligibility/qualification/intake_file.html", {
        "page": page, "form": form, "next_url": next_url, "paged": after is not None,
        "page_size": selectors.LINE_PAGE_SIZE,
        "can_see_batches": has_permission(request.user, "batch.view"),
        "can_work_queue": has_permission(request.user, "qualification.update"),
    })


# --- moves entered by hand (転出・転居の手入力) ------------------------------------------------------


def _move_input(data) -> MoveInput:
    return MoveInput(kind=data["kind"], moved_on=data["moved_on"], destination=data.get("destination") or "",
                     ward=data.get("ward") or "")


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required("qualification.update")
def moves(request, resident_id: int):
    """Enter a 転出 or 転居 in two steps: the form, then the confirmation showing the qualification
    change (loss day and reason) the move gives; only the confirmed form is saved."""
    form = MoveForm(request.POST if request.method == "POST" else None)
    effect = None
    if request.method == "POST" and "edit" not in request.POST:
        if form.is_valid() and form.cleaned_data.get("confirmed"):
            saved = form_run(form, lambda data: manual_move_record(actor=request.user, resident_id=resident_id,
                                                                   move=_move_input(data)))
            if saved:
                messages.success(request, f"{saved.move.get_kind_display()}を記録しました。" + (
                    "資格の履歴を更新しました。" if saved.changed else "資格の履歴に変更はありません。"))
                return redirect("eligibility:qualification", resident_id=resident_id)
        else:
            effect = form_run(form, lambda data: move_effect(actor=request.user, resident_id=resident_id,
                                                             move=_move_input(data)))
    page = selectors.move_page(actor=request.user, request=request, resident_id=resident_id, effect=effect)
    return render(request, "eligibility/qualification/moves.html", {
        "page": page, "resident": page.resident, "form": form, "effect": effect, "active_tab": "qualification",
        "can_update": True, "after": period_rows(effect.after) if effect else [],
        "loss_label": reason_label(effect.loss_reason, LOSS_LABELS) if effect and effect.loss_reason else "",
    }, status=400 if form.errors else 200)


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required("qualification.update")
def move_cancel(request, resident_id: int, move_id: int):
    """訂正: cancel a move entered by mistake, with a reason (the page says what it undoes)."""
    form = MoveCancelForm(request.POST if request.method == "POST" else None)
    cancelled = request.method == "POST" and form_run(form, lambda data: manual_move_cancel(
        actor=request.user, move_id=move_id, reason=data["reason"]))
    if cancelled:
        messages.success(request, "手入力の異動を取り消しました（訂正）。" + (
            "資格の履歴を更新しました。" if cancelled.changed else "資格の履歴に変更はありません。"))
        return redirect("eligibility:qualification", resident_id=resident_id)
    page, row = selectors.move_row(actor=request.user, request=request, resident_id=resident_id, move_id=move_id)
    return render(request, "eligibility/qualification/move_cancel.html", {
        "page": page, "resident": page.resident, "row": row, "form": form, "active_tab": "qualification",
        "can_update": True,
    }, status=400 if form.errors else 200)
