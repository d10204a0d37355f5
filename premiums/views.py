"""Screens of premiums (保険料) for ward and head-office clerks: a person's premium tab. Reads go
through premiums.tab_selectors (one access-log row per request)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from eligibility.models import Resident
from kaigo.errors import NotPermitted
from kaigo.shell.permissions import permission_required
from kaigo.staff.roles import has_permission
from premiums import tab_selectors


@never_cache
@require_GET
@permission_required("premium.view")
def premium_tab(request, resident_id: int):
    try:
        tab = tab_selectors.premium_tab(actor=request.user, request=request, resident_id=resident_id,
                                        today=timezone.localdate())
    except Resident.DoesNotExist:
        raise Http404 from None
    except NotPermitted as exc:
        return render(request, "eligibility/qualification/denied.html", {"message": exc.message}, status=403)
    return render(request, "premiums/tab.html", {
        "tab": tab, "resident": tab.resident, "active_tab": "premiums",
        "can_update": has_permission(request.user, "qualification.update"),
    })
