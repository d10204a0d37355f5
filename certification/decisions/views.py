"""Screens of decisions: a case's decision page (enter the board's result, decide, decide a
carry-over, issue the notices), a person's certification history with its as-of day and the
cancellation (取消), and the renewal due list of a ward. Thin: selectors read (and log), services
write (and check role and ward); refusals become the form's errors (kaigo.forms.form_run)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from certification.decisions import selectors
from certification.decisions.forms import (
    AsOfForm,
    BoardResultForm,
    CarryOverForm,
    DecideForm,
    RenewalDueForm,
    RevokeForm,
)
from certification.decisions.models import NoticeKind
from certification.decisions.services import (
    BoardEntry,
    CarryOverEntry,
    board_result_enter,
    carry_over_decide,
    certification_revoke,
    decision_decide,
    notice_issue,
)
from certification.rules.levels import Level
from certification.rules.validity import has_validity, validity_period
from eligibility.codes import Ward
from eligibility.residents.rules import name_masked
from eligibility.residents.selectors import home_wards
from kaigo.forms import form_run
from kaigo.shell.permissions import permission_required
from kaigo.shell.responses import confirm_page, confirmed, pdf_response

ACTIONS = ("review", "decide", "carry_over")


def _page(request, case_id: int):
    return selectors.decision_page(actor=request.user, request=request, case_id=case_id)


def _forms(page, data=None, action: str = ""):
    today = timezone.localdate()
    review = BoardResultForm(data if action == "review" else None, auto_id="review-%s",
                             initial={"reviewed_on": page.case.board_on or today,
                                      "level": page.case.primary_level or ""})
    decide = DecideForm(data if action == "decide" else None, auto_id="decide-%s", initial={"decided_on": today})
    carry = CarryOverForm(data if action == "carry_over" else None, auto_id="carry-%s", initial={"decided_on": today})
    return {"review_form": review, "decide_form": decide, "carry_form": carry}


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required("certification.view")
def decision(request, case_id: int):
    """The decision page of a case: by its state, the board's result to enter (審査会待ち), the
    decision to make (二次判定済, confirmed first), the carry-over to decide (転入), or the notices to
    issue (認定済)."""
    page = _page(request, case_id)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if request.method == "POST" and action not in ACTIONS:
        raise Http404
    forms = _forms(page, request.POST, action)
    if action == "review" and form_run(forms["review_form"], lambda d: board_result_enter(
            actor=request.user, case_id=case_id, entry=BoardEntry(
                level=d["level"], months=d["months"], reviewed_on=d["reviewed_on"], level_reason=d["level_reason"],
                board_opinion=d["board_opinion"], designated_services=tuple(d["designated_services"])))):
        messages.success(request, "二次判定の結果を登録しました。内容を確認して認定してください。")
        return redirect("certification:decision", case_id=case_id)
    if action == "decide":
        form = forms["decide_form"]
        if form.is_valid() and not confirmed(request):
            return _decide_confirm(request, page, form.cleaned_data["decided_on"])
        if form_run(form, lambda d: decision_decide(actor=request.user, case_id=case_id, decided_on=d["decided_on"])):
            messages.success(request, "認定しました。結果通知書を発行してください。")
            return redirect("certification:decision", case_id=case_id)
    if action == "carry_over" and form_run(forms["carry_form"], lambda d: carry_over_decide(
            actor=request.user, case_id=case_id, decided_on=d["decided_on"], entry=CarryOverEntry(
                level=d["level"], certificate_valid_to=d["certificate_valid_to"], board_opinion=d["board_opinion"],
                designated_services=tuple(d["designated_services"])))):
        messages.success(request, "受給資格証明書により認定しました。結果通知書を発行してください。")
        return redirect("certification:decision", case_id=case_id)
    failed = any(f.errors for f in forms.values())
    return render(request, "certification/decisions/decision.html", {
        "page": page, "tab": page, "resident": page.resident, "case": page.case, **forms,
    }, status=400 if failed else 200)


def _decide_confirm(request, page, decided_on):
    """The confirmation of a decision (irreversible): the case, the person masked, the level and the
    validity the decision will give (nothing written yet)."""
    result, case = page.result, page.case
    if result is None:
        messages.error(request, "二次判定の結果が入力されていません。")
        return redirect("certification:decision", case_id=case.pk)
    period = "なし（非該当）"
    if has_validity(result.level):
        try:
            v = validity_period(case.kind, months=result.months, applied_on=case.applied_on, decided_on=decided_on,
                                previous_valid_to=page.previous.valid_to if page.previous else None)
            period = f"{v.valid_from:%Y-%m-%d} から {v.valid_to:%Y-%m-%d} まで（{result.months}か月）"
        except ValueError:
            period = "（前回の認定の有効期間がありません）"
    lines = [("案件番号", case.number), ("対象者", name_masked(page.resident.name_kanji or "")),
             ("申請の種類", page.kind_label), ("要介護状態区分", Level(result.level).label), ("有効期間", period),
             ("認定日", f"{decided_on:%Y-%m-%d}")]
    effect = ("認定すると取り消せません。認定を記録し、前回の認定は新しい有効期間の開始日で終了します。"
              "給付・国保連への連携のため、決定の通知（イベント）が送られます。")
    return confirm_page(request, title="認定の決定", lines=lines, effect=effect,
                        back_url=reverse("certification:decision", args=[case.pk]), submit_label="認定する")


@never_cache
@require_POST
@permission_required("certification.decide")
def notice(request, case_id: int, kind: str):
    """Issue a notice of the case (結果通知書 or 延期通知書) and open its PDF; a second issue is a 再発行."""
    if kind not in (NoticeKind.RESULT, NoticeKind.POSTPONEMENT):
        raise Http404
    from certification.decisions.services import DecisionInvalid

    try:
        issue, pdf = notice_issue(actor=request.user, request=request, case_id=case_id, kind=kind)
    except DecisionInvalid as refused:
        messages.error(request, refused.message)
        return redirect("certification:decision", case_id=case_id)
    return pdf_response(pdf, f"certification-notice-{issue.pk}.pdf")


@never_cache
@require_GET
@permission_required("certification.view")
def history(request, resident_id: int):
    """A person's certification history with validity periods, and the one in force on the as-of day."""
    form = AsOfForm(request.GET or None)
    as_of = timezone.localdate()
    if form.is_valid() and form.cleaned_data.get("as_of"):
        as_of = form.cleaned_data["as_of"]
    page = selectors.certification_history(actor=request.user, request=request, resident_id=resident_id, as_of=as_of)
    return render(request, "certification/decisions/history.html", {
        "page": page, "tab": page, "resident": page.resident, "form": form, "revoke_form": RevokeForm(),
    }, status=400 if form.errors else 200)


@never_cache
@require_POST
@permission_required("certification.decide")
def revoke(request, resident_id: int, certification_id: int):
    """取消 (法 §31) of a certification of the person, confirmed first."""
    form = RevokeForm(request.POST)
    if form.is_valid() and not confirmed(request):
        page = selectors.certification_history(actor=request.user, request=request, resident_id=resident_id,
                                               as_of=timezone.localdate())
        row = next((r for r in page.rows if r.pk == certification_id), None)
        if row is None:
            raise Http404
        lines = [("対象者", name_masked(page.resident.name_kanji or "")), ("案件番号", row.case_number),
                 ("要介護状態区分", row.level_label), ("取消日", f"{form.cleaned_data['on']:%Y-%m-%d}"),
                 ("取消の理由", form.cleaned_data["reason"].strip())]
        return confirm_page(request, title="認定の取消", lines=lines,
                            effect="取り消すと元に戻せません。認定は取消日で終了し、給付・国保連へ通知されます。",
                            back_url=reverse("certification:history", args=[resident_id]), submit_label="取り消す")
    if form_run(form, lambda d: certification_revoke(actor=request.user, certification_id=certification_id,
                                                     on=d["on"], reason=d["reason"])):
        messages.success(request, "認定を取り消しました。")
        return redirect("certification:history", resident_id=resident_id)
    for error in form.non_field_errors() or [e for errors in form.errors.values() for e in errors]:
        messages.error(request, error)
    return redirect("certification:history", resident_id=resident_id)


@never_cache
@require_GET
@permission_required("certification.view")
def renewal_due(request):
    """The renewal due list (更新勧奨): certifications of a ward ending within 60 days, nearest first."""
    wards = home_wards(request.user)
    if not wards:
        raise PermissionDenied
    form = RenewalDueForm(request.GET or None)
    ward, page_no = next(code for code, _ in Ward.choices if code in wards), 1
    if form.is_valid():
        page_no = form.cleaned_data.get("page") or 1
        if len(wards) > 1 and form.cleaned_data.get("ward"):
            ward = form.cleaned_data["ward"]
    page = selectors.renewal_due_page(actor=request.user, request=request, ward=ward, today=timezone.localdate(),
                                      offset=(page_no - 1) * selectors.RENEWAL_PAGE_SIZE)
    last_page = max((page.total - 1) // selectors.RENEWAL_PAGE_SIZE + 1, 1)
    return render(request, "certification/decisions/renewal_due.html", {
        "page": page, "form": form, "choose_ward": len(wards) > 1, "ward_label": dict(Ward.choices)[ward],
        "page_no": page_no, "last_page": last_page, "days": selectors.RENEWAL_DUE_DAYS,
    }, status=400 if form.errors else 200)
