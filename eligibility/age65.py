"""The monthly 65th-birthday run: everyone whose 65th-birthday gain date falls in a month gains
first-class qualification on that day (through ``requalify``) and is issued an insurance card."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import connection

from eligibility.codes import ChangeReason, GainReason, InsuredClass
from eligibility.models import CardKind, QualificationPeriod, ResidenceStatus, Resident
from eligibility.rules import first_class_gain_date, years_before

CARD_REASON_AGE65 = "age65"


def age65_candidates(first: date, last: date, *, lo: int | None = None, hi: int | None = None) -> list[int]:
    """Residents whose first-class gain date (the day before the 65th birthday) is in [first, last]."""
    qs = Resident.objects.filter(
        status=ResidenceStatus.RESIDENT,
        birth_date__gte=years_before(first, 65) - timedelta(days=2),
        birth_date__lte=years_before(last, 65) + timedelta(days=2),
    )
    if lo is not None:
        qs = qs.filter(pk__gte=lo, pk__lt=hi)
    return sorted(pid for pid, born in qs.values_list("id", "birth_date")
                  if first <= first_class_gain_date(born) <= last)


def age65_issue_cards(person_ids: list[int], *, first: date, last: date, batch_run_id: int | None) -> set[int]:
    """Record one card issue per person who now holds a first-class period gained at 65 in the
    month (a re-run adds none: unique per person and reason). Returns the persons with a card."""
    gained = dict(
        QualificationPeriod.objects.filter(
            resident_id__in=person_ids, recorded_to__isnull=True, insured_class=InsuredClass.FIRST,
            gain_reason__in=[GainReason.AGE_65, ChangeReason.FIRST_CLASS_REACHED], start__gte=first, start__lte=last,
        ).values_list("resident_id", "start")
    )
    if gained:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO eligibility_cardissue (resident_id, kind, issued_on, reprint, reason, batch_run_id, "
                "created_at) SELECT x.pid, %s, x.day, false, %s, %s, now() "
                "FROM unnest(%s::bigint[], %s::date[]) AS x(pid, day) "
                "ON CONFLICT (resident_id, kind, reason) WHERE NOT reprint DO NOTHING",
                [CardKind.INSURANCE_CARD, CARD_REASON_AGE65, batch_run_id, list(gained), list(gained.values())],
            )
    return set(gained)
