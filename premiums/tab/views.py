"""Screens of a person's premiums (保険料) for ward and head-office clerks: the premium tab. Reads
go through premiums.tab.selectors (one access-log row per request)."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from kaigo.shell.permissions import permission_required
from kaigo.staff.roles import has_permission
from premiums.intake.pension_feed.format import DeductionResult
from premiums.tab import selectors

STOP_LABELS = dict(DeductionResult.choices)


@never_cache
@require_GET
@permission_required("premium.view")
def premium_tab(request, resident_id: int):
    tab = selectors.premium_tab(actor=request.user, request=request, resident_id=resident_id, today=timezone.localdate())
    years = [y.fiscal_year for y in tab.years]
    asked = request.GET.get("year", "")
    shown = int(asked) if asked.isascii() and asked.isdigit() and int(asked) in years else (years[0] if years else None)
    return render(request, "premiums/tab.html", {
        "tab": tab, "resident": tab.resident, "active_tab": "premiums", "shown": shown,
        "can_update": has_permission(request.user, "qualification.update"),
        "can_collect": has_permission(request.user, "premium.collect"),
        "stop_labels": STOP_LABELS,
        "can_settle": has_permission(request.user, "premium.settle"),
    })
