"""Writes of cards and certificates (証類, DOMAIN 1.8): issuing one at the counter, and the insurance
cards of the monthly 65th-birthday run.

An issue is a CardIssue row (the print event); the document is rendered again from the data
whenever it is downloaded, never stored (eligibility.cards.selectors). A second issue of a kind to
the same person is a reissue (再交付, ``reprint``) and carries its reason; the PDF prints 「再交付」.
"""

from __future__ import annotations

from datetime import date

from django.db import connection, transaction
from django.utils import timezone

from eligibility.cards.models import CardIssue
from eligibility.cards.rules import CARD_REASON_AGE65, card_issue_check
from eligibility.codes import CardKind, ChangeReason, GainReason, InsuredClass
from eligibility.qualification.models import QualificationPeriod
from eligibility.residents.models import InsuredNumber, Resident
from eligibility.residents.scope import require_person_update
from kaigo.errors import ApplicationError


class CardIssueInvalid(ApplicationError):
    code = "card_issue_invalid"


def card_issue(*, actor, resident_id: int, kind: str, reason: str, today: date | None = None) -> CardIssue:
    """Issue (or reissue) a card or certificate at the counter (one transaction). Raises
    CardIssueInvalid, NotPermitted (without ``card.issue``, or outside the clerk's update scope: both
    checked here), Resident.DoesNotExist."""
    today = today or timezone.localdate()
    with transaction.atomic(durable=True):
        resident = (Resident.objects.select_for_update()
                    .only("id", "ward", "status", "moved_out_on", "sensitive", "household_id")
                    .get(pk=resident_id))
        require_person_update(actor, resident, permission="card.issue")
        issued_before = CardIssue.objects.filter(resident_id=resident_id, kind=kind).exists()
        number = InsuredNumber.objects.filter(resident_id=resident_id).values_list("number", flat=True).first()
        insured = QualificationPeriod.objects.filter(
            resident_id=resident_id, recorded_to__isnull=True, start__lte=today,
        ).exclude(end__lte=today).exists()
        problems = card_issue_check(kind=kind, reason=reason, issued_before=issued_before, insured_number=number,
                                    insured_on_day=insured, moved_out_on=resident.moved_out_on)
        if problems:
            raise CardIssueInvalid(" ".join(problems))
        return CardIssue.objects.create(resident_id=resident_id, kind=kind, issued_on=today, reprint=issued_before,
                                        reason=reason, issued_by=actor)


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
