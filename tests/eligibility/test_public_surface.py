"""What other apps use of eligibility (docs/README.md, "What other apps use of eligibility"): the
reads added for them when their private imports went away (issue #15)."""

from __future__ import annotations

from datetime import date

import pytest

from eligibility.cards.selectors import card_holders
from eligibility.codes import ResidenceStatus, Sex
from eligibility.qualification.selectors import facilities
from eligibility.qualification.services import Context, requalify
from eligibility.residents.selectors import resident_columns, residents_by_id, residents_kana_names
from eligibility.residents.services import RESIDENT_NUMBER_SEQUENCE
from kaigo.crypto.deks import dek_cache_clear
from kaigo.db import number_allocate
from kaigo.documents import CardHolder
from kaigo.forms import StaffForm
from tests.eligibility.factories import make_elderly, make_resident

pytestmark = pytest.mark.django_db


def test_residents_by_id_reads_the_named_residents_and_their_keys_in_one_query(django_assert_num_queries):
    first = make_resident(name_kanji="公開 一郎", name_kana="コウカイ イチロウ")
    second = make_resident(name_kanji="公開 二郎", name_kana="コウカイ ジロウ")
    dek_cache_clear()
    with django_assert_num_queries(1):
        found = residents_by_id([second.pk, first.pk, second.pk])
        names = {pk: r.name_kanji for pk, r in found.items()}
    assert names == {first.pk: "公開 一郎", second.pk: "公開 二郎"}
    assert residents_by_id([]) == {}


def test_resident_columns_reads_clear_columns_only_with_the_filters():
    born = make_resident(birth_date=date(1950, 1, 1), sex=Sex.FEMALE)
    young = make_resident(birth_date=date(2000, 1, 1))
    gone = make_resident(birth_date=date(1950, 1, 1))
    gone.status = ResidenceStatus.MOVED_OUT
    gone.save()
    rows = list(resident_columns("id", "sex", residents_only=True, born_by=date(1960, 1, 1)))
    assert (born.pk, Sex.FEMALE) in rows
    assert {young.pk, gone.pk}.isdisjoint(pk for pk, _ in rows)
    with pytest.raises(ValueError):
        resident_columns("id", "name_kana_ct")


def test_residents_kana_names_decrypts_the_kana_of_residents_only():
    here = make_resident(name_kana="カナ ヨミ")
    gone = make_resident()
    gone.status = ResidenceStatus.MOVED_OUT
    gone.save()
    rows = {row[0]: row for row in residents_kana_names(chunk_size=1)}
    assert rows[here.pk] == (here.pk, "カナ ヨミ", here.birth_date, here.sex)
    assert gone.pk not in rows


def test_card_holders_leave_protected_households_out_and_need_an_insured_number():
    insured = make_elderly(name_kanji="印刷 花子", name_kana="インサツ ハナコ", sex=Sex.FEMALE)
    protected = make_elderly()
    protected.sensitive = True
    protected.save()
    member = make_elderly(household_id=protected.household_id, relation="child")
    young = make_resident(birth_date=date(1990, 1, 1))  # never insured: no insured number
    requalify([young.pk], until=date.today(), context=Context(source="notification"))
    printed = card_holders([insured.pk, protected.pk, member.pk, young.pk])
    assert printed.protected == {protected.pk, member.pk}
    assert set(printed.holders) == {insured.pk}
    holder = printed.holders[insured.pk]
    assert isinstance(holder, CardHolder)
    assert (holder.name_kanji, holder.name_kana, holder.sex_label, holder.address) == (
        "印刷 花子", "インサツ ハナコ", "女", insured.address)
    assert len(holder.insured_number) == 10


def test_facilities_lists_the_master_by_code():
    from eligibility.codes import FacilityKind
    from eligibility.qualification.models import Facility

    Facility.objects.create(code="F2", name="試験施設二", kind=FacilityKind.SPECIAL, municipality="131016")
    Facility.objects.create(code="F1", name="試験施設一", kind=FacilityKind.EXEMPTION, municipality="141305")
    assert [row for row in facilities() if row[0] in ("F1", "F2")] == [("F1", "141305"), ("F2", "131016")]


def test_number_allocate_takes_distinct_numbers_from_a_sequence():
    numbers = number_allocate(RESIDENT_NUMBER_SEQUENCE, 3)
    assert len(set(numbers)) == 3


def test_staff_forms_print_labels_without_the_colon():
    from django import forms

    class Form(StaffForm):
        day = forms.DateField(label="日付")

    assert "日付</label>" in str(Form()["day"].label_tag())
    assert "日付:" not in str(Form()["day"].label_tag())
