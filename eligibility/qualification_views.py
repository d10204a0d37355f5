"""Screens of qualification (資格管理) for ward and head-office clerks: a person's qualification
tab with its history and as-of view, notifications by hand (届出), card issuance and printing,
the intake's work queue and the intake results. Reads go through
eligibility.qualification_selectors (one access-log row per request); writes through the
services (eligibility.notifications, eligibility.cards, eligibility.work_queue)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from eligibility import qualification_selectors as selectors
from eligibility.cards import CardIssueInvalid, card_issue
from eligibility.models import CardIssue, RegistryFile, Resident, WorkItem
from eligibility.notifications import (
    DATE_LABELS,
    Notification,
    NotificationInvalid,
    notification_register,
)
from eligibility.qualification_forms import (
    AsOfForm,
    BeforeForm,
    CardIssueForm,
    FileLinesForm,
    NotificationForm,
    QueueFilterForm,
    WorkActionForm,
)
from eligibility.work_queue import WorkAction, actions_for, work_item_resolve
from kaigo.errors import ApplicationError, NotPermitted
from kaigo.shell.permissions import permission_required
from kaigo.shell.responses import pdf_response
from kaigo.staff.roles import has_permission

ACTION_LABELS = dict(WorkAction.choices)


def _denied(request, exc: NotPermitted):
    return render(request, "eligibility/qualification/denied.html", {"message": exc.message}, status=403)


# --- a person --------------------------------------------------------------------------------------


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
    except Resident.DoesNotExist:
        raise Http404 from None
    except NotPermitted as exc:  # outside the ward the office limits views to (already logged)
        return _denied(request, exc)
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
        except Resident.DoesNotExist:
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
    except Resident.DoesNotExist:
        raise Http404 from None
    except NotPermitted as exc:  # outside the ward the office limits views to (already logged)
        return _denied(request, exc)
    return render(request, "eligibility/qualification/notify.html", {
        "page": page, "resident": page.resident, "form": form, "date_labels": DATE_LABELS, "active_tab": "notify",
        "can_update": True,
    }, status=400 if form.errors else 200)


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required("person.view")
def cards(request, resident_id: int):
    can_issue = has_permission(request.user, "card.issue")
    form = CardIssueForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not can_issue:
            raise PermissionDenied
        if form.is_valid():
            try:
                issue = card_issue(actor=request.user, resident_id=resident_id, kind=form.cleaned_data["kind"],
                                   reason=form.cleaned_data["reason"])
            except Resident.DoesNotExist:
                raise Http404 from None
            except NotPermitted:
                raise PermissionDenied from None
            except CardIssueInvalid as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"{issue.get_kind_display()}を{'再交付' if issue.reprint else '交付'}しました。"
                                          "「印刷」から PDF を開いて印刷してください。")
                return redirect("eligibility:cards", resident_id=resident_id)
    try:
        page = selectors.cards_page(actor=request.user, request=request, resident_id=resident_id)
    except Resident.DoesNotExist:
        raise Http404 from None
    except NotPermitted as exc:  # outside the ward the office limits views to (already logged)
        return _denied(request, exc)
    return render(request, "eligibility/qualification/cards.html", {
        "page": page, "resident": page.resident, "form": form, "can_issue": can_issue, "active_tab": "cards",
        "can_update": has_permission(request.user, "qualification.update"),
    }, status=400 if form.errors else 200)


@never_cache
@require_GET
@permission_required("card.issue")
def card_pdf(request, resident_id: int, issue_id: int):
    try:
        issue, pdf = selectors.card_print(actor=request.user, request=request, resident_id=resident_id,
                                          issue_id=issue_id)
    except (CardIssue.DoesNotExist, Resident.DoesNotExist):
        raise Http404 from None
    except NotPermitted as exc:  # outside the ward the office limits views to (already logged)
        return _denied(request, exc)
    return pdf_response(pdf, f"card-{issue.pk}.pdf")


@never_cache
@require_GET
@permission_required("card.batch_print")
def run_cards_pdf(request, run_id: int):
    try:
        pdf = selectors.run_cards_print(actor=request.user, request=request, run_id=run_id)
    except CardIssue.DoesNotExist:
        raise Http404 from None
    return pdf_response(pdf, f"cards-run-{run_id}.pdf")


# --- the work queue --------------------------------------------------------------------------------


@never_cache
@require_GET
@permission_required("qualification.update")
def queue(request):
    form = QueueFilterForm(request.GET)
    ward, after = None, None
    if form.is_valid():
        ward, after = form.cleaned_data.get("ward") or None, form.cleaned_data.get("after")
    try:
        page = selectors.work_queue(actor=request.user, request=request, ward=ward, after=after)
    except NotPermitted:
        raise PermissionDenied from None
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
        try:
            item = WorkItem.objects.only("kind").get(pk=item_id)
        except WorkItem.DoesNotExist:
            raise Http404 from None
        form = WorkActionForm(request.POST, actions=[(a, ACTION_LABELS[a]) for a in actions_for(item.kind)])
        if form.is_valid():
            try:
                work_item_resolve(actor=request.user, item_id=item_id, action=form.cleaned_data["action"])
            except NotPermitted:
                raise PermissionDenied from None
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"要確認案件を処理しました（{ACTION_LABELS[form.cleaned_data['action']]}）。")
                return redirect("eligibility_office:queue")
    try:
        page = selectors.work_item_page(actor=request.user, request=request, item_id=item_id)
    except WorkItem.DoesNotExist:
        raise Http404 from None
    except NotPermitted:
        raise PermissionDenied from None
    if form is None:
        form = WorkActionForm(actions=[(a, ACTION_LABELS[a]) for a in page.actions])
    return render(request, "eligibility/qualification/queue_item.html", {
        "page": page, "item": page.item, "form": form,
    }, status=400 if form.errors else 200)


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
    try:
        page = selectors.registry_file_lines(file_id=file_id, status=status, after=after)
    except RegistryFile.DoesNotExist:
        raise Http404 from None
    next_url = None
    if page.next_after is not None:
        next_url = "?" + urlencode({"after": page.next_after, **({"status": status} if status else {})})
    return render(request, "eligibility/qualification/intake_file.html", {
        "page": page, "form": form, "next_url": next_url, "paged": after is not None,
        "page_size": selectors.LINE_PAGE_SIZE,
        "can_see_batches": has_permission(request.user, "batch.view"),
        "can_work_queue": has_permission(request.user, "qualification.update"),
    })
