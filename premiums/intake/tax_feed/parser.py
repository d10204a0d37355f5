"""A strict reader of the tax system's file of inhabitant-tax facts (format.py;
docs/subsystems/tax-feed.md).

File-level faults (not UTF-8, a BOM, no or a wrong header) reject the whole file: one error, no
record. Otherwise every line is checked on its own: a good line gives a TaxRecord, a bad one
exactly one LineError (its first fault, in column order) and the others are still read. Then one
rule across lines: every household on the 当初 lines needs exactly one 当初 line of its head,
otherwise all 当初 lines of that household are rejected. Whether the person and the household
exist, and what the figures mean for the premium, are the intake's and the levy's business.

Messages are Japanese, for staff, and never contain a value of the line (no number, amount or
date): they name the line, the field and the reason. The shared machinery is kaigo/feeds.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from eligibility.codes import Relation
from kaigo.feeds import (
    Invalid,
    LineReader,
    ParsedFile,
    code_field,
    date_field,
    file_open,
    line_error,
    lines_read,
    number_field,
)
from premiums.intake.tax_feed.format import (
    AMOUNT_DIGITS,
    ATTRS,
    COLUMNS,
    FLAG_CODES,
    KIND_CODES,
    LABELS,
    LAYOUT,
    NON_NEGATIVE_AMOUNTS,
    TAXED_CODES,
    TaxRecordKind,
)

_SERIAL = re.compile(r"[0-9]{12}")
_YEAR = re.compile(r"[0-9]{4}")
_AMOUNT = re.compile(rf"-?[0-9]{{1,{AMOUNT_DIGITS}}}")
_RELATIONS = frozenset(Relation.values)
_HEAD = Relation.HEAD.value
_INITIAL = TaxRecordKind.INITIAL.value


@dataclass(frozen=True)
class TaxRecord:
    """One person's inhabitant-tax facts for a fiscal year (the levy's 年度; the income is the
    previous calendar year's). Money in yen."""

    serial: str
    kind: str  # TaxRecordKind: initial / correction
    fiscal_year: int
    person_id: int
    household_id: int  # as of the 賦課期日 (4/1)
    relation: str  # eligibility.models.Relation
    birth_date: date
    self_taxed: bool
    household_taxed: bool  # someone in the household, the person included, is taxed
    total_income: int  # 合計所得金額, may be negative
    pension_misc_income: int  # 公的年金等に係る雑所得
    taxable_pension_income: int  # 課税年金収入額
    salary_income: int  # 給与所得
    special_deduction: int  # 長期・短期譲渡所得の特別控除額
    non_taxable_pension_income: int  # 非課税年金収入額
    public_assistance: bool  # 生活保護 (added by the city's linkage from the welfare system)
    old_age_welfare_pension: bool  # 老齢福祉年金 (the same)
    line_no: int = 0  # the line of the file it was read from (0: not read from a file)


class ParsedTaxFile(ParsedFile[TaxRecord]):
    """The records of a tax file, one error per bad line, total_lines, rejected."""


def parse_tax_file(data: bytes, *, fiscal_year: int, max_line_bytes: int = 4096) -> ParsedTaxFile:
    """Read a tax file of ``fiscal_year`` (当初 or 更正 lines): a line of another fiscal year is an error."""
    parsed = ParsedTaxFile()
    lines = file_open(data, parsed, layout=LAYOUT, data_first_field=_SERIAL)
    if lines is None:
        return parsed
    reader = _LineReader(fiscal_year=fiscal_year, max_line_bytes=max_line_bytes)
    lines_read(parsed, lines, reader.read)
    _households_check(parsed)
    return parsed


class _LineReader(LineReader[TaxRecord]):
    serial_pattern, serial_label, serial_form = _SERIAL, "課税連番", "12桁の数字"

    def __init__(self, *, fiscal_year: int, max_line_bytes: int):
        super().__init__(columns=COLUMNS, max_line_bytes=max_line_bytes)
        self.fiscal_year = fiscal_year
        self.initial_persons: dict[int, int] = {}  # person -> the line of their (good) 当初 line

    def record(self, line_no: int, serial: str, values: list[str]) -> TaxRecord:
        v = dict(zip(ATTRS, values, strict=True))
        kind = KIND_CODES.get(v["kind"])
        if kind is None:
            raise Invalid("kind_unknown", "当初更正区分のコードが正しくありません（1: 当初, 2: 更正）。")
        for attr, value in v.items():
            if not value:
                raise Invalid("required_missing", f"{LABELS[attr]}がありません（すべての項目が必須です）。")

        if not _YEAR.fullmatch(v["fiscal_year"]):
            raise Invalid("fiscal_year_invalid", "年度は4桁の数字（西暦）で記録してください。")
        if int(v["fiscal_year"]) != self.fiscal_year:
            raise Invalid("fiscal_year_mismatch",
                          f"年度が取り込む年度と異なります（{self.fiscal_year}年度のファイルとして取り込んでいます）。")
        person_id = number_field(v["person_id"], LABELS["person_id"], "person_id_invalid")
        household_id = number_field(v["household_id"], LABELS["household_id"], "household_id_invalid")
        relation = code_field(v["relation"], _RELATIONS, "relation_invalid",
                              "続柄のコードが正しくありません（head, spouse, child, parent, other）。")
        birth_date = date_field(v["birth_date"], LABELS["birth_date"])
        self_taxed = _taxed(v, "self_taxed")
        household_taxed = _taxed(v, "household_taxed")
        total_income = _amount(v, "total_income")
        amounts = [_amount(v, attr) for attr in NON_NEGATIVE_AMOUNTS]
        public_assistance = _flag(v, "public_assistance")
        old_age_welfare_pension = _flag(v, "old_age_welfare_pension")

        if self_taxed and not household_taxed:
            raise Invalid("household_taxation_conflict", "本人課税区分が課税ですが、世帯課税区分が非課税です。")
        if kind == _INITIAL:
            earlier = self.initial_persons.setdefault(person_id, line_no)
            if earlier != line_no:
                raise Invalid("person_duplicate",
                              f"宛名番号が{earlier}行目と重複しています（当初の行は1人1行です。後の行を受け付けません）。")
        return TaxRecord(
            serial, kind, self.fiscal_year, person_id, household_id, relation, birth_date, self_taxed,
            household_taxed, total_income, *amounts, public_assistance, old_age_welfare_pension, line_no,
        )


def _taxed(v: dict[str, str], attr: str) -> bool:
    value = TAXED_CODES.get(v[attr])
    if value is None:
        raise Invalid("taxation_invalid", f"{LABELS[attr]}のコードが正しくありません（1: 課税, 2: 非課税）。")
    return value


def _flag(v: dict[str, str], attr: str) -> bool:
    value = FLAG_CODES.get(v[attr])
    if value is None:
        raise Invalid("flag_invalid", f"{LABELS[attr]}のコードが正しくありません（1: 受給, 0: 受給なし）。")
    return value


def _amount(v: dict[str, str], attr: str) -> int:
    text = v[attr]
    if not _AMOUNT.fullmatch(text):
        if attr == "total_income":
            raise Invalid("amount_invalid", f"{LABELS[attr]}は{AMOUNT_DIGITS}桁以内の整数（負の値は先頭に-）で記録してください。")
        raise Invalid("amount_invalid", f"{LABELS[attr]}は{AMOUNT_DIGITS}桁以内の整数で記録してください。")
    value = int(text)
    if value < 0 and attr != "total_income":
        raise Invalid("amount_negative", f"{LABELS[attr]}が負の値です（0以上で記録してください）。")
    return value


def _households_check(parsed: ParsedTaxFile) -> None:
    """Every household on the good 当初 lines has exactly one 当初 line of its head; otherwise all
    the household's 当初 lines become errors (household_head_missing / household_head_duplicate)."""
    heads: dict[int, int] = {}
    for record in parsed.records:
        if record.kind == _INITIAL:
            heads[record.household_id] = heads.get(record.household_id, 0) + (record.relation == _HEAD)
    bad = {household: count for household, count in heads.items() if count != 1}
    if not bad:
        return
    kept = []
    for record in parsed.records:
        count = bad.get(record.household_id) if record.kind == _INITIAL else None
        if count is None:
            kept.append(record)
        elif count == 0:
            parsed.errors.append(line_error(record.line_no, record.serial, Invalid(
                "household_head_missing",
                "同じ世帯番号の当初の行に世帯主（続柄head）の行がありません（世帯主の行に誤りがある場合を含みます）。"
                "この世帯の当初の行を受け付けません。")))
        else:
            parsed.errors.append(line_error(record.line_no, record.serial, Invalid(
                "household_head_duplicate",
                "同じ世帯番号の当初の行に世帯主（続柄head）の行が複数あります。この世帯の当初の行を受け付けません。")))
    parsed.records = kept
    parsed.errors.sort(key=lambda e: e.line_no)
