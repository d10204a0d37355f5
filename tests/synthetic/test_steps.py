"""The steps of generate_city: each domain's part of the synthetic city, run in order, on a new city
and on an existing one (--if-empty)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import call_command

from audit.trail import trail_context_active
from certification.cases.models import Case
from eligibility.models import InsuredNumber, QualificationPeriod, ResidenceSpell, Resident
from premiums.models import PensionFact, TaxFact
from synthetic import cards, certification, city, facilities, premium_facts, premium_year
from synthetic.city import generate
from synthetic.steps import STEPS, CityRun, city_generate

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 4, 1)


def test_the_steps_run_in_order_of_what_they_read():
    assert STEPS == (city.residents_step, city.qualification_step, facilities.facilities_step,
                     premium_facts.premium_facts_step, cards.cards_step, premium_year.premium_year_step,
                     certification.certification_step)


def test_a_step_gets_the_run_inside_the_generators_trail_context_and_says_what_it_did():
    seen = []

    def first(run: CityRun) -> str | None:
        seen.append(("first", run.seed, trail_context_active()))
        return "first: done"

    def quiet(run: CityRun) -> str | None:
        seen.append(("quiet", run.seed, trail_context_active()))
        return None

    said = city_generate(CityRun(residents=10, seed=4, as_of=AS_OF), steps=(first, quiet))
    assert said == ["first: done"]
    assert seen == [("first", 4, True), ("quiet", 4, True)]


def test_a_new_city_runs_every_step(capsys):
    call_command("generate_city", "--residents", "300", "--seed", "2")
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("synthetic city: 300 residents in ") and out[0].endswith(", seed 2")
    taxed, listed = TaxFact.objects.count(), PensionFact.objects.count()
    assert taxed and listed
    assert out[1] == f"facilities in the master: {len(facilities.FACILITIES)} added"
    assert out[2].startswith(f"premium facts of fiscal year 2026: {taxed:,} tax facts, {listed:,} pension listings in ")
    assert out[3].startswith("certification as of 2026-04-01: ") and f"{Case.objects.count():,} cases" in out[3]
    assert len(out) == 4
    assert ResidenceSpell.objects.count() == Resident.objects.count() == 300


def test_an_existing_city_gets_what_an_older_generator_did_not_write(capsys):
    generate(residents=300, seed=2, as_of=AS_OF)  # as a city from before qualification and premiums
    older = list(Resident.objects.order_by("id").values_list("id", flat=True)[:40])
    QualificationPeriod.objects.filter(resident_id__in=older).delete()
    InsuredNumber.objects.filter(resident_id__in=older).delete()
    ResidenceSpell.objects.filter(resident_id__in=older).delete()

    call_command("generate_city", "--residents", "100", "--if-empty")
    out = capsys.readouterr().out.strip()
    taxed, listed = TaxFact.objects.count(), PensionFact.objects.count()
    assert out == (f"synthetic city: residents exist, nothing generated (qualification completed for 40 residents)"
                   f" (facilities in the master: {len(facilities.FACILITIES)} added)"
                   f" (premium facts added: {taxed:,} tax, {listed:,} pension)"
                   f" (certification added: {Case.objects.count():,} cases)")
    assert Resident.objects.count() == 300
    assert ResidenceSpell.objects.filter(resident_id__in=older).count() == 40
    assert QualificationPeriod.objects.filter(resident_id__in=older).exists()

    call_command("generate_city", "--residents", "100", "--if-empty")  # nothing left to complete
    assert capsys.readouterr().out.strip() == "synthetic city: residents exist, nothing generated"
    assert TaxFact.objects.count() == taxed


def test_compare_copy_prints_the_raw_copy_rate_after_the_residents(capsys):
    call_command("generate_city", "--residents", "200", "--compare-copy")
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("synthetic city: 200 residents in ")
    assert out[1].startswith("raw COPY of the same 200 resident rows into a copy of the table (same indexes): ")
    assert "generator / raw COPY = " in out[1]
    assert out[2] == f"facilities in the master: {len(facilities.FACILITIES)} added"
    assert out[3].startswith("premium facts of fiscal year 2026: ")
