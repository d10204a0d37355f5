"""Facts for levy tests: tax facts and pension listings written like the intake writes them."""

from __future__ import annotations

import itertools
from datetime import date

from django.utils import timezone

from premiums.models import PensionFact, TaxFact
from premiums.rules.codes import PensionKind

_serials = itertools.count(900_000_000_000)


def make_tax_fact(resident, fiscal_year: int, **values) -> TaxFact:
    defaults = dict(household_no=resident.household_id or 1, head=True, self_taxed=False, household_taxed=False,
                    total_income=0, taxable_pension_income=700_000, recorded_from=timezone.now())
    defaults.update(values)
    return TaxFact.objects.create(resident=resident, fiscal_year=fiscal_year, serial=str(next(_serials)), **defaults)


def make_pension_fact(resident, fiscal_year: int, *, listed_in: date | None = None, **values) -> PensionFact:
    defaults = dict(insurer_code="010", pension_kind=PensionKind.OLD_AGE, annual_amount=1_200_000, withholdable=True,
                    recorded_from=timezone.now())
    defaults.update(values)
    return PensionFact.objects.create(resident=resident, fiscal_year=fiscal_year, serial=str(next(_serials)),
                                      listed_in=listed_in or date(fiscal_year, 5, 1), **defaults)
