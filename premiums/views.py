"""Screens of premiums (保険料) for ward and head-office clerks: a person's premium tab and the
counter payment (窓口収納). Reads go through premiums.tab_selectors (one access-log row per
request); writes through premiums.payments."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from eligibility.codes import Ward
from eligibility.residents.selectors import ResidentNotFound, home_wards
from kaigo.errors import NotPermitted
from kaigo.shell.permissions import permission_required
from kaigo.shell.responses import pdf_response
from kaigo.staff.roles import has_permission
from premiums import tab_selectors
from premiums.forms import (
    SimulatorForm,
    ArrearsFilterForm,
    CounterPaymentForm,
    DeferralEndForm,
    ReductionApplicationForm,
    ReductionDecisionForm,
)
from premiums.estimate import premium_estimate
from premiums.models import Levy, NoticeKind, Reduction
from premiums.notices import REDUCTION_NOTICE_KINDS, NoticeInvalid, notice_pdf, reduction_notice_pdf, run_notices_pdf
from premiums.rules.errors import PremiumRuleError, RateTableError
from premiums.rules.tables import fiscal_year_of
from premiums.reductions import (
    ReductionApplication,
    ReductionInvalid,
    deferral_end,
    reduction_apply,
    reduction_decide,
)
from premiums.payments import CounterPayment, PaymentInvalid, payment_record_counter


@never_cache
@require_GET
@permission_required("premium.view")
def premium_tab(request, resident_id: int):
    try:
        tab = tab_selectors.premium_tab(actor=request.user, request=request, resident_id=resident_id,
                                        today=timezone.localdate())
    except ResidentNotFound:
        raise Http404 from None
    except NotPermitted as exc:
        return render(request, "eligibility/qualification/denied.html", {"message": exc.message}, status=403)
    years = [y.fiscal_year for y in tab.years]
    asked = request.GET.get("year", "")
    shown = int(asked) if asked.isdigit() and int(asked) in years else (years[0] if years else None)
    return render(request, "premiums/tab.html", {
        "tab": tab, "resident": tab.resident, "active_tab": "premiums", "shown": shown,
        "can_update": has_permission(request.user, "qualification.update"),
        "can_collect": has_permission(request.user, "premium.collect"),
    })


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required("premium.collect")
def counter_payment(request, resident_id: int):
    try:
        tab = tab_selectors.premium_tab(actor=request.user, request=request, resident_id=resident_id,
                                        today=timezone.localdate())
    except ResidentNotFound:
        raise Http404 from None
    except NotPermitted as exc:
        return render(request, "eligibility/qualification/denied.html", {"message": exc.message}, status=403)
    choices = [(CounterPaymentForm.key(y.fiscal_year, r.method, r.month),
                f"{y.fiscal_year}年度 {r.label}（納期限 {r.due_date:%Y-%m-%d}、未納 {r.open:,}円）")
               for y in tab.years for r in y.balance.rows if r.open and r.due_date]
    form = CounterPaymentForm(request.POST if request.method == "POST" else None, choices=choices,
                              initial={"paid_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        fiscal_year, method, month = form.installment_parts()
        try:
            payment_record_counter(actor=request.user, resident_id=resident_id, data=CounterPayment(
                fiscal_year, method, month, form.cleaned_data["amount"], form.cleaned_data["paid_on"],
                form.cleaned_data["note"]))
        except PaymentInvalid as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "収納を登録しました。")
            return redirect("premiums:tab", resident_id=resident_id)
    return render(request, "premiums/counter_payment.html", {
        "tab": tab, "resident": tab.resident, "form": form, "active_tab": "premiums",
        "can_update": has_permission(request.user, "qualification.update"),
    }, status=400 if form.errors else 200)


@never_cache
@require_GET
@permission_required("premium.arrears.view")
def arrears(request):
    wards = home_wards(request.user)
    if not wards:
        raise PermissionDenied
    form = ArrearsFilterForm(request.GET or None)
    ward, page_no = (sorted(wards)[0] if len(wards) == 1 else "kawasaki"), 1
    if form.is_valid():
        page_no = form.cleaned_data.get("page") or 1
        if len(wards) > 1 and form.cleaned_data.get("ward"):
            ward = form.cleaned_data["ward"]
    page = tab_selectors.arrears_page(actor=request.user, request=request, ward=ward, today=timezone.localdate(),
                                      offset=(page_no - 1) * tab_selectors.ARREARS_PAGE_SIZE)
    last_page = max((page.total - 1) // tab_selectors.ARREARS_PAGE_SIZE + 1, 1)
    return render(request, "premiums/arrears.html", {
        "page": page, "form": form, "choose_ward": len(wards) > 1, "ward_label": dict(Ward.choices)[ward],
        "page_no": page_no, "last_page": last_page,
    })


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required("premium.collect")
def reduction_apply_view(request, resident_id: int):
    try:
        tab = tab_selectors.premium_tab(actor=request.user, request=request, resident_id=resident_id,
                                        today=timezone.localdate())
    except ResidentNotFound:
        raise Http404 from None
    except NotPermitted as exc:
        return render(request, "eligibility/qualification/denied.html", {"message": exc.message}, status=403)
    form = ReductionApplicationForm(request.POST if request.method == "POST" else None,
                                    initial={"applied_on": timezone.localdate(),
                                             "fiscal_year": tab.years[0].fiscal_year if tab.years else None})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            reduction_apply(actor=request.user, resident_id=resident_id, application=ReductionApplication(
                data["fiscal_year"], data["kind"], data["applied_on"], data["first_month"], data["last_month"],
                tuple(data["evidence"])))
        except ReductionInvalid as exc:
            form.add_error(None, exc.message)
        else:
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
    if form.is_valid():
        try:
            act(int(reduction_id), form.cleaned_data)
        except Reduction.DoesNotExist:
            raise Http404 from None
        except ReductionInvalid as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, done_message)
            return None
    return int(reduction_id)


def _reductions_page(request, *, form=None, failed_id=None, end_form=None, end_failed_id=None):
    pending, running, decided = tab_selectors.reductions_pending(actor=request.user, request=request)
    failed = (form is not None and form.errors) or (end_form is not None and end_form.errors)
    return render(request, "premiums/reductions.html", {
        "pending": pending, "form": form, "failed_id": failed_id, "blank": ReductionDecisionForm(),
        "running": running, "end_form": end_form, "end_failed_id": end_failed_id, "end_blank": DeferralEndForm(),
        "decided": decided, "decided_days": tab_selectors.DECIDED_DAYS,
        "can_print": has_permission(request.user, "premium.collect"),
    }, status=400 if failed else 200)


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required("premium.view")
def simulator(request):
    """保険料の試算: the stage, the amount and how it is computed, from facts a resident tells at the
    counter (by POST: a person's income figures never go into a URL, a server log or the browser's
    history; nothing is stored or logged)."""
    form = SimulatorForm(request.POST if request.method == "POST" else None,
                         initial={"fiscal_year": fiscal_year_of(timezone.localdate())})
    result = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            result = premium_estimate(data)
        except (PremiumRuleError, RateTableError) as exc:
            form.add_error(None, exc.message)
    return render(request, "premiums/simulator.html", {"form": form, "result": result},
                  status=400 if form.errors else 200)


PRINTABLE_KINDS = {NoticeKind.DECISION, NoticeKind.PROVISIONAL, NoticeKind.CHANGE, NoticeKind.PAYMENT_SLIP,
                   NoticeKind.PENSION_START, NoticeKind.PENSION_STOP}


@never_cache
@require_GET
@permission_required("premium.collect")
def notice(request, resident_id: int, levy_id: int, kind: str):
    """One notice of a levy revision as PDF (decision, provisional, change, payment slips, pension start); the
    print is recorded (PremiumNotice, access log with channel print)."""
    if kind not in PRINTABLE_KINDS or not Levy.objects.filter(pk=levy_id, resident_id=resident_id).exists():
        raise Http404
    try:
        content = notice_pdf(kind, levy_id, actor=request.user, request=request)
    except NotPermitted as exc:
        return render(request, "eligibility/qualification/denied.html", {"message": exc.message}, status=403)
    except NoticeInvalid as exc:
        messages.error(request, exc.message)
        return redirect("premiums:tab", resident_id=resident_id)
    return pdf_response(content, f"notice-{kind}-{levy_id}.pdf")


@never_cache
@require_GET
@permission_required("premium.collect")
def reduction_notice(request, resident_id: int, reduction_id: int, kind: str):
    """The notice of a reduction's decision as PDF (減免決定, 徴収猶予決定, 徴収猶予取消, 申請却下); the
    print is recorded (PremiumNotice naming the reduction, access log with channel print)."""
    reduction = Reduction.objects.filter(pk=reduction_id, resident_id=resident_id).only("fiscal_year").first()
    if kind not in REDUCTION_NOTICE_KINDS or reduction is None:
        raise Http404
    try:
        content = reduction_notice_pdf(reduction_id, kind=kind, actor=request.user, request=request)
    except NotPermitted as exc:
        return render(request, "eligibility/qualification/denied.html", {"message": exc.message}, status=403)
    except NoticeInvalid as exc:
        messages.error(request, exc.message)
        return redirect(reverse("premiums:tab", args=[resident_id]) + f"?year={reduction.fiscal_year}")
    return pdf_response(content, f"notice-{kind}-{reduction_id}.pdf")


@never_cache
@require_GET
@permission_required("card.batch_print")
def run_notices(request, run_id: int):
    """Every notice a batch run issued (the reminders of a day) as one PDF for the print room."""
    batch = run_notices_pdf(run_id, actor=request.user, request=request)
    if not batch.pdf:
        raise Http404
    return pdf_response(batch.pdf, f"run-{run_id}-notices.pdf")
