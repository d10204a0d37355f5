"""The deadline dashboard (締切の管理): the chief's and the clerks' view of the open cases against
the legal 30 days (法 §27 第11項). Reads go through certification.dashboard.selectors (scope,
one access-log row per page)."""

from __future__ import annotations

import functools

from django.shortcuts import render
from django.urls import NoReverseMatch, get_script_prefix
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from certification.dashboard import selectors
from certification.dashboard.forms import DashboardFilterForm
from certification.rules.cases import CaseKind, CaseState
from eligibility.codes import Ward
from kaigo.shell.menu import record_url
from kaigo.shell.permissions import permission_required

CASE_PAGE = "certification:case_detail"


@functools.lru_cache(maxsize=8)
def _case_page_exists(script_prefix: str) -> bool:
    try:
        record_url(CASE_PAGE, 1)
    except NoReverseMatch:
        return False
    return True


def case_url(case_id: int) -> str | None:
    """The case page's URL, or None while the case page is not there (its URL name does not resolve)."""
    return record_url(CASE_PAGE, case_id) if _case_page_exists(get_script_prefix()) else None


@never_cache
@require_GET
@permission_required(selectors.PERMISSION)
def dashboard(request):
    wards = selectors.dashboard_wards(request.user)
    choose_ward = len(wards) > 1
    form = DashboardFilterForm(request.GET or None)
    if choose_ward:
        form.fields["ward"].choices = [("", "すべての区"), *[(c, label) for c, label in Ward.choices if c in wards]]
    ward = form.cleaned_data.get("ward") if choose_ward and form.is_valid() else None
    board = selectors.dashboard_view(actor=request.user, request=request, today=timezone.localdate(),
                                     ward=ward or None)
    return render(request, "certification/dashboard/dashboard.html", {
        "board": board, "form": form, "choose_ward": choose_ward, "case_url": case_url,
        "ward_labels": dict(Ward.choices), "kind_labels": dict(CaseKind.choices),
        "state_labels": dict(CaseState.choices), "scope_label": "・".join(dict(Ward.choices)[w] for w in board.wards)
        if len(board.wards) < 3 else "すべての区" if len(board.wards) == len(Ward.values) else f"{len(board.wards)}区",
        "limit": selectors.LIST_LIMIT, "wait_long_days": selectors.WAIT_LONG_DAYS,
    })
