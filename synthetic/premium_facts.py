"""The synthetic city's premium facts (premiums' part): inhabitant-tax facts (課税情報) of every
household with a person aged 65 or over, and the pension insurers' listings (特別徴収対象者情報),
written by COPY for a fiscal year. The distributions are the tax system's simulator's
(linkage/tax/simulator.py, ``tax_facts_for``) so that a generated city and a simulated file look
alike; together they make every stage and both collection methods occur
(tests/synthetic/test_premium_facts.py).

A step of ``generate_city`` (``premium_facts_step``; also on an existing city, ``--if-empty``,
for a city generated before premiums existed).
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.utils import timezone

from kaigo.db import constraints_immediate, copy_rows
from linkage.tax.simulator import TaxSnapshot, tax_facts_for
from premiums.intake.services import PENSION_COLUMNS, PENSION_TYPES, TAX_COLUMNS, TAX_TYPES
from premiums.models import PensionFact, TaxFact
from premiums.rules.codes import PensionKind
from premiums.rules.tables import fiscal_year_of

if TYPE_CHECKING:
    from synthetic.steps import CityRun

# generated facts take serials from here up (files from the simulators use lower ones)
GENERATED_TAX_SERIALS = 990_000_000_000
GENERATED_PENSION_SERIALS = 980_000_000_000

# the 特別徴収義務者 of a listed pension, by share (docs/subsystems/pension-feed.md has the codes)
INSURERS = (("010", 0.82), ("001", 0.09), ("020", 0.06), ("030", 0.03))
KINDS = ((PensionKind.OLD_AGE, 0.90), (PensionKind.SURVIVOR, 0.05), (PensionKind.DISABILITY, 0.03),
         (PensionKind.OLD_AGE_WELFARE, 0.01), (PensionKind.WIDOW, 0.01))
LISTED_SHARE = 0.82  # persons aged 65+ the 年金保険者 list for 特別徴収
NOT_WITHHOLDABLE_SHARE = 0.02


def _pick(rng: random.Random, table) -> str:
    x, acc = rng.random(), 0.0
    for value, share in table:
        acc += share
        if x < acc:
            return value
    return table[-1][0]


def pension_listing(rng: random.Random, birth_date: date, fiscal_year: int) -> tuple | None:
    """(listed_in, insurer_code, kind, annual_amount, withholdable) of one person aged 65+, or None.
    Those aged 66 and over on 4/1 were listed in the previous year's November (deducted from
    April); those who turned 65 during the last year are listed in May (deducted from October,
    billed until then)."""
    if rng.random() >= LISTED_SHARE:
        return None
    april = date(fiscal_year, 4, 1)
    age = april.year - birth_date.year - ((april.month, april.day) < (birth_date.month, birth_date.day))
    listed_in = date(fiscal_year - 1, 11, 1) if age >= 66 else date(fiscal_year, 5, 1)
    amount = int(min(max(rng.lognormvariate(math.log(1_450_000), 0.45), 60_000), 4_500_000)) // 100 * 100
    return (listed_in, _pick(rng, INSURERS), _pick(rng, KINDS), amount, rng.random() >= NOT_WITHHOLDABLE_SHARE)


def premium_facts_generate(*, fiscal_year: int, seed: int, progress: Callable[[int], None] | None = None,
                           households_per_chunk: int = 20_000) -> tuple[int, int]:
    """Tax facts and pension listings for ``fiscal_year`` of every household with a resident aged
    65 or over by the end of the year, unless the year has tax facts already. One transaction per
    chunk of households. Returns (tax facts, pension listings) written."""
    if TaxFact.objects.filter(fiscal_year=fiscal_year).exists():
        return 0, 0
    now = timezone.now()
    oldest = date(fiscal_year - 64, 4, 1)  # 65 or over by 31 March of the next year
    aged_65_on_april = date(fiscal_year - 65, 4, 2)  # gains on 4/1 at the latest
    tax_serials = iter(range(GENERATED_TAX_SERIALS + fiscal_year % 100 * 10**8, 10**12))
    pension_serials = iter(range(GENERATED_PENSION_SERIALS + fiscal_year % 100 * 10**8, 10**12))
    written = [0, 0]
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(household_id), max(household_id) FROM eligibility_resident")
        low, high = cursor.fetchone()
    for start in range(low or 0, (high or -1) + 1, households_per_chunk):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT household_id, id, relation, birth_date, sex FROM eligibility_resident "
                "WHERE status = 'resident' AND household_id >= %s AND household_id < %s ORDER BY household_id, id",
                [start, start + households_per_chunk])
            rows = cursor.fetchall()
        households: dict[int, list[TaxSnapshot]] = {}
        for household_id, pid, relation, born, sex in rows:
            households.setdefault(household_id, []).append(TaxSnapshot(pid, household_id, relation, born, sex))
        households = {h: members for h, members in households.items()
                      if any(m.birth_date < oldest for m in members)}
        tax_rows, pension_rows = [], []
        for household_id, members in households.items():
            rng = random.Random(seed * 1_000_003 + household_id)
            for r in tax_facts_for(members, fiscal_year, rng, serials=tax_serials):
                tax_rows.append((r.person_id, fiscal_year, r.serial, False, r.household_id, r.relation == "head",
                                 r.self_taxed, r.household_taxed, r.total_income, r.pension_misc_income,
                                 r.taxable_pension_income, r.salary_income, r.special_deduction,
                                 r.non_taxable_pension_income, r.public_assistance, r.old_age_welfare_pension, now))
            for m in members:
                if m.birth_date <= aged_65_on_april:
                    listing = pension_listing(rng, m.birth_date, fiscal_year)
                    if listing:
                        pension_rows.append((m.person_id, fiscal_year, f"{next(pension_serials):012d}", *listing, now))
        with transaction.atomic():
            constraints_immediate()  # bulk writes to trail-tracked tables (kaigo.db)
            written[0] += copy_rows(TaxFact, TAX_COLUMNS, tax_rows, types=TAX_TYPES)
            written[1] += copy_rows(PensionFact, PENSION_COLUMNS, pension_rows, types=PENSION_TYPES)
        if progress:
            progress(written[0])
    return written[0], written[1]


def premium_facts_step(run: CityRun) -> str | None:
    """Step of ``generate_city``: the facts of the fiscal year of ``run.as_of`` (unless it has some)."""
    fiscal_year = fiscal_year_of(run.as_of)
    started = time.perf_counter()
    taxed, listed = premium_facts_generate(fiscal_year=fiscal_year, seed=run.seed)
    if run.existing:
        return f"premium facts added: {taxed:,} tax, {listed:,} pension" if taxed else None
    return (f"premium facts of fiscal year {fiscal_year}: {taxed:,} tax facts, "
            f"{listed:,} pension listings in {time.perf_counter() - started:.1f} s")
