"""Screens of cards and certificates (証類): a person's card tab (issuing at the counter), the PDF
of an issue, and the PDF of every card a batch run issued. Reads go through
eligibility.cards.selectors (one access-log row per request); writes through
eligibility.cards.services."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from eligibility.cards import selectors
from eligibility.cards.forms import CardIssueForm
from eligibility.cards.services import card_issue
from kaigo.forms import form_run
from kaigo.shell.permissions import permission_required
from kaigo.shell.responses import pdf_response
from kaigo.staff.roles import has_permission


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required("person.view")
def cards(request, resident_id: int):
    can_issue = has_permission(request.user, "card.issue")
    form = CardIssueForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not can_issue:
            raise PermissionDenied
        issue = form_run(form, lambda data: card_issue(actor=request.user, resident_id=resident_id,
                                                        kind=data["kind"], reason=data["reason"]))
        if issue:
            messages.success(request, f"{issue.get_kind_display()}を{'再交付' if issue.reprint else '交付'}しました。"
                                      "「印刷」から PDF を開いて印刷してください。")
            return redirect("eligibility:cards", resident_id=resident_id)
    page = selectors.cards_page(actor=request.user, request=request, resident_id=resident_id)
    return render(request, "eligibility/qualification/cards.html", {
        "page": page, "resident": page.resident, "form": form, "can_issue": can_issue, "active_tab": "cards",
        "can_update": has_permission(request.user, "qualification.update"),
    }, status=400 if form.errors else 200)


@never_cache
@require_GET
@permission_required("card.issue")
def card_pdf(request, resident_id: int, issue_id: int):
    issue, pdf = selectors.card_print(actor=request.user, request=request, resident_id=resident_id, issue_id=issue_id)
    return pdf_response(pdf, f"card-{issue.pk}.pdf")


@never_cache
@require_GET
@permission_required("card.batch_print")
def run_cards_pdf(request, run_id: int):
    pdf = selectors.run_cards_print(actor=request.user, request=request, run_id=run_id)
    return pdf_response(pdf, f"cards-run-{run_id}.pdf")
