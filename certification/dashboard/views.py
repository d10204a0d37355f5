"""The deadline dashboard (締切の管理): the chief's and the clerks' view of the open cases against
the legal 30 days (法 §27 第11項). Reads go through certification.dashboard.selectors (scope,
one access-log row per page)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from urllib.parse import urlencode

from django.shortcuts import render
from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from certification.dashboard import selectors
from certification.dashboard.forms import DashboardFilterForm
from certification.rules.cases import CaseKind, CaseState
from eligibility.codes import Ward
from kaigo.jinja2 import wareki
from kaigo.shell.menu import record_url, record_urls
from kaigo.shell.permissions import permission_required
from kaigo.staff.roles import has_permission

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


@dataclass(frozen=True)
class ListRow:
    """A case of a list as the page shows it (text only; the markup is the template's)."""

    number: str
    url: str | None
    ward: str
    kind: str
    state: str
    applied: str
    due: str
    last: str  # days left (残り日数), or the notice's day and delay on the late-notice list


def _days_left(days: int) -> str:
    return f"あと{days}日" if days > 0 else "本日が期限" if days == 0 else f"{-days}日超過"


WARDS, KINDS, STATES = dict(Ward.choices), dict(CaseKind.choices), dict(CaseState.choices)


def list_rows(cases, *, late: bool = False) -> list[ListRow]:
    """The rows of a case list, each date in 和暦 once (a list of a hundred cases has a few dozen
    dates) and the case pages' URLs with the script prefix read once: a page's three lists render
    without a macro call per row."""
    day = functools.lru_cache(maxsize=None)(wareki)
    urls = (record_urls(CASE_PAGE, [r.case_id for r in cases.rows]) if _case_page_exists(get_script_prefix())
            else [None] * len(cases.rows))
    return [ListRow(r.number, url, WARDS[r.ward], KINDS[r.kind], STATES[r.state], day(r.applied_on),
                    day(r.due_on), f"{day(r.postponed_on)}（{(r.postponed_on - r.due_on).days}日遅れ）" if late
                    else _days_left(r.days_left)) for r, url in zip(cases.rows, urls)]


def _all_due_url(ward: str | None) -> str | None:
    """The case list filtered to the cases due within 7 days or past the 30 days without a
    postponement notice (both dashboard lists, every row), for the staff who may open it."""
    try:
        path = reverse("certification:case_list")
    except NoReverseMatch:
        return None
    return f"{path}?{urlencode({'due_soon': 'on', **({'ward': ward} if ward else {})})}"


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
        "board": board, "form": form, "choose_ward": choose_ward, "ward_labels": dict(Ward.choices),
        "due_soon": list_rows(board.due_soon), "overdue": list_rows(board.overdue),
        "late_notices": list_rows(board.late_notices, late=True), "scope_label": "・".join(dict(Ward.choices)[w] for w in board.wards)
        if len(board.wards) < 3 else "すべての区" if len(board.wards) == len(Ward.values) else f"{len(board.wards)}区",
        "limit": selectors.LIST_LIMIT, "may_list": has_permission(request.user, "certification.view"), "wait_long_days": selectors.WAIT_LONG_DAYS,
        "all_due_url": _all_due_url(ward),
    })
