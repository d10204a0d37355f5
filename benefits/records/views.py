"""Screens of the benefit records: the files received from the national federation (head office:
counts and rejected lines) and a person's monthly records. Reads through
benefits.records.selectors (scope-checked and logged there); the files are taken in by the
operator command ``receive_benefit_records`` (a month is tens of megabytes: not a form upload)."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from benefits.records import selectors
from kaigo.shell.permissions import permission_required


def _offset(request) -> int:
    text = request.GET.get("offset", "0")
    return int(text) if text.isdigit() and len(text) < 9 else 0


@never_cache
@require_GET
@permission_required("benefit.run")
def files(request):
    """給付実績ファイルの受信状況: the last files with their counts."""
    return render(request, "benefits/records/files.html", {"files": selectors.record_files(actor=request.user)})


@never_cache
@require_GET
@permission_required("benefit.run")
def file_detail(request, record_file_id: int):
    """One file: its counts, the rejected lines per reason and a page of them."""
    page = selectors.record_file_page(actor=request.user, file_id=record_file_id, offset=_offset(request))
    return render(request, "benefits/records/file.html", {"page": page, "file": page.file,
                                                           "code_label": selectors.code_label})


@never_cache
@require_GET
@permission_required("benefit.view")
def person_records(request, resident_id: int):
    """A person's benefit records, per service month with its totals."""
    page = selectors.person_records(actor=request.user, request=request, resident_id=resident_id)
    return render(request, "benefits/records/person.html", {"page": page, "tab": page, "resident": page.resident})
