"""Synthetic residents (made-up names; My Numbers with valid check digits, never real ones)."""

from __future__ import annotations

import itertools
from datetime import date

from eligibility.models import Sex, Ward
from eligibility.numbers import my_number_check_digit
from eligibility.services import ResidentInput, resident_create

_serial = itertools.count(1)


def synthetic_my_number(n: int) -> str:
    first = f"9{n:010d}"
    return first + str(my_number_check_digit(first))


def resident_input(**overrides) -> ResidentInput:
    n = next(_serial)
    values = {
        "name_kanji": f"試験 太郎{n}",
        "name_kana": "シケン タロウ",
        "sex": Sex.MALE,
        "birth_date": date(1950, 4, 1),
        "ward": Ward.NAKAHARA,
        "address": f"川崎市中原区試験町{n}-1-1",
        "my_number": synthetic_my_number(n),
        "phone": f"044-000-{n:04d}",
    }
    values.update(overrides)
    return ResidentInput(**values)


def make_resident(**overrides):
    return resident_create(data=resident_input(**overrides), actor=None)
