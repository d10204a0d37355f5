"""What eligibility's card and certificates print of a certification (様式第1号 (二), 受給資格証明書):
certification registers this source with eligibility (eligibility.cards.selectors.care_facts_register),
which finds this module at its first print (kaigo.discovery). No access log here: the card's
print is logged by eligibility (card.print)."""

from __future__ import annotations

from datetime import date

from certification.cases.models import Case
from certification.decisions.selectors import (
    certification_history_rows,
    certification_on,
)
from certification.rules.cases import OPEN_STATES, CaseState
from eligibility.cards.selectors import CareFacts, care_facts_register


def _printed_opinion(opinion: str, services: list[str]) -> str | None:
    parts = [opinion] if opinion else []
    if services:
        parts.append("サービスの種類の指定：" + "、".join(services))
    return "　".join(parts) or None


@care_facts_register
def card_facts(resident_id: int, on: date) -> CareFacts | None:
    """The certification in force on ``on`` and whether an application was pending that day (open,
    or closed only by the loss of qualification after ``on``: a person moving out mid-case)."""
    pending = Case.objects.filter(resident_id=resident_id, applied_on__lte=on).filter(
        state__in=list(OPEN_STATES)).exists() or Case.objects.filter(
        resident_id=resident_id, applied_on__lte=on, state=CaseState.ENDED, closed_on__gt=on).exists()
    row = certification_on(certification_history_rows(resident_id), on)
    if row is None:
        return CareFacts(application_pending=pending) if pending else None
    return CareFacts(care_level=row.level_label, certified_on=row.decided_on, valid_from=row.valid_from,
                     valid_to=row.valid_to, board_opinion=_printed_opinion(row.board_opinion, row.service_labels),
                     application_pending=pending)
