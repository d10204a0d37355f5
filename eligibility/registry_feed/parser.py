"""A strict reader of the registry's change file (format.py; docs/subsystems/registry-feed.md).

File-level faults (not UTF-8, a BOM, no or a wrong header) reject the whole file: one error, no
record. Otherwise every line is checked on its own: a good line gives a RegistryRecord, a bad
one exactly one LineError (its first fault, in column order) and the others are still read.
Only what the file itself shows is checked here; whether the person exists, and conflicts with
what the office holds, are the intake's business.

Messages are Japanese, for staff, and never contain a value of the line (no name, number,
address or date): they name the line, the field and the reason.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from eligibility.models import Relation, Sex, Ward
from eligibility.numbers import my_number_check_digit
from eligibility.registry_feed.format import (
    ABROAD,
    ALWAYS,
    ATTRS,
    COLUMNS,
    EARLIEST_YEAR,
    FUTURE_DAYS,
    HEADER,
    KIND_RULES,
    LABELS,
    NOTIFIED_AFTER_EFFECTIVE,
    OWN_MUNICIPALITY_CODES,
    PAIRS,
    KindOfChange,
    municipality_check_digit,
)
from eligibility.services import MAX_ADDRESS, MAX_NAME_KANA, MAX_NAME_KANJI
from kaigo.crypto.blind_index import normalise_kana

BOM = b"\xef\xbb\xbf"
FILE_ERRORS = frozenset({"empty_file", "bom", "encoding", "header_missing", "header_mismatch"})

_SERIAL = re.compile(r"[0-9]{12}")
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_NUMBER = re.compile(r"[0-9]{1,15}")
_MY_NUMBER = re.compile(r"[0-9]{12}")
_MUNICIPALITY = re.compile(r"[0-9]{6}")
_FACILITY = re.compile(r"[0-9A-Za-z]{1,10}")
_KATAKANA = re.compile(r"[ァ-ヶー]+")
# C0 and C1 controls and the Unicode line/paragraph separators (str.splitlines would break on them)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_KANA_SPACES = re.compile(r"[\s\u3000]+")

_RELATIONS = frozenset(Relation.values)
_SEXES = frozenset(Sex.values)
_WARDS = frozenset(Ward.values)
_KIND_LABELS = {str(value): label for value, label in KindOfChange.choices}
_FIELD_COUNT = len(COLUMNS)
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


@dataclass(frozen=True)
class LineError:
    line_no: int
    serial: str | None
    code: str
    message: str  # Japanese, for staff; never a value of the line


@dataclass
class ParsedFeed:
    records: list[RegistryRecord] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    total_lines: int = 0  # lines after the header, good and bad

    @property
    def rejected(self) -> bool:
        """True when the whole file was refused (encoding, BOM, header): nothing of it may be applied."""
        return any(e.code in FILE_ERRORS for e in self.errors)


class _Invalid(Exception):
    def __init__(self, code: str, reason: str):
        super().__init__(code)
        self.code = code
        self.reason = reason


def kana_fold(value: str) -> str:
    """Full-width katakana (half-width and hiragana folded by normalise_kana), one ASCII space
    between surname and given name as the resident record keeps it."""
    return " ".join(normalise_kana(part) for part in _KANA_SPACES.split(value) if part)


def parse_feed(data: bytes, *, max_line_bytes: int = 4096, today: date | None = None) -> ParsedFeed:
    """Read a change file. ``today`` is the business date of the intake (default: the system date):
    effective dates more than FUTURE_DAYS after it and notification dates after it are refused."""
    today = today or date.today()
    feed = ParsedFeed()
    if not data:
        return _reject(feed, 1, "empty_file", "ファイルが空です（ヘッダー行もありません）。")
    if data.startswith(BOM):
        return _reject(feed, 1, "bom", "ファイルの先頭にBOMがあります。BOMなしのUTF-8で作成してください。")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line_no = data.count(b"\n", 0, exc.start) + 1
        return _reject(feed, line_no, "encoding",
                       f"{line_no}行目: 文字コードがUTF-8ではありません（Shift_JIS等で作成されていないか確認してください）。"
                       "ファイル全体を受け付けません。")
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()  # the final line break
    header = lines[0].removesuffix(b"\r").decode("utf-8")
    feed.total_lines = len(lines) - 1
    if header != HEADER:
        first = header.split(",", 1)[0]
        if _SERIAL.fullmatch(first.strip()):
            feed.total_lines = len(lines)
            return _reject(feed, 1, "header_missing", "1行目: ヘッダー行がありません。ファイル全体を受け付けません。")
        return _reject(feed, 1, "header_mismatch", f"1行目: ヘッダー行が所定の形式と異なります（{_header_difference(header)}）。"
                                                   "ファイル全体を受け付けません。")
    reader = _LineReader(today=today, max_line_bytes=max_line_bytes)
    for index in range(1, len(lines)):
        line_no = index + 1
        result = reader.read(line_no, lines[index])
        if isinstance(result, LineError):
            feed.errors.append(result)
        else:
            feed.records.append(result)
    return feed


def _reject(feed: ParsedFeed, line_no: int, code: str, message: str) -> ParsedFeed:
    feed.errors.append(LineError(line_no, None, code, message))
    return feed


def _header_difference(header: str) -> str:
    names = [n.strip() for n in header.split(",")]
    for position, column in enumerate(COLUMNS, start=1):
        if position > len(names):
            return f"{position}列目「{column.label}」がありません"
        if names[position - 1] != column.label:
            return f"{position}列目は「{column.label}」です"
    return f"列が多すぎます（{len(COLUMNS)}列）"


class _LineReader:
    def __init__(self, *, today: date, max_line_bytes: int):
        self.today = today
        self.latest_effective = today + timedelta(days=FUTURE_DAYS)
        self.max_line_bytes = max_line_bytes
        self.serials: dict[str, int] = {}

    def read(self, line_no: int, raw: bytes) -> RegistryRecord | LineError:
        serial = None
        try:
            values = self._split(raw)
            first = values[0].strip()
            if _SERIAL.fullmatch(first):
                serial = first
            if len(values) != _FIELD_COUNT:
                raise _Invalid("field_count", f"項目数が{len(values)}です（{_FIELD_COUNT}項目必要です）。")
            return self._record(line_no, values)
        except _Invalid as invalid:
            return LineError(line_no, serial, invalid.code, f"{line_no}行目: {invalid.reason}")

    def _split(self, raw: bytes) -> list[str]:
        if len(raw) > self.max_line_bytes:
            raise _Invalid("line_too_long", f"1行が{self.max_line_bytes}バイトを超えています。")
        line = raw.removesuffix(b"\r").decode("utf-8")
        if not line.strip():
            raise _Invalid("blank_line", "空行です。")
        if '"' in line:
            try:
                values = next(csv.reader([line], strict=True))
            except csv.Error:
                raise _Invalid("csv_malformed", "引用符（\"）の対応が正しくありません。") from None
            if any('"' in v for v in values):
                raise _Invalid("csv_malformed", "引用符（\"）の対応が正しくありません。")
        else:
            values = line.split(",")
        return values

    def _record(self, line_no: int, values: list[str]) -> RegistryRecord:
        if any(_CONTROL.search(value) for value in values):
            attr = next(a for a, value in zip(ATTRS, values, strict=True) if _CONTROL.search(value))
            raise _Invalid("control_character", f"{LABELS[attr]}に制御文字が含まれています。")
        v = dict(zip(ATTRS, [value.strip() for value in values], strict=True))

        serial = v["serial"]
        if not _SERIAL.fullmatch(serial):
            raise _Invalid("serial_invalid", "異動連番は12桁の数字で記録してください。")
        earlier = self.serials.setdefault(serial, line_no)
        if earlier != line_no:
            raise _Invalid("serial_duplicate", f"異動連番が{earlier}行目と重複しています（後の行を受け付けません）。")
        kind = v["kind"]
        presence = _PRESENCE.get(kind)
        if presence is None:
            raise _Invalid("kind_unknown", "異動事由のコードが正しくありません（A1〜A3, B1〜B3, C1〜C4）。")
        for (attr, need), value in zip(presence, v.values(), strict=True):
            if value:
                if need is _FORBIDDEN:
                    raise _Invalid("field_not_allowed", f"{LABELS[attr]}は{_KIND_LABELS[kind]}では記録できません。")
            elif need is _REQUIRED:
                raise _Invalid("required_missing", f"{LABELS[attr]}がありません（{_KIND_LABELS[kind]}では必須です）。")
        for a, b in PAIRS:
            if (v[a] == "") != (v[b] == ""):
                missing, given = (a, b) if v[a] == "" else (b, a)
                raise _Invalid("required_missing", f"{LABELS[missing]}がありません（{LABELS[given]}と組で必要です）。")

        effective_on = _date(v, "effective_on")
        notified_on = _date(v, "notified_on")
        person_id = _number(v, "person_id", "person_id_invalid")
        household_id = _number(v, "household_id", "household_id_invalid")
        relation = _code(v, "relation", _RELATIONS, "relation_invalid",
                         "続柄のコードが正しくありません（head, spouse, child, parent, other）。")
        my_number = v["my_number"] or None
        if my_number is not None:
            if not _MY_NUMBER.fullmatch(my_number):
                raise _Invalid("my_number_invalid", "個人番号は12桁の数字で記録してください。")
            if my_number_check_digit(my_number[:11]) != int(my_number[11]):
                raise _Invalid("my_number_check_digit", "個人番号の検査用数字が正しくありません。")
        name_kanji = v["name_kanji"] or None
        if name_kanji is not None and len(name_kanji) > MAX_NAME_KANJI:
            raise _Invalid("name_too_long", f"氏名が{MAX_NAME_KANJI}文字を超えています。")
        name_kana = v["name_kana"] or None
        if name_kana is not None:
            name_kana = kana_fold(name_kana)  # the length that counts is the stored one
            if len(name_kana) > MAX_NAME_KANA:
                raise _Invalid("kana_too_long", f"氏名カナが{MAX_NAME_KANA}文字を超えています。")
            if not _KATAKANA.fullmatch(name_kana.replace(" ", "")):
                raise _Invalid("kana_invalid", "氏名カナにカタカナ以外の文字があります。")
        sex = _code(v, "sex", _SEXES, "sex_invalid", "性別のコードが正しくありません（1: 男, 2: 女）。")
        birth_date = _date(v, "birth_date")
        ward = _code(v, "ward", _WARDS, "ward_invalid", "区のコードが正しくありません。")
        address = v["address"] or None
        if address is not None and len(address) > MAX_ADDRESS:
            raise _Invalid("address_too_long", f"住所が{MAX_ADDRESS}文字を超えています。")
        from_municipality = _municipality(v, "from_municipality")
        to_municipality = _municipality(v, "to_municipality")
        facility_code = v["facility_code"] or None
        if facility_code is not None and not _FACILITY.fullmatch(facility_code):
            raise _Invalid("facility_code_invalid", "施設コードは10文字以内の英数字で記録してください。")

        if effective_on > self.latest_effective:
            raise _Invalid("effective_in_future", f"異動日が処理日の{FUTURE_DAYS}日後より先です。")
        if notified_on is not None and notified_on > self.today:
            raise _Invalid("notified_in_future", "届出日が処理日より後です。")
        if kind == KindOfChange.BIRTH:
            if birth_date != effective_on:
                raise _Invalid("birth_date_mismatch", "出生の異動日と生年月日が一致しません。")
        elif kind == KindOfChange.DEATH:
            if effective_on < birth_date:
                raise _Invalid("death_before_birth", "死亡日（異動日）が生年月日より前です。")
        elif birth_date > effective_on:
            raise _Invalid("birth_after_effective", "生年月日が異動日より後です。")
        if notified_on is not None and kind in NOTIFIED_AFTER_EFFECTIVE and notified_on < effective_on:
            raise _Invalid("notified_before_effective", "届出日が異動日より前です。")

        return RegistryRecord(
            line_no=line_no, serial=serial, kind=kind, effective_on=effective_on, notified_on=notified_on,
            person_id=person_id, household_id=household_id, relation=relation, my_number=my_number,
            name_kanji=name_kanji, name_kana=name_kana, sex=sex, birth_date=birth_date, ward=ward, address=address,
            from_municipality=from_municipality, to_municipality=to_municipality, facility_code=facility_code,
        )


def _date(v: dict[str, str], attr: str) -> date | None:
    text = v[attr]
    if not text:
        return None
    match = _DATE.fullmatch(text)
    if match is None:
        raise _Invalid("date_invalid", f"{LABELS[attr]}の形式が正しくありません（YYYY-MM-DD）。")
    try:
        value = date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise _Invalid("date_invalid", f"{LABELS[attr]}が存在しない日付です。") from None
    if value.year < EARLIEST_YEAR:
        raise _Invalid("date_out_of_range", f"{LABELS[attr]}が{EARLIEST_YEAR}年より前です。")
    return value


def _number(v: dict[str, str], attr: str, code: str) -> int | None:
    text = v[attr]
    if not text:
        return None
    if not _NUMBER.fullmatch(text) or int(text) == 0:
        raise _Invalid(code, f"{LABELS[attr]}は15桁以内の数字で記録してください。")
    return int(text)


def _code(v: dict[str, str], attr: str, allowed: frozenset[str], code: str, reason: str) -> str | None:
    text = v[attr]
    if not text:
        return None
    if text not in allowed:
        raise _Invalid(code, reason)
    return text


def _municipality(v: dict[str, str], attr: str) -> str | None:
    text = v[attr]
    if not text:
        return None
    if text == ABROAD:
        return text
    if not _MUNICIPALITY.fullmatch(text):
        raise _Invalid("municipality_code_invalid", f"{LABELS[attr]}は6桁の数字で記録してください（国外は{ABROAD}）。")
    if municipality_check_digit(text[:5]) != int(text[5]):
        raise _Invalid("municipality_code_invalid", f"{LABELS[attr]}の検査数字が正しくありません。")
    if text in OWN_MUNICIPALITY_CODES:
        raise _Invalid("municipality_own_city", f"{LABELS[attr]}が本市のコードです（市内の異動は転居です）。")
    return text
