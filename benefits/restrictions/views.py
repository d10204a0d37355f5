"""Screens of benefit restrictions: the head office's candidate list, a person's restrictions (with
the advance notice to open a measure), a restriction's page (answer, decision and lifting, the
irreversible ones confirmed first) and its notices as PDF. Thin: selectors read (and log),
services write (and check role and ward); refusals become the form's errors (kaigo.forms.form_run)."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from benefits.restrictions import selectors
from benefits.restrictions.forms import CandidatesForm, DecideForm, LiftForm, NoticeForm, ReplyForm, WithdrawForm
from benefits.restrictions.models import Measure, NoticeKind
from benefits.restrictions.services import (
    RestrictionInvalid,
    notice_issue,
    reply_record,
    restriction_decide,
    restriction_lift,
    restriction_notice,
    restriction_withdraw,
)
from benefits.rules.restrictions import MEASURE_ARTICLES, MEASURE_LABELS, REDUCTION, measure_period
from eligibility.residents.rules import name_masked
from kaigo.forms import form_run
from kaigo.shell.permissions import permission_required
from kaigo.shell.responses import confirm_page, confirmed, pdf_response
from kaigo.staff.roles import has_permission

ACTIONS = ("reply", "decide", "withdraw", "lift")


def view_or_decide(view):
    """403 unless the staff member holds ``benefit.view`` or ``benefit.decide`` (selectors.may_view)."""
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not selectors.may_view(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


@never_cache
@require_GET
@permission_required("benefit.decide")
def candidates(request):
    """The candidate list (head office): persons whose arrears call for a measure and who have none
    open, the oldest arrears first."""
    form = CandidatesForm(request.GET or None)
    measure, page_no = Measure.PAYMENT_CHANGE, 1
    if form.is_valid():
        measure = form.cleaned_data.get("measure") or measure
        page_no = form.cleaned_data.get("page") or 1
    page = selectors.candidates_page(actor=request.user, request=request, today=timezone.localdate(), measure=measure,
                                     offset=(page_no - 1) * selectors.CANDIDATES_PAGE_SIZE)
    last_page = max((page.total - 1) // selectors.CANDIDATES_PAGE_SIZE + 1, 1)
    return render(request, "benefits/restrictions/candidates.html", {
        "page": page, "form": form, "page_no": page_no, "last_page": last_page,
        "measure_label": MEASURE_LABELS[measure], "notice_form": NoticeForm(initial={"measure": measure}),
    }, status=400 if form.errors else 200)


@never_cache
@require_http_methods(["GET", "POST"])
@view_or_decide
def person(request, resident_id: int):
    """A person's restrictions and arrears; POST opens a measure with its advance notice (予告),
    confirmed first (the notice gives the person the chance to answer: 弁明)."""
    form = NoticeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid() and not confirmed(request):
            page = selectors.person_restrictions(actor=request.user, request=request, resident_id=resident_id,
                                                 today=timezone.localdate())
            measure = form.cleaned_data["measure"]
            lines = [("対象者", name_masked(page.resident.name_kanji or "")), ("措置", MEASURE_LABELS[measure]),
                     ("予告日", f"{timezone.localdate():%Y-%m-%d}")]
            return confirm_page(request, title="給付制限の予告", lines=lines,
                                effect="予告を記録します。予告通知書を発行し、弁明書の提出期限まで弁明を受け付けてください。",
                                back_url=reverse("benefits:restriction_person", args=[resident_id]),
                                submit_label="予告する")
        created = form_run(form, lambda d: restriction_notice(actor=request.user, resident_id=resident_id,
                                                              measure=d["measure"]))
        if created:
            messages.success(request, "予告を記録しました。予告通知書を発行してください。")
            return redirect("benefits:restriction", restriction_id=created.pk)
    page = selectors.person_restrictions(actor=request.user, request=request, resident_id=resident_id,
                                         today=timezone.localdate())
    return render(request, "benefits/restrictions/person.html", {
        "page": page, "tab": page, "resident": page.resident, "notice_form": form,
        "can_decide": has_permission(request.user, "benefit.decide"), "measure_labels": MEASURE_LABELS,
    }, status=400 if form.errors else 200)


def _forms(data=None, action: str = ""):
    today = timezone.localdate()
    return {
        "reply_form": ReplyForm(data if action == "reply" else None, auto_id="reply-%s", initial={"received_on": today}),
        "decide_form": DecideForm(data if action == "decide" else None, auto_id="decide-%s",
                                  initial={"decided_on": today}),
        "withdraw_form": WithdrawForm(data if action == "withdraw" else None, auto_id="withdraw-%s"),
        "lift_form": LiftForm(data if action == "lift" else None, auto_id="lift-%s", initial={"lifted_on": today}),
    }


@never_cache
@require_http_methods(["GET", "POST"])
@view_or_decide
def restriction(request, restriction_id: int):
    """A restriction's page: its state and moves, the person's arrears today, and by its state the
    answer to record, the decision (confirmed first), the withdrawal, the lifting (confirmed first)
    and the notices to issue."""
    page = selectors.restriction_page(actor=request.user, request=request, restriction_id=restriction_id,
                                      today=timezone.localdate())
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if request.method == "POST" and action not in ACTIONS:
        raise Http404
    forms = _forms(request.POST, action)
    back = reverse("benefits:restriction", args=[restriction_id])
    masked = name_masked(page.resident.name_kanji or "")
    if action == "reply" and form_run(forms["reply_form"], lambda d: reply_record(
            actor=request.user, restriction_id=restriction_id, received_on=d["received_on"], note=d["note"],
            circumstance=d["circumstance"])):
        messages.success(request, "弁明を記録しました。")
        return redirect(back)
    if action == "decide":
        form = forms["decide_form"]
        if form.is_valid() and not confirmed(request):
            r = page.restriction
            lines = [("対象者", masked), ("措置", page.measure_label), ("決定日", f"{form.cleaned_data['decided_on']:%Y-%m-%d}")]
            if r.measure != REDUCTION:
                starts = measure_period(r.measure, form.cleaned_data["decided_on"]).starts_on
                lines.append(("開始日", f"{starts:%Y-%m-%d}（解除まで）"))
            else:
                lines.append(("給付額減額期間", "決定時に計算式により算定します（決定日の翌月から）"))
            return confirm_page(request, title="給付制限の決定", lines=lines,
                                effect=("決定すると取り消せません。被保険者証の給付制限欄に印字され、国保連への連携のため"
                                        "決定の通知（イベント）が送られます。決定通知書を発行してください。"),
                                back_url=back, submit_label="決定する")
        if form_run(form, lambda d: restriction_decide(actor=request.user, restriction_id=restriction_id,
                                                       decided_on=d["decided_on"])):
            messages.success(request, "決定しました。決定通知書を発行してください。")
            return redirect(back)
    if action == "withdraw" and form_run(forms["withdraw_form"], lambda d: restriction_withdraw(
            actor=request.user, restriction_id=restriction_id, reason=d["reason"])):
        messages.success(request, "予告を取りやめました。")
        return redirect(back)
    if action == "lift":
        form = forms["lift_form"]
        if form.is_valid() and not confirmed(request):
            lines = [("対象者", masked), ("措置", page.measure_label),
                     ("解除日", f"{form.cleaned_data['lifted_on']:%Y-%m-%d}"), ("解除の理由", form.cleaned_data["reason"])]
            return confirm_page(request, title="給付制限の解除", lines=lines,
                                effect="解除すると元に戻せません。被保険者証の給付制限欄から外れます。解除通知書を発行してください。",
                                back_url=back, submit_label="解除する")
        if form_run(form, lambda d: restriction_lift(actor=request.user, restriction_id=restriction_id,
                                                     lifted_on=d["lifted_on"], reason=d["reason"])):
            messages.success(request, "解除しました。解除通知書を発行してください。")
            return redirect(back)
    failed = any(f.errors for f in forms.values())
    return render(request, "benefits/restrictions/restriction.html", {
        "page": page, "tab": page, "resident": page.resident, "r": page.restriction, **forms,
        "notice_kinds": NoticeKind.choices, "can_decide": has_permission(request.user, "benefit.decide"),
        "measure_labels": MEASURE_LABELS, "article": MEASURE_ARTICLES[page.restriction.measure],
    }, status=400 if failed else 200)


@never_cache
@require_POST
@permission_required("benefit.decide")
def notice(request, restriction_id: int, kind: str):
    """Issue a notice of the restriction and open its PDF; a second issue is a 再発行."""
    if kind not in NoticeKind.values:
        raise Http404
    try:
        issued, pdf = notice_issue(actor=request.user, request=request, restriction_id=restriction_id, kind=kind)
    except RestrictionInvalid as refused:
        messages.error(request, refused.message)
        return redirect("benefits:restriction", restriction_id=restriction_id)
    return pdf_response(pdf, f"restriction-notice-{issued.pk}.pdf")
