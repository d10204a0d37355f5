"""Encrypted fields on real PostgreSQL: plaintext never reaches the table by any write path."""

from __future__ import annotations

import pytest
from django.core.exceptions import FieldError
from django.db import IntegrityError, connection, transaction

from eligibility.models import Resident
from kaigo.crypto.deks import dek_cache_clear
from kaigo.crypto.errors import CorruptCiphertext, ShreddedPerson
from kaigo.crypto.fields import PlaintextRefused
from kaigo.crypto.services import person_shred
from tests.eligibility.factories import make_resident

pytestmark = pytest.mark.django_db


def test_fields_read_and_write_like_ordinary_fields():
    resident = make_resident(name_kanji="暗号 花子", name_kana="アンゴウ ハナコ")
    dek_cache_clear()  # read back through the wrapped key, not the creation's cache
    again = Resident.objects.get(pk=resident.pk)
    assert (again.name_kanji, again.name_kana) == ("暗号 花子", "アンゴウ ハナコ")
    again.name_kanji = "暗号 春子"
    again.save()
    assert Resident.objects.get(pk=resident.pk).name_kanji == "暗号 春子"


def test_the_table_holds_only_ciphertext():
    resident = make_resident(name_kanji="秘密 次郎", address="川崎市試験区秘密町1-2-3", phone="044-999-0001")
    with connection.cursor() as cursor:
        cursor.execute("SELECT name_kanji_ct, name_kana_ct, address_ct, phone_ct, my_number_ct FROM eligibility_resident WHERE id = %s", [resident.pk])
        blobs = [bytes(v) for v in cursor.fetchone()]
    for blob, plaintext in zip(blobs, ["秘密 次郎", "シケン タロウ", "川崎市試験区秘密町1-2-3", "044-999-0001", resident.my_number], strict=True):
        assert blob.startswith(b"E1")
        assert plaintext.encode() not in blob


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(lambda pk: Resident.objects.filter(pk=pk).update(name_kanji="平文 太郎"), id="queryset-update"),
        pytest.param(lambda pk: Resident.objects.bulk_update(
            [_with_raw(Resident.objects.get(pk=pk), b"plain")], ["name_kanji"]), id="bulk-update-raw-bytes"),
    ],
)
def test_plaintext_is_refused_on_bulk_paths(write):
    resident = make_resident()
    with pytest.raises(PlaintextRefused, match="暗号化されていない値は保存できません"), transaction.atomic():
        write(resident.pk)
    assert Resident.objects.get(pk=resident.pk).name_kanji.startswith("試験")


def _with_raw(resident, raw: bytes):
    resident.name_kanji_ct = raw
    return resident


def test_raw_sql_plaintext_is_refused_by_the_database():
    resident = make_resident()
    with pytest.raises(IntegrityError, match="name_kanji_ct_sealed"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE eligibility_resident SET name_kanji_ct = convert_to('平文', 'UTF8') WHERE id = %s", [resident.pk])


def test_lookups_on_encrypted_fields_raise_instead_of_matching_nothing():
    with pytest.raises(FieldError, match="blind index"):
        list(Resident.objects.filter(name_kanji="試験"))
    assert not Resident.objects.filter(phone__isnull=False).exists()  # isnull stays allowed


def test_values_swapped_between_persons_do_not_decrypt():
    a, b = make_resident(), make_resident()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE eligibility_resident SET name_kanji_ct = (SELECT name_kanji_ct FROM eligibility_resident WHERE id = %s) WHERE id = %s",
            [b.pk, a.pk],
        )
    with pytest.raises(CorruptCiphertext):
        _ = Resident.objects.get(pk=a.pk).name_kanji


def test_a_shredded_person_cannot_be_read_any_more():
    resident = make_resident()
    person_shred(person_id=resident.pk, actor=None, reason="保存期間経過")
    dek_cache_clear()
    again = Resident.objects.get(pk=resident.pk)
    with pytest.raises(ShreddedPerson, match="消去されています"):
        _ = again.name_kanji
    assert again.birth_date  # clear business columns stay
