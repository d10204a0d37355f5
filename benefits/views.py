"""The person's 給付 tab (every benefit package's section, benefits/tab.py)."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from audit.services import access_log_batch, access_log_write
from benefits.ratio.selectors import benefits_person
from benefits.tab import benefit_sections
from kaigo.shell.permissions import permission_required


@never_cache
@require_GET
@permission_required("benefit.view")
def person_tab(request, resident_id: int):
    today = timezone.localdate()
    with access_log_batch():  # the tab's row and each section's own row: one statement
        header, function = benefits_person(actor=request.user, request=request, resident_id=resident_id)
        access_log_write(actor=request.user, request=request, channel="screen", person_ids=[resident_id],
                         function=function)
        sections = [(s, s.read(actor=request.user, request=request, resident=header.resident, today=today))
                    for s in benefit_sections()]
    return render(request, "benefits/tab.html", {
        "person": header, "resident": header.resident, "sections": sections, "today": today,
        "active_tab": "benefits",
    })
