"""Synthetic residents (made-up names; My Numbers with valid check digits, never real ones)."""

from __future__ import annotations

import itertools
from datetime import date

from eligibility.codes import Sex, Ward
from eligibility.residents.rules import my_number_check_digit
from eligibility.residents.services import ResidentInput, resident_create

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


# --- registry change lines (住基異動) ---------------------------------------------------------

_registry_serials = itertools.count(700_000_000_000)


def registry_line(who=None, **values) -> str:
    """One line of a registry change file; ``who`` (a Resident) fills the person number and the
    birth date (the feed's cross-check); serials are unique, the notification date is today."""
    from eligibility.intake.format import ATTRS, line_encode

    if who is not None:
        values.setdefault("person_id", who.pk)
        values.setdefault("birth_date", who.birth_date.isoformat())
    values.setdefault("serial", f"{next(_registry_serials):012d}")
    values.setdefault("notified_on", date.today().isoformat())
    return line_encode([str(values.get(a, "") or "") for a in ATTRS])


def registry_file(*lines: str) -> bytes:
    """A whole change file: header, lines, trailer (kaigo.feeds.FileLayout)."""
    from eligibility.intake.format import LAYOUT

    return LAYOUT.file(lines)


def make_elderly(**overrides):
    """A resident born 1950-06-15 (first class since 2015-06-14), with their qualification recorded."""
    from eligibility.qualification.services import Context, requalify

    overrides.setdefault("birth_date", date(1950, 6, 15))
    resident = make_resident(**overrides)
    requalify([resident.pk], until=date.today(), context=Context(source="notification"))
    return resident
