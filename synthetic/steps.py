"""The steps of ``generate_city``: each domain's part of the synthetic city, run in order.

A step is a function of one ``CityRun`` (the command's size, seed, reference date, and whether the
city existed already) that writes its domain's rows and returns one short sentence of what it did
for the operator, or None when it had nothing to do. ``STEPS`` lists them in the order they run:
a step may read the rows of the steps before it (the premium facts read the residents).

A new domain adds its part in three moves (docs/subsystems/synthetic.md):
1. a module ``synthetic/<part>.py`` with ``def <part>_step(run: CityRun) -> str | None``, writing
   through COPY (kaigo.db.copy_rows), deterministic for ``run.seed`` (derive each random stream
   from the seed and a stable key, such as a person's or household's number, so that other steps
   and other parts of the city do not shift it); on an existing city (``run.existing``) it adds
   what an older city lacks, or nothing, and never duplicates rows (check first);
2. the function appended to ``STEPS`` after the steps whose rows it reads;
3. tests in tests/synthetic/ (same seed, same rows; what the domain's screens and batches need).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TextIO

from audit.trail import trail_context
from synthetic import cards, certification, city, facilities, premium_facts, premium_year


@dataclass(frozen=True)
class CityRun:
    residents: int  # about how many residents to generate (whole households; the last one is cut to fit)
    seed: int
    as_of: date  # the reference date: ages, qualification, the fiscal year of the premium facts
    existing: bool = False  # the city existed already (--if-empty): complete what it lacks, add no one
    # --business-to: the office's work of the fiscal year of as_of done up to this day (cards, the
    # levy, payments, reminders, reductions); None: the city's people and facts only
    business_to: date | None = None
    compare_copy: bool = False  # the residents' step also measures a raw COPY (--compare-copy)
    progress_file: TextIO | None = None  # where a long step draws its progress bar (None: no bar)


Step = Callable[[CityRun], "str | None"]

STEPS: tuple[Step, ...] = (
    city.residents_step,  # residents, households, data keys, residence spells, periods, insured numbers
    city.qualification_step,  # (existing city) spells, periods and insured numbers where missing
    facilities.facilities_step,  # the facility master: every category, in the city and elsewhere
    premium_facts.premium_facts_step,  # tax facts and pension listings of the fiscal year of as_of
    cards.cards_step,  # (--business-to) the insurance cards of those who turned 65
    premium_year.premium_year_step,  # (--business-to) levy, payments, reminders, reductions of the year
    certification.certification_step,  # certification histories and open cases (as of --business-to or --as-of)
)


def city_generate(run: CityRun, steps: Sequence[Step] = STEPS) -> list[str]:
    """Run ``steps`` in order, each in the change trail's context ``city.generate`` (its rows name
    the generator). Returns the sentences of the steps that did something."""
    said = []
    for step in steps:
        with trail_context(function="city.generate"):
            sentence = step(run)
        if sentence:
            said.append(sentence)
    return said
