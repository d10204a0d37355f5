"""The synthetic city's premium facts: tax facts for every household with someone aged 65+,
pension listings, written by COPY; levied, they make every stage and all collection methods occur."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from premiums.levy.services import main_levy_chunk
from premiums.models import Levy, PensionFact, TaxFact
from premiums.rules.codes import CollectionMethod
from synthetic.city import generate
from synthetic.premium_facts import premium_facts_generate

pytestmark = pytest.mark.django_db

FY = 2026


def test_a_generated_city_levied_shows_every_stage_and_every_collection_method():
    generate(residents=6_000, seed=11, as_of=date(2026, 4, 1))

    taxed, listed = premium_facts_generate(fiscal_year=FY, seed=11)
    again = premium_facts_generate(fiscal_year=FY, seed=11)
    result = main_levy_chunk(fiscal_year=FY, lo=0, hi=10**12)

    assert again == (0, 0)
    assert taxed == TaxFact.objects.count() and listed == PensionFact.objects.count()
    assert result.errors == [] and result.levied > 1_000
    levies = Levy.objects.filter(fiscal_year=FY)
    stages = Counter(levies.values_list("stage", flat=True))
    assert set(stages) == set(range(1, 14)), stages
    methods = Counter(levies.values_list("collection_method", flat=True))
    assert set(methods) == {CollectionMethod.BILLING, CollectionMethod.PENSION_DEDUCTION, CollectionMethod.BOTH}
    # the shares are plausible: most are deducted from their pension, a large minority billed
    assert methods[CollectionMethod.PENSION_DEDUCTION] > methods[CollectionMethod.BILLING] > methods[CollectionMethod.BOTH]
    # every household with tax facts has exactly one head
    heads = Counter(TaxFact.objects.filter(head=True).values_list("household_no", flat=True))
    assert set(heads.values()) == {1}
    assert set(TaxFact.objects.values_list("household_no", flat=True)) == set(heads)
