"""Writes of residents and households. Each is one transaction; My Number uniqueness is checked
under a transaction-scoped advisory lock on its blind index (a truncated index cannot carry a
UNIQUE constraint: candidates are decrypted and compared)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.db import connection, transaction

from eligibility.codes import Relation, ResidenceStatus, Sex, Ward
from eligibility.households.models import HouseholdMembership, MembershipCause
from eligibility.residents.models import Household, ResidenceSpell, Resident
from eligibility.residents.rules import (
    MAX_ADDRESS,
    MAX_NAME_KANA,
    MAX_NAME_KANJI,
    kana_surname,
    my_number_validate,
)
from eligibility.residents.scope import require_person_update
from kaigo.crypto.blind_index import (
    kana_name_index,
    kana_surname_birth_index,
    my_number_index,
    normalise_kana,
)
from kaigo.crypto.services import person_key_create
from kaigo.db import number_allocate
from kaigo.errors import ApplicationError

# The sequences that number residents and households (the registry simulator draws from them too).
RESIDENT_NUMBER_SEQUENCE = "eligibility_resident_number_seq"
HOUSEHOLD_NUMBER_SEQUENCE = "eligibility_household_number_seq"
_KATAKANA = re.compile(r"[ァ-ヶー]+")
_ADVISORY_MY_NUMBER = 0x4B41_4947  # namespace of the advisory locks on My Number indexes


class ResidentInvalid(ApplicationError):
    code = "resident_invalid"


class DuplicateMyNumber(ApplicationError):
    code = "duplicate_my_number"


@dataclass(frozen=True)
class ResidentInput:
    name_kanji: str
    name_kana: str  # surname and given name separated by a space
    sex: str
    birth_date: date
    ward: str
    address: str
    my_number: str | None = None
    phone: str | None = None
    household_id: int | None = None
    relation: str = Relation.HEAD


def resident_validate(data: ResidentInput) -> dict[str, str]:
    """Errors by field, in Japanese; empty when valid. Never echoes the values."""
    errors: dict[str, str] = {}
    if not data.name_kanji.strip():
        errors["name_kanji"] = "氏名を入力してください。"
    elif len(data.name_kanji) > MAX_NAME_KANJI:
        errors["name_kanji"] = f"氏名は{MAX_NAME_KANJI}文字以内で入力してください。"
    kana = normalise_kana(data.name_kana)
    if not kana:
        errors["name_kana"] = "氏名（カナ）を入力してください。"
    elif len(data.name_kana) > MAX_NAME_KANA:
        errors["name_kana"] = f"氏名（カナ）は{MAX_NAME_KANA}文字以内で入力してください。"
    elif not _KATAKANA.fullmatch(kana):
        errors["name_kana"] = "氏名（カナ）はカタカナで入力してください。"
    if data.sex not in Sex.values:
        errors["sex"] = "性別を選択してください。"
    if data.ward not in Ward.values:
        errors["ward"] = "区を選択してください。"
    if not data.address.strip():
        errors["address"] = "住所を入力してください。"
    elif len(data.address) > MAX_ADDRESS:
        errors["address"] = f"住所は{MAX_ADDRESS}文字以内で入力してください。"
    if data.birth_date > date.today():
        errors["birth_date"] = "生年月日が未来の日付です。"
    if data.my_number:
        try:
            my_number_validate(data.my_number)
        except ValueError as exc:
            errors["my_number"] = str(exc)
    if data.relation not in Relation.values:
        errors["relation"] = "続柄を選択してください。"
    return errors


def my_number_taken(number: str, *, exclude_id: int | None = None) -> bool:
    """True when another resident has this My Number (candidates by blind index, compared decrypted)."""
    candidates = Resident.objects.filter(my_number_bidx=my_number_index(number))
    if exclude_id is not None:
        candidates = candidates.exclude(pk=exclude_id)
    return any(c.my_number == number for c in candidates.only("id", "my_number_ct"))


def resident_indexes(*, name_kana: str, birth_date: date, my_number: str | None = None) -> dict[str, int | None]:
    """The blind indexes of a resident's searchable fields, by column (``my_number_bidx``,
    ``kana_name_bidx``, ``kana_surname_birth_bidx``): one derivation for every writer (a resident
    created at the counter or by the registry intake, a name changed, the synthetic city), each
    value normalised by kaigo.crypto.blind_index as the search normalises its criteria."""
    return {"my_number_bidx": my_number_index(my_number) if my_number else None,
            "kana_name_bidx": kana_name_index(name_kana),
            "kana_surname_birth_bidx": kana_surname_birth_index(kana_surname(name_kana), birth_date)}


def resident_create(*, data: ResidentInput, actor) -> Resident:
    """Create a resident (宛名) with a new household unless ``data.household_id`` names one. A staff
    ``actor`` must hold ``qualification.update`` and serve the resident's ward (checked here, as
    every write: ``require_person_update``); ``actor`` None is the registry intake or a command."""
    if actor is not None:
        require_person_update(actor, data, permission="qualification.update")
    errors = resident_validate(data)
    if errors:
        raise ResidentInvalid("入力内容に誤りがあります: " + " ".join(errors.values()))
    my_number = my_number_validate(data.my_number) if data.my_number else None
    with transaction.atomic(durable=True):
        if my_number:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_ADVISORY_MY_NUMBER, my_number_index(my_number)])
            if my_number_taken(my_number):
                raise DuplicateMyNumber("この個人番号は既に別の宛名に登録されています。")
        (resident_id,) = number_allocate(RESIDENT_NUMBER_SEQUENCE)
        person_key_create(person_id=resident_id)
        household_id = data.household_id
        if household_id is None:
            (household_id,) = number_allocate(HOUSEHOLD_NUMBER_SEQUENCE)
            Household.objects.create(id=household_id, ward=data.ward)
        resident = Resident(
            id=resident_id, household_id=household_id, relation=data.relation, sex=data.sex,
            birth_date=data.birth_date, ward=data.ward, status=ResidenceStatus.RESIDENT,
            **resident_indexes(name_kana=data.name_kana, birth_date=data.birth_date, my_number=my_number),
        )
        resident.name_kanji = data.name_kanji.strip()
        resident.name_kana = data.name_kana.strip()
        resident.address = data.address.strip()
        resident.phone = data.phone
        resident.my_number = my_number
        resident.save(force_insert=True)
        # registered by hand: resident since birth or before the records (the registry's feed
        # carries move-in dates for those who move in)
        ResidenceSpell.objects.create(resident=resident, start=None)
        HouseholdMembership.objects.create(resident=resident, household_id=household_id, start=None,
                                           start_cause=MembershipCause.BACKFILL)
        if data.household_id is None:
            Household.objects.filter(pk=household_id).update(head=resident)
    return resident
