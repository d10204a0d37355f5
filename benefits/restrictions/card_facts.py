"""What eligibility's insurance card prints in its 給付制限 box (様式第1号): benefits registers this
source with eligibility (eligibility.cards.selectors.benefit_restriction_register), which finds
this module at its first print (kaigo.discovery). No access log here: the card's print is logged
by eligibility (card.print)."""

from __future__ import annotations

from datetime import date

from benefits.restrictions.selectors import card_text
from eligibility.cards.selectors import benefit_restriction_register


@benefit_restriction_register
def restriction_facts(resident_id: int, on: date) -> str | None:
    """The measures decided and in force (or starting later) on ``on``, with their periods."""
    return card_text(resident_id, on)
