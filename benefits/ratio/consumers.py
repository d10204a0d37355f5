"""Recalculation of the co-payment ratio on events: a household change (eligibility), a tax
correction (premiums), a new certification (certification). Each consumer reads the persons
concerned through the public selectors and calls ratio_recalculate in the relay's transaction."""

from __future__ import annotations

from datetime import date

from benefits.ratio.models import RatioCause
from benefits.ratio.services import ratio_recalculate
from benefits.rules.copayment_ratio import ratio_period
from eligibility.households.selectors import household_members_on
from kaigo.outbox.registry import consumer


@consumer("eligibility.household_changed", name="benefits.ratio_household")
def household_changed(event) -> None:
    """The person, and the members on the day of both the household left and the one joined: the
    household test (施行令 §22の2) of each may change."""
    day = event.effective_from
    people = {event.person_id}
    for household in (event.payload.get("household"), event.payload.get("previous")):
        if household:
            people.update(household_members_on(household_id=household, day=day))
    ratio_recalculate(sorted(people), cause=RatioCause.HOUSEHOLD_CHANGE, event_day=day, event_id=event.pk)


@consumer("premiums.tax_corrected", name="benefits.ratio_tax")
def tax_corrected(event) -> None:
    """The person and the members of their household (on the year's first day and today, within the
    year): a member's income counts in the household test."""
    year = int(event.payload["fiscal_year"])
    start, end = date(year, 8, 1), date(year + 1, 7, 31)
    people = {event.person_id}
    for day in {start, min(max(date.today(), start), end)}:
        people.update(household_members_on(resident_id=event.person_id, day=day))
    ratio_recalculate(sorted(people), cause=RatioCause.TAX_CORRECTION, event_day=start, period_start=start,
                      event_id=event.pk)


@consumer("certification.decided", name="benefits.ratio_certification")
def certification_decided(event) -> None:
    """A person certified in a year without a ratio gets one from the certification's first day."""
    day = event.effective_from
    if day is None:
        return
    ratio_recalculate([event.person_id], cause=RatioCause.CERTIFICATION, event_day=day, event_id=event.pk,
                      period_start=ratio_period(day)[0])
