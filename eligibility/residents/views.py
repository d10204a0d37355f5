"""Screens of residents: the person search and a person's overview with their household."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from audit.trail import trail_not_needed
from eligibility.residents import scope, selectors
from eligibility.residents.forms import ResidentSearchForm
from kaigo.forms import form_run
from kaigo.shell.permissions import permission_required
from kaigo.shell.sections import overview_sections, person_tabs
from kaigo.staff.roles import has_permission


@never_cache
@trail_not_needed  # its POST is a read (the criteria stay out of the URL)
@permission_required("person.view")
def resident_search(request):
    """Search by POST: names and numbers never travel in a URL (nor in proxy and server logs)."""
    allow = has_permission(request.user, "my_number.view")
    form = ResidentSearchForm(request.POST if request.method == "POST" else None, allow_my_number=allow)
    result = None
    if request.method == "POST":
        result = form_run(form, lambda data: selectors.resident_search(
            actor=request.user, request=request, criteria=selectors.SearchCriteria(
                insured_number=data.get("insured_number") or "", my_number=data.get("my_number") or "",
                kana_name=data.get("kana_name") or "", kana_surname=data.get("kana_surname") or "",
                birth_date=data.get("birth_date"))))
    return render(request, "eligibility/resident_search.html", {
        "form": form, "result": result, "search_limit": selectors.SEARCH_LIMIT,
        # Each row links to "<prefix><number>/": one reversal per page, not one per row.
        "overview_prefix": overview_url_prefix() if result is not None else "",
    })


def overview_url_prefix() -> str:
    """The overview's URL without its trailing "<resident_id>/" ("/persons/")."""
    return reverse("eligibility:overview", args=[0]).removesuffix("0/")


@never_cache
@permission_required("person.view")
def resident_overview(request, resident_id: int):
    """The person's page, the counter's page (宛名照会): who they are, their insurance facts, the
    sections the other apps register (this year's premium, ...) and the tabs, at one look."""
    overview = selectors.resident_overview(actor=request.user, request=request, resident_id=resident_id,
                                           today=timezone.localdate(), sections=overview_sections(request.user))
    return render(request, "eligibility/resident_overview.html", overview_context(request, overview))


def overview_context(request, overview: selectors.Overview) -> dict:
    return {
        "overview": overview, "resident": overview.resident, "facts": overview.qualification,
        "tabs": person_tabs(request.user), "active_tab": "overview",
        "show_my_number": has_permission(request.user, "my_number.view"),
        # address, phone and reason of a protected household (支援措置): designated staff of its ward
        "show_protected": overview.protected and scope.sensitive_visible(request.user, overview.resident),
    }
