"""A strict reader of the registry's change file (format.py; docs/subsystems/registry-feed.md).

File-level faults (not UTF-8, a BOM, no or a wrong header) reject the whole file: one error, no
record. Otherwise every line is checked on its own: a good line gives a RegistryRecord, a bad
one exactly one LineError (its first fault, in column order) and the others are still read.
Only what the file itself shows is checked here; whether the person exists, and conflicts with
what the office holds, are the intake's business.

Messages are Japanese, for staff, and never contain a value of the line (no name, number,
address or date): they name the line, the field and the reason. The file-level checks, the
splitting of lines and the field readers every inbound file shares are in kaigo/feeds.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from eligibility.codes import (
    OWN_MUNICIPALITY_CODES,
    Relation,
    Sex,
    Ward,
    municipality_check_digit,
)
from eligibility.intake.format import (
    ABROAD,
    ALWAYS,
    ATTRS,
    COLUMNS,
    EARLIEST_YEAR,
    FUTURE_DAYS,
    KIND_RULES,
    LABELS,
    LAYOUT,
    NOTIFIED_AFTER_EFFECTIVE,
    PAIRS,
    KindOfChange,
)
from eligibility.residents.rules import MAX_ADDRESS, MAX_NAME_KANA, MAX_NAME_KANJI, my_number_check_digit
from kaigo.feeds import (  # noqa: F401  (BOM, FILE_ERRORS, LineError, kana_fold: re-exported, part of this module's API)
    BOM,
    FILE_ERRORS,
    Invalid,
    LineError,
    LineReader,
    ParsedFile,
    code_field,
    date_field,
    file_open,
    kana_fold,
    kana_name_field,
    lines_read,
    number_field,
)

_SERIAL = re.compile(r"[0-9]{12}")
_MY_NUMBER = re.compile(r"[0-9]{12}")
_MUNICIPALITY = re.compile(r"[0-9]{6}")
_FACILITY = re.compile(r"[0-9A-Za-z]{1,10}")

_RELATIONS = frozenset(Relation.values)
_SEXES = frozenset(Sex.values)
_WARDS = frozenset(Ward.values)
_KIND_LABELS = {str(value): label for value, label in KindOfChange.choices}
_REQUIRED, _OPTIONAL, _FORBIDDEN = "required", "optional", "forbidden"
# For each kind of change, each column in order: required, optional or forbidden.
_PRESENCE: dict[str, tuple[tuple[str, str], ...]] = {
    str(kind): tuple(
        (attr, _REQUIRED if attr in ALWAYS or attr in rule.required
         else _OPTIONAL if attr in rule.optional else _FORBIDDEN)
        for attr in ATTRS
    )
    for kind, rule in KIND_RULES.items()
}


@dataclass(frozen=True)
class RegistryRecord:
    line_no: int
    serial: str
    kind: str
    effective_on: date
    notified_on: date | None
    person_id: int
    household_id: int | None
    relation: str | None
    my_number: str | None
    name_kanji: str | None
    name_kana: str | None
    sex: str | None
    birth_date: date | None
    ward: str | None
    address: str | None
    from_municipality: str | None
    to_municipality: str | None
    facility_code: str | None


class ParsedFeed(ParsedFile[RegistryRecord]):
    """The records of a change file, one error per bad line, total_lines, rejected."""


def parse_feed(data: bytes, *, max_line_bytes: int = 4096, today: date | None = None) -> ParsedFeed:
    """Read a change file. ``today`` is the business date of the intake (default: the system date):
    effective dates more than FUTURE_DAYS after it and notification dates after it are refused."""
    today = today or date.today()
    feed = ParsedFeed()
    lines = file_open(data, feed, layout=LAYOUT, data_first_field=_SERIAL)
    if lines is not None:
        lines_read(feed, lines, _LineReader(today=today, max_line_bytes=max_line_bytes).read)
    return feed


class _LineReader(LineReader[RegistryRecord]):
    serial_pattern, serial_label, serial_form = _SERIAL, "異動連番", "12桁の数字"

    def __init__(self, *, today: date, max_line_bytes: int):
        super().__init__(columns=COLUMNS, max_line_bytes=max_line_bytes)
        self.today = today
        self.latest_effective = today + timedelta(days=FUTURE_DAYS)

    def record(self, line_no: int, serial: str, values: list[str]) -> RegistryRecord:
        v = dict(zip(ATTRS, values, strict=True))
        kind = v["kind"]
        presence = _PRESENCE.get(kind)
        if presence is None:
            raise Invalid("kind_unknown", "異動事由のコードが正しくありません（A1〜A3, B1〜B3, C1〜C4）。")
        for (attr, need), value in zip(presence, v.values(), strict=True):
            if value:
                if need is _FORBIDDEN:
                    raise Invalid("field_not_allowed", f"{LABELS[attr]}は{_KIND_LABELS[kind]}では記録できません。")
            elif need is _REQUIRED:
                raise Invalid("required_missing", f"{LABELS[attr]}がありません（{_KIND_LABELS[kind]}では必須です）。")
        for a, b in PAIRS:
            if (v[a] == "") != (v[b] == ""):
                missing, given = (a, b) if v[a] == "" else (b, a)
                raise Invalid("required_missing", f"{LABELS[missing]}がありません（{LABELS[given]}と組で必要です）。")

        effective_on = _date(v, "effective_on")
        notified_on = _date(v, "notified_on")
        person_id = _number(v, "person_id", "person_id_invalid")
        household_id = _number(v, "household_id", "household_id_invalid")
        relation = _code(v, "relation", _RELATIONS, "relation_invalid",
                         "続柄のコードが正しくありません（head, spouse, child, parent, other）。")
        my_number = v["my_number"] or None
        if my_number is not None:
            if not _MY_NUMBER.fullmatch(my_number):
                raise Invalid("my_number_invalid", "個人番号は12桁の数字で記録してください。")
            if my_number_check_digit(my_number[:11]) != int(my_number[11]):
                raise Invalid("my_number_check_digit", "個人番号の検査用数字が正しくありません。")
        name_kanji = v["name_kanji"] or None
        if name_kanji is not None and len(name_kanji) > MAX_NAME_KANJI:
            raise Invalid("name_too_long", f"氏名が{MAX_NAME_KANJI}文字を超えています。")
        name_kana = kana_name_field(v["name_kana"], LABELS["name_kana"], max_length=MAX_NAME_KANA)
        sex = _code(v, "sex", _SEXES, "sex_invalid", "性別のコードが正しくありません（1: 男, 2: 女）。")
        birth_date = _date(v, "birth_date")
        ward = _code(v, "ward", _WARDS, "ward_invalid", "区のコードが正しくありません。")
        address = v["address"] or None
        if address is not None and len(address) > MAX_ADDRESS:
            raise Invalid("address_too_long", f"住所が{MAX_ADDRESS}文字を超えています。")
        from_municipality = _municipality(v, "from_municipality")
        to_municipality = _municipality(v, "to_municipality")
        facility_code = v["facility_code"] or None
        if facility_code is not None and not _FACILITY.fullmatch(facility_code):
            raise Invalid("facility_code_invalid", "施設コードは10文字以内の英数字で記録してください。")

        if effective_on > self.latest_effective:
            raise Invalid("effective_in_future", f"異動日が処理日の{FUTURE_DAYS}日後より先です。")
        if notified_on is not None and notified_on > self.today:
            raise Invalid("notified_in_future", "届出日が処理日より後です。")
        if kind == KindOfChange.BIRTH:
            if birth_date != effective_on:
                raise Invalid("birth_date_mismatch", "出生の異動日と生年月日が一致しません。")
        elif kind == KindOfChange.DEATH:
            if effective_on < birth_date:
                raise Invalid("death_before_birth", "死亡日（異動日）が生年月日より前です。")
        elif birth_date > effective_on:
            raise Invalid("birth_after_effective", "生年月日が異動日より後です。")
        if notified_on is not None and kind in NOTIFIED_AFTER_EFFECTIVE and notified_on < effective_on:
            raise Invalid("notified_before_effective", "届出日が異動日より前です。")

        return RegistryRecord(
            line_no=line_no, serial=serial, kind=kind, effective_on=effective_on, notified_on=notified_on,
            person_id=person_id, household_id=household_id, relation=relation, my_number=my_number,
            name_kanji=name_kanji, name_kana=name_kana, sex=sex, birth_date=birth_date, ward=ward, address=address,
            from_municipality=from_municipality, to_municipality=to_municipality, facility_code=facility_code,
        )


def _date(v: dict[str, str], attr: str) -> date | None:
    return date_field(v[attr], LABELS[attr], earliest_year=EARLIEST_YEAR)


def _number(v: dict[str, str], attr: str, code: str) -> int | None:
    return number_field(v[attr], LABELS[attr], code)


def _code(v: dict[str, str], attr: str, allowed: frozenset[str], code: str, reason: str) -> str | None:
    return code_field(v[attr], allowed, code, reason)


def _municipality(v: dict[str, str], attr: str) -> str | None:
    text = v[attr]
    if not text:
        return None
    if text == ABROAD:
        return text
    if not _MUNICIPALITY.fullmatch(text):
        raise Invalid("municipality_code_invalid", f"{LABELS[attr]}は6桁の数字で記録してください（国外は{ABROAD}）。")
    if municipality_check_digit(text[:5]) != int(text[5]):
        raise Invalid("municipality_code_invalid", f"{LABELS[attr]}の検査数字が正しくありません。")
    if text in OWN_MUNICIPALITY_CODES:
        raise Invalid("municipality_own_city", f"{LABELS[attr]}が本市のコードです（市内の異動は転居です）。")
    return text
