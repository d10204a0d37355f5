"""Benefit restriction test data: a certified first-class person with the 2024 bills all unpaid
(70,200 yen; 第1期 due 2024-07-31), and a payment change noticed (or decided) for them."""

from __future__ import annotations

from datetime import date, timedelta


def arrears_person(ward, actor, *, year: int = 2024):
    from premiums.levy.services import main_levy_chunk
    from tests.certification.factories import make_certification
    from tests.eligibility.factories import make_elderly
    from tests.premiums.factories import make_tax_fact

    person = make_elderly(ward=ward)
    make_tax_fact(person, year, household_taxed=True)
    main_levy_chunk(fiscal_year=year, lo=person.pk, hi=person.pk + 1)
    today = date.today()
    make_certification(person, valid_from=today - timedelta(days=30), valid_to=today + timedelta(days=300), actor=actor)
    return person


def noticed_restriction(ward, actor, *, decided: bool = False, days_ago: int = 20):
    """A payment change noticed ``days_ago`` (its answer period over), decided today if asked."""
    from benefits.restrictions.services import restriction_decide, restriction_notice

    person = arrears_person(ward, actor)
    restriction = restriction_notice(actor=actor, resident_id=person.pk, measure="payment_change",
                                     today=date.today() - timedelta(days=days_ago))
    if decided:
        restriction = restriction_decide(actor=actor, restriction_id=restriction.pk)
    return restriction
