"""Views mounted only when KAIGO_BENCH is on (never in production): the reference points the
screen benchmarks compare against. Each renders the same page as the real view, minus one thing."""

from __future__ import annotations

from django.db import connection
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from eligibility import selectors
from eligibility.models import Resident

PLAIN_TABLE = "bench_plain_resident"
PLAIN_COLUMNS = ["id", "household_id", "relation", "my_number", "name_kanji", "name_kana", "address", "phone",
                 "sex", "birth_date", "ward", "status", "sensitive"]


def bare(request):
    """A short string through the full middleware stack (sessions, authentication, CSRF)."""
    return HttpResponse("ok")


@never_cache
def overview_without_log(request, resident_id: int):
    """The overview exactly as the real view renders it, without its access-log row."""
    try:
        overview = selectors.overview_read(resident_id)
    except Resident.DoesNotExist:
        raise Http404 from None
    return render(request, "eligibility/resident_overview.html",
                  {"overview": overview, "resident": overview.resident, "show_my_number": True})


def _plain_residents(where: str, params: list) -> list[Resident]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(PLAIN_COLUMNS)} FROM {PLAIN_TABLE} WHERE {where} ORDER BY id", params)
        rows = cursor.fetchall()
    residents = []
    for row in rows:
        values = dict(zip(PLAIN_COLUMNS, row, strict=True))
        plain = {k: values.pop(k) for k in ("my_number", "name_kanji", "name_kana", "address", "phone")}
        resident = Resident(**values)
        resident.__dict__["_encrypted_plain"] = plain  # the field reads these instead of decrypting
        residents.append(resident)
    return residents


@never_cache
def overview_plain(request, resident_id: int):
    """The same page from an unencrypted copy of the data (and with its access-log row)."""
    found = _plain_residents("id = %s", [resident_id])
    if not found:
        raise Http404
    resident = found[0]
    members = _plain_residents("household_id = %s", [resident.household_id])
    from audit.services import access_log_write

    access_log_write(actor=request.user, request=request, function="person.view", channel="screen",
                     person_ids=[resident.pk, *[m.pk for m in members if m.pk != resident.pk]])
    return render(request, "eligibility/resident_overview.html",
                  {"overview": selectors.Overview(resident, members), "resident": resident, "show_my_number": True})
