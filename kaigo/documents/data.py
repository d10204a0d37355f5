"""What every document prints about its insurer and its addressee: plain values (no models, no
database)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings


@dataclass(frozen=True)
class InsurerInfo:
    """保険者: number (6 digits) and name, e.g. "川崎市"; address is the 所在地 when printed."""

    number: str
    name: str
    address: str = ""


@dataclass(frozen=True)
class CardHolder:
    """被保険者. Never carries My Number: no document prints it."""

    insured_number: str  # 被保険者番号, 10 digits
    name_kanji: str
    name_kana: str
    birth_date: date
    sex_label: str  # "男" / "女"
    address: str


def insurer_info() -> InsurerInfo:
    """The insurer printed on every document (settings KAIGO_INSURER_NUMBER / _NAME)."""
    return InsurerInfo(number=settings.KAIGO_INSURER_NUMBER, name=settings.KAIGO_INSURER_NAME)
