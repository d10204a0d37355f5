"""The synthetic city's insurance cards (eligibility's part; a step of ``generate_city`` with
``--business-to``): the 被保険者証 of every person whose first-class qualification began at 65 by
that day, issued on that day as the monthly 65th-birthday run issues them
(``eligibility.cards.services.age65_issue_cards``), so that the card tab shows the card a clerk
would find there. A person who has that card already gets none (the service adds each once)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from eligibility.cards.models import CardIssue
from eligibility.cards.services import age65_issue_cards
from eligibility.codes import ChangeReason, GainReason, InsuredClass
from eligibility.qualification.models import QualificationPeriod

if TYPE_CHECKING:
    from synthetic.steps import CityRun

PERSONS_PER_CALL = 20_000
# every gain at 65, however old: the generator also dates periods of the oldest residents from before
# 2000-04-01, when the insurance began (their card then carries that date)
SINCE = date(1900, 1, 1)


def cards_step(run: CityRun) -> str | None:
    """The cards of the persons who turned 65 by ``run.business_to`` (module docstring)."""
    if run.business_to is None:
        return None
    persons = sorted(set(QualificationPeriod.objects.filter(
        recorded_to__isnull=True, insured_class=InsuredClass.FIRST, start__lte=run.business_to,
        gain_reason__in=[GainReason.AGE_65, ChangeReason.FIRST_CLASS_REACHED]).values_list("resident_id", flat=True)))
    before = CardIssue.objects.count()
    for start in range(0, len(persons), PERSONS_PER_CALL):
        age65_issue_cards(persons[start:start + PERSONS_PER_CALL], first=SINCE, last=run.business_to,
                          batch_run_id=None)
    issued = CardIssue.objects.count() - before
    return f"insurance cards issued at 65: {issued:,}" if issued else None
