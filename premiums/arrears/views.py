"""Screens of arrears: the arrears list of a ward (滞納者一覧) for collection work. Reads go through
premiums.arrears.selectors (one access-log row per page)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from eligibility.codes import Ward
from eligibility.residents.selectors import home_wards
from kaigo.shell.permissions import permission_required
from premiums.arrears import selectors
from premiums.arrears.forms import ArrearsFilterForm


@never_cache
@require_GET
@permission_required("premium.arrears.view")
def arrears(request):
    wards = home_wards(request.user)
    if not wards:
        raise PermissionDenied
    form = ArrearsFilterForm(request.GET or None)
    ward, page_no = next(code for code, _ in Ward.choices if code in wards), 1  # the first ward of the city's list
    if form.is_valid():
        page_no = form.cleaned_data.get("page") or 1
        if len(wards) > 1 and form.cleaned_data.get("ward"):
            ward = form.cleaned_data["ward"]
    page = selectors.arrears_page(actor=request.user, request=request, ward=ward, today=timezone.localdate(),
                                  offset=(page_no - 1) * selectors.ARREARS_PAGE_SIZE)
    last_page = max((page.total - 1) // selectors.ARREARS_PAGE_SIZE + 1, 1)
    return render(request, "premiums/arrears.html", {
        "page": page, "form": form, "choose_ward": len(wards) > 1, "ward_label": dict(Ward.choices)[ward],
        "page_no": page_no, "last_page": last_page,
    })
