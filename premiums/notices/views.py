"""Screens of notices: a levy revision's notice or a reduction's notice as a preview (見本, a GET that
records nothing), its issue (交付・発送, a POST that records who issued it and when), the PDF of an
issued notice, and every notice of a batch run as one PDF for the print room. The issues are
recorded by premiums.notices.services; a GET writes only the access log."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from kaigo.shell.permissions import permission_required
from kaigo.shell.responses import pdf_response
from premiums.notices.models import NoticeKind
from premiums.notices.services import (
    NOTICE_LABELS,
    REDUCTION_NOTICE_KINDS,
    NoticeInvalid,
    issued_notice_pdf,
    notice_issue,
    notice_preview_pdf,
    reduction_notice_issue,
    reduction_notice_preview_pdf,
    run_notices_pdf,
)

PRINTABLE_KINDS = {NoticeKind.DECISION, NoticeKind.PROVISIONAL, NoticeKind.CHANGE, NoticeKind.PAYMENT_SLIP,
                   NoticeKind.PENSION_START, NoticeKind.PENSION_STOP}


@never_cache
@require_GET
@permission_required("premium.collect")
def notice(request, resident_id: int, levy_id: int, kind: str):
    """The preview (見本) of one notice of a levy revision as PDF (decision, provisional, change, payment
    slips, pension start, pension stop): nothing is recorded but the access log. A notice that cannot
    be printed sends the clerk back to the tab with the reason."""
    if kind not in PRINTABLE_KINDS:
        raise Http404
    try:
        content = notice_preview_pdf(kind, levy_id, actor=request.user, request=request, resident_id=resident_id)
    except NoticeInvalid as exc:
        messages.error(request, exc.message)
        return redirect("premiums:tab", resident_id=resident_id)
    return pdf_response(content, f"sample-{kind}-{levy_id}.pdf")


@never_cache
@require_POST
@permission_required("premium.collect")
def notice_issue_view(request, resident_id: int, levy_id: int, kind: str):
    """交付・発送: record the issue of one notice of a levy revision (who, when; 再発行 when issued
    before), then open its PDF (a GET of the issued notice)."""
    if kind not in PRINTABLE_KINDS:
        raise Http404
    try:
        issued = notice_issue(kind, levy_id, actor=request.user, request=request, resident_id=resident_id)
    except NoticeInvalid as exc:
        messages.error(request, exc.message)
        return redirect("premiums:tab", resident_id=resident_id)
    return _issued(request, resident_id, issued.notice)


@never_cache
@require_GET
@permission_required("premium.collect")
def reduction_notice(request, resident_id: int, reduction_id: int, kind: str):
    """The preview (見本) of the notice of a reduction's decision as PDF (減免決定, 徴収猶予決定,
    徴収猶予取消, 申請却下): nothing is recorded but the access log."""
    if kind not in REDUCTION_NOTICE_KINDS:
        raise Http404
    try:
        content = reduction_notice_preview_pdf(reduction_id, kind=kind, actor=request.user, request=request,
                                               resident_id=resident_id)
    except NoticeInvalid as exc:
        messages.error(request, exc.message)
        return redirect(reverse("premiums:tab", args=[resident_id]) + f"?year={exc.fiscal_year}")
    return pdf_response(content, f"sample-{kind}-{reduction_id}.pdf")


@never_cache
@require_POST
@permission_required("premium.collect")
def reduction_notice_issue_view(request, resident_id: int, reduction_id: int, kind: str):
    """交付・発送: record the issue of the notice of a reduction's decision, then open its PDF."""
    if kind not in REDUCTION_NOTICE_KINDS:
        raise Http404
    try:
        issued = reduction_notice_issue(reduction_id, kind=kind, actor=request.user, request=request,
                                        resident_id=resident_id)
    except NoticeInvalid as exc:
        messages.error(request, exc.message)
        return redirect(reverse("premiums:tab", args=[resident_id]) + f"?year={exc.fiscal_year}")
    return _issued(request, resident_id, issued.notice)


def _issued(request, resident_id: int, notice):
    label = NOTICE_LABELS.get(notice.kind, notice.kind)
    messages.success(request, f"{label}の{'再発行' if notice.reprint else '交付'}を記録しました"
                              f"（発行日 {notice.issued_on:%Y-%m-%d}）。")
    return redirect("premiums:issued-notice", resident_id=resident_id, notice_id=notice.pk)


@never_cache
@require_GET
@permission_required("premium.collect")
def issued_notice(request, resident_id: int, notice_id: int):
    """The PDF of a notice issued before, as issued (its date, 再発行 when it was a reprint): a GET that
    records nothing but the access log."""
    content = issued_notice_pdf(notice_id, actor=request.user, request=request, resident_id=resident_id)
    return pdf_response(content, f"notice-{notice_id}.pdf")


@never_cache
@require_GET
@permission_required("card.batch_print")
def run_notices(request, run_id: int):
    """Every notice a batch run issued (the reminders of a day) as one PDF for the print room."""
    batch = run_notices_pdf(run_id, actor=request.user, request=request)
    if not batch.pdf:
        raise Http404
    return pdf_response(batch.pdf, f"run-{run_id}-notices.pdf")
