"""Screens of reductions: the application at the counter (減免の申請) and the section chief's
decisions (減免の決定). Reads go through the selectors (one access-log row per request); writes
through premiums.reductions.services."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from kaigo.forms import form_run
from kaigo.shell.permissions import permission_required
from kaigo.shell.responses import confirm_page, confirmed
from kaigo.staff.roles import has_permission
from premiums.notices.services import notice_links
from premiums.reductions import selectors
from premiums.reductions.forms import DeferralEndForm, ReductionApplicationForm, ReductionDecisionForm
from premiums.reductions.models import ReductionKind, ReductionStatus
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


DECIDE_PREFIX = "reduction-{}"  # each application's form has its own field names and element ids
END_PREFIX = "deferral-{}"
CONFIRM_FUNCTION = "premium.reduction.confirm"


def _decision_form(pk: int, data=None) -> ReductionDecisionForm:
    return ReductionDecisionForm(data, prefix=DECIDE_PREFIX.format(pk))


def _end_form(pk: int, data=None) -> DeferralEndForm:
    return DeferralEndForm(data, prefix=END_PREFIX.format(pk))


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required("premium.reduction.decide")
def reductions(request):
    """減免の決定 (section chief): decide pending applications, end a running deferral early. Each
    application's form carries its own prefix (field names and element ids: a label never ticks
    another application's choice); a decision is irreversible, so a valid form first shows its
    confirmation page (what will be done, the person masked) and is recorded only when sent again
    from there (``confirm=1``)."""
    if request.method != "POST":
        return _reductions_page(request)
    reduction_id = request.POST.get("reduction", "")
    if not reduction_id.isdigit():
        raise Http404
    pk = int(reduction_id)
    if request.POST.get("action") == "end":
        form = _end_form(pk, request.POST)
        if form.is_valid() and not confirmed(request):
            return _end_confirm(request, pk, form.cleaned_data)
        if _reduction_run(request, form, lambda data: deferral_end(
                actor=request.user, reduction_id=pk, until=data["until"], reason=data["reason"]), "徴収猶予を取り消しました。"):
            return redirect("premiums_office:reductions")
        return _reductions_page(request, end_forms={pk: form}, failed=True)
    form = _decision_form(pk, request.POST)
    if form.is_valid() and not confirmed(request):
        r = selectors.reduction_to_decide(pk)
        missing = _missing(r, form.cleaned_data)
        if missing is None:
            return _decide_confirm(request, r, form.cleaned_data)
        form.add_error(*missing)
    if _reduction_run(request, form, lambda data: reduction_decide(
            actor=request.user, reduction_id=pk, approve=data["decision"] == "approve", rate=data.get("rate"),
            stage=data.get("stage"), rejection_reason=data.get("rejection_reason") or ""), "減免の申請を決定しました。"):
        return redirect("premiums_office:reductions")
    return _reductions_page(request, forms={pk: form}, failed=True)


def _reduction_run(request, form, act, done_message: str) -> bool:
    """Run ``act(cleaned data)`` for a valid form (a service refusal becomes a non-field error)."""
    if form_run(form, act) is not None:
        messages.success(request, done_message)
        return True
    return False


def _missing(r, data) -> tuple[str | None, str] | None:
    """(field, message) when the decision lacks what its kind needs (the service would refuse it:
    said before the confirmation page, not after)."""
    if r.status != ReductionStatus.APPLIED:
        return None, "この申請は決定済みです。"
    if data["decision"] != "approve":
        return None if (data.get("rejection_reason") or "").strip() else ("rejection_reason", "却下の理由を入力してください。")
    if r.kind == ReductionKind.BORDERLINE and data.get("stage") is None:
        return "stage", "境界層措置では適用する段階を入力してください。"
    if r.kind not in (ReductionKind.BORDERLINE, ReductionKind.DEFERRAL) and data.get("rate") is None:
        return "rate", "減免の割合を入力してください（全額免除は1）。"
    return None


def _decide_confirm(request, r, data):
    pk = r.pk
    subject = tab_selectors.decision_subject(actor=request.user, request=request, resident_id=r.resident_id,
                                             function=CONFIRM_FUNCTION)
    approve = data["decision"] == "approve"
    lines = [("対象者", subject.label), ("申請", f"申請 {r.pk}・{r.fiscal_year}年度・{r.kind_label}"),
             ("適用する月", f"{r.first_month.year}年{r.first_month.month}月〜{r.last_month.year}年{r.last_month.month}月"),
             ("現在の保険料", f"第{r.stage}段階、{r.amount:,}円" if r.amount is not None else "賦課なし"),
             ("決定", "承認" if approve else "却下")]
    notices = "・".join(label for _, label in notice_links(
        r.kind, ReductionStatus.APPROVED if approve else ReductionStatus.REJECTED, False))
    printed = f"決定後、{notices}を印刷できます。" if notices else ""
    if not approve:
        lines.append(("却下の理由", data["rejection_reason"].strip()))
        effect = f"却下すると取り消せません。{printed}"
    elif r.kind == ReductionKind.DEFERRAL:
        lines.append(("内容", "徴収猶予（猶予期限は適用終了月の末日、閉庁日なら翌開庁日）"))
        effect = ("承認すると取り消せません（早めるには徴収猶予の取消）。期間中の納期の納期限は猶予期限まで延びます。"
                  f"保険料額は変わりません。{printed}")
    else:
        lines.append(("内容", f"第{data['stage']}段階を適用（境界層措置）" if r.kind == ReductionKind.BORDERLINE
                      else f"減免の割合 {data['rate']}（全額免除は1）"))
        effect = f"承認すると取り消せません。{r.fiscal_year}年度の保険料は次の更正処理で計算し直されます。{printed}"
    return confirm_page(request, title="減免の決定", lines=lines, effect=effect,
                        back_url=reverse("premiums_office:reductions") + f"#reduction-{pk}")


def _end_confirm(request, pk: int, data):
    r = selectors.reduction_to_decide(pk)
    subject = tab_selectors.decision_subject(actor=request.user, request=request, resident_id=r.resident_id,
                                             function=CONFIRM_FUNCTION)
    lines = [("対象者", subject.label), ("徴収猶予", f"{r.pk}・{r.fiscal_year}年度"),
             ("猶予期限", f"{r.deferred_until.isoformat() if r.deferred_until else '—'} → {data['until'].isoformat()}"),
             ("取消の理由", data["reason"])]
    effect = "取り消すと戻せません。新しい猶予期限の後に納期限が来る納期は、元の納期限のままになります。"
    return confirm_page(request, title="徴収猶予の取消", lines=lines, effect=effect,
                        back_url=reverse("premiums_office:reductions") + f"#deferral-{pk}",
                        submit_label="取り消す")


def _reductions_page(request, *, forms=None, end_forms=None, failed: bool = False):
    pending, running, decided = selectors.reductions_pending(actor=request.user, request=request)
    forms, end_forms = forms or {}, end_forms or {}
    return render(request, "premiums/reductions.html", {
        "pending": [(r, forms.get(r.pk) or _decision_form(r.pk)) for r in pending],
        "running": [(d, end_forms.get(d.pk) or _end_form(d.pk)) for d in running],
        "decided": decided, "decided_days": selectors.DECIDED_DAYS,
        "can_print": has_permission(request.user, "premium.collect"),
    }, status=400 if failed else 200)
