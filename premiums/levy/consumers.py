"""The levy's consumers of domain events (kaigo/outbox): a qualification change puts the person's
levied years from the change on, and the current year, on the re-levy queue (更正)."""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

from kaigo.outbox.registry import consumer
from premiums.levy.models import LevyPendingCause
from premiums.levy.services import levy_pending_add
from premiums.rules.tables import fiscal_year_of


@consumer("eligibility.qualification_changed", name="premiums.relevy_queue")
def qualification_changed(event) -> None:
    if event.person_id is None or event.effective_from is None:
        return
    first = fiscal_year_of(event.effective_from)
    current = fiscal_year_of(timezone.localdate())
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT fiscal_year FROM premiums_levy WHERE resident_id = %s AND fiscal_year >= %s",
                       [event.person_id, first])
        years = {r[0] for r in cursor.fetchall()}
    if first <= current:
        years.add(current)
    levy_pending_add((event.person_id, year, event.effective_from, LevyPendingCause.QUALIFICATION)
                     for year in sorted(years))
