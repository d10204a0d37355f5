"""Views mounted only when KAIGO_BENCH is on (never in production): the reference points the
screen benchmarks compare against. Each renders the same page as the real view, minus one thing."""

from __future__ import annotations

from contextlib import nullcontext

from django.db import connection
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from audit.services import access_log_batch, access_log_write
from eligibility.residents import scope, selectors
from eligibility.residents.models import Resident
from eligibility.residents.views import overview_context
from kaigo.errors import NotPermitted
from kaigo.shell.permissions import permission_required
from kaigo.shell.sections import overview_sections
from premiums.tab.selectors import premium_summary_read

PLAIN_TABLE = "bench_plain_resident"
PLAIN_COLUMNS = ["id", "household_id", "relation", "my_number", "name_kanji", "name_kana", "address", "phone",
                 "sex", "birth_date", "ward", "status", "sensitive"]


def bare(request):
    """A short string through the full middleware stack (sessions, authentication, CSRF)."""
    return HttpResponse("ok")


def _page(request, overview: selectors.Overview, *, log: bool):
    """What eligibility.residents.selectors.resident_overview and its view do after reading the
    household: the scope check, the access-log row (when ``log``) with the flags of its function
    code, the registered sections (kaigo.shell.sections: with ``log``, their own selectors, which
    write their rows; without, the same data read without its row), the rows in one batch as the
    real selector writes them (audit.services.access_log_batch; no transaction around the reads,
    as there), and the same context."""
    resident = overview.resident
    if not scope.person_view_allowed(request.user, resident):
        raise NotPermitted(scope.VIEW_OUTSIDE_WARD)
    function = selectors.overview_function(request.user, overview)
    today = timezone.localdate()
    with access_log_batch() if log else nullcontext():
        if log:
            access_log_write(actor=request.user, request=request, channel="screen", function=function,
                             person_ids=[resident.pk, *[m.pk for m in overview.household if m.pk != resident.pk]])
        for section in overview_sections(request.user):
            data = (section.read(actor=request.user, request=request, person=overview, today=today) if log
                    else UNLOGGED_READS[section.key](resident.pk, today))
            overview.sections.append(selectors.SectionData(section, data))
    return render(request, "eligibility/resident_overview.html", overview_context(request, overview))


# each registered overview section's data read without its access-log row (for the page without log)
UNLOGGED_READS = {"premiums": premium_summary_read}


@never_cache
@permission_required("person.view")
def overview_without_log(request, resident_id: int):
    """The overview exactly as the real view serves it (same permission, scope check, function
    flags and context), without its access-log row."""
    return _page(request, selectors.overview_read(resident_id, timezone.localdate()), log=False)


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
@permission_required("person.view")
def overview_plain(request, resident_id: int):
    """The same page, access-log row included, from an unencrypted copy of the data."""
    found = _plain_residents("id = %s", [resident_id])
    if not found:
        raise Http404
    resident = found[0]
    members = _plain_residents("household_id = %s", [resident.household_id])
    facts = selectors.qualification_facts(resident, timezone.localdate())
    return _page(request, selectors.Overview(resident, members, facts), log=True)
