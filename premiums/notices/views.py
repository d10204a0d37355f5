"""Screens of notices: a levy revision's notice or a reduction's notice as PDF, and every notice of
a batch run as one PDF for the print room. The prints are recorded by premiums.notices.services."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from kaigo.shell.permissions import permission_required
from kaigo.shell.responses import pdf_response
from premiums.notices.models import NoticeKind
from premiums.notices.services import (
    REDUCTION_NOTICE_KINDS,
    NoticeInvalid,
    notice_pdf,
    reduction_notice_pdf,
    run_notices_pdf,
)

PRINTABLE_KINDS = {NoticeKind.DECISION, NoticeKind.PROVISIONAL, NoticeKind.CHANGE, NoticeKind.PAYMENT_SLIP,
                   NoticeKind.PENSION_START, NoticeKind.PENSION_STOP}


@never_cache
@require_GET
@permission_required("premium.collect")
def notice(request, resident_id: int, levy_id: int, kind: str):
    """One notice of a levy revision as PDF (decision, provisional, change, payment slips, pension start); the
    print is recorded (PremiumNotice, access log with channel print). A notice that cannot be printed
    sends the clerk back to the tab with the reason."""
    if kind not in PRINTABLE_KINDS:
        raise Http404
    try:
        content = notice_pdf(kind, levy_id, actor=request.user, request=request, resident_id=resident_id)
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
    if kind not in REDUCTION_NOTICE_KINDS:
        raise Http404
    try:
        content = reduction_notice_pdf(reduction_id, kind=kind, actor=request.user, request=request,
                                       resident_id=resident_id)
    except NoticeInvalid as exc:
        messages.error(request, exc.message)
        return redirect(reverse("premiums:tab", args=[resident_id]) + f"?year={exc.fiscal_year}")
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
