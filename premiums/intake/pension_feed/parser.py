"""A strict reader of the pension insurers' 特別徴収 files (format.py; docs/subsystems/pension-feed.md).

One file is one notice kind for one month (対象年月). The intake says which it expects
(``notice``, ``month``); a file that carries another notice or month on any line, or an expected
month that notice kind never has, is rejected as a whole: one error, no record. So are the
file-level faults every inbound file shares (kaigo/feeds.py: encoding, BOM, header). Otherwise
every line is checked on its own: a good line gives a PensionRecord, a bad one exactly one
LineError (its first fault, in column order) and the others are still read.

The lines do not carry the resident number: the intake matches a line to a resident by kana
name, birth date and sex (the name is folded here as the registry feed folds it). Messages are
Japanese, for staff, and never contain a value of the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from eligibility.codes import Sex
from eligibility.residents.rules import MAX_NAME_KANA
from kaigo.feeds import (
    FILE_ERRORS,
    Invalid,
    LineReader,
    ParsedFile,
    code_field,
    date_field,
    file_open,
    kana_name_field,
    lines_read,
    reject,
)
from premiums.intake.pension_feed.format import (
    ALWAYS,
    AMOUNT_DIGITS,
    ATTRS,
    COLUMNS,
    INSURERS,
    LABELS,
    LAYOUT,
    NOTICE_FIELDS,
    NOTICE_MONTH_TEXT,
    NOTICE_MONTHS,
    PENSION_KIND_CODES,
    RESULT_CODES,
    WITHHOLDABLE_CODES,
    DeductionResult,
    Notice,
)

_SERIAL = re.compile(r"[0-9]{12}")
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
_INSURER = re.compile(r"[0-9]{3}")
_BASIC_PENSION_NUMBER = re.compile(r"[0-9]{10}")
_PENSION_CODE = re.compile(r"[0-9]{4}")
_AMOUNT = re.compile(rf"[0-9]{{1,{AMOUNT_DIGITS}}}")
_SEXES = frozenset(Sex.values)
_NOTICE_LABELS = {str(value): label for value, label in Notice.choices}
_DEDUCTED = DeductionResult.DEDUCTED.value
# For each notice, each column in order: required (True) or must be empty (False).
_PRESENCE = {
    str(notice): tuple((attr, attr in ALWAYS or attr in fields) for attr in ATTRS)
    for notice, fields in NOTICE_FIELDS.items()
}

YearMonth = tuple[int, int]  # (calendar year, month)


@dataclass(frozen=True)
class PensionRecord:
    """One pension of one person, as a pension insurer reports it. Money in yen."""

    serial: str
    notice: str  # Notice: 00, 01, 10
    month: YearMonth  # 対象年月
    insurer_code: str  # 特別徴収義務者コード (INSURERS)
    basic_pension_number: str  # 基礎年金番号, 10 digits
    pension_code: str  # 年金コード, 4 digits
    pension_kind: str  # premiums.rules.codes.PensionKind
    birth_date: date
    sex: str  # 1 男, 2 女
    name_kana: str  # folded: full-width katakana, one ASCII space between surname and given name
    annual_amount: int | None  # 年金額 (年額): 00 and 01
    withholdable: bool | None  # 特別徴収可否: 00 and 01
    deducted_amount: int | None  # 特別徴収額: 10
    result: str | None  # DeductionResult: 10
    line_no: int = 0  # the line of the file it was read from (0: not read from a file)

    @property
    def deducted(self) -> bool:
        return self.result == _DEDUCTED


class ParsedPensionFile(ParsedFile[PensionRecord]):
    """The records of a pension file, one error per bad line, total_lines, rejected."""

    file_errors = FILE_ERRORS | {"notice_month_impossible", "notice_mismatch", "month_mismatch"}


class _WrongFile(Exception):
    """A line showing that the whole file is not the one being received (another notice or month)."""

    def __init__(self, line_no: int, code: str, message: str):
        super().__init__(code)
        self.line_no = line_no
        self.code = code
        self.message = message


def month_text(month: YearMonth) -> str:
    return f"{month[0]}年{month[1]}月"


def parse_pension_file(data: bytes, *, notice: str, month: YearMonth, max_line_bytes: int = 4096) -> ParsedPensionFile:
    """Read a file expected to hold ``notice`` (Notice) for ``month`` ((year, month))."""
    notice = Notice(notice).value  # ValueError for a code that is no notice: the caller's mistake
    parsed = ParsedPensionFile()
    lines = file_open(data, parsed, layout=LAYOUT, data_first_field=_SERIAL)
    if lines is None:
        return parsed
    if month[1] not in NOTICE_MONTHS[notice]:
        return reject(parsed, 1, "notice_month_impossible",
                      f"{_NOTICE_LABELS[notice]}（{notice}）は{NOTICE_MONTH_TEXT[notice]}です。"
                      f"{month_text(month)}分としては取り込めません。ファイル全体を受け付けません。")
    try:
        lines_read(parsed, lines, _LineReader(notice=notice, month=month, max_line_bytes=max_line_bytes).read)
    except _WrongFile as wrong:
        parsed.records, parsed.errors = [], []
        return reject(parsed, wrong.line_no, wrong.code, wrong.message)
    return parsed


class _LineReader(LineReader[PensionRecord]):
    serial_pattern, serial_label, serial_form = _SERIAL, "通知連番", "12桁の数字"

    def __init__(self, *, notice: str, month: YearMonth, max_line_bytes: int):
        super().__init__(columns=COLUMNS, max_line_bytes=max_line_bytes)
        self.notice = notice
        self.month = month
        self.month_text = f"{month[0]:04d}-{month[1]:02d}"
        self.presence = _PRESENCE[notice]
        self.pensions: dict[tuple[str, str, str], int] = {}  # (insurer, number, code) -> line

    def record(self, line_no: int, serial: str, values: list[str]) -> PensionRecord:
        v = dict(zip(ATTRS, values, strict=True))
        notice = v["notice"]
        if notice not in _PRESENCE:
            raise Invalid("notice_unknown", "通知内容コードが正しくありません（00, 01, 10）。")
        if notice != self.notice:
            raise _WrongFile(line_no, "notice_mismatch",
                             f"{line_no}行目: 通知内容コードが取り込む通知と異なります（{_NOTICE_LABELS[self.notice]}"
                             f"（{self.notice}）のファイルとして取り込んでいます）。ファイル全体を受け付けません。")
        text = v["month"]
        if text != self.month_text:
            match = _MONTH.fullmatch(text)
            if match is None or not 1 <= int(match[2]) <= 12:
                raise Invalid("month_invalid", "対象年月の形式が正しくありません（YYYY-MM）。")
            raise _WrongFile(line_no, "month_mismatch",
                             f"{line_no}行目: 対象年月が取り込む月と異なります（{month_text(self.month)}分のファイルとして"
                             "取り込んでいます）。ファイル全体を受け付けません。")
        for (attr, required), value in zip(self.presence, values, strict=True):
            if value:
                if not required:
                    raise Invalid("field_not_allowed", f"{LABELS[attr]}は{_NOTICE_LABELS[notice]}では記録できません。")
            elif required:
                raise Invalid("required_missing", f"{LABELS[attr]}がありません（{_NOTICE_LABELS[notice]}では必須です）。")

        insurer_code = v["insurer_code"]
        if insurer_code not in INSURERS:
            if _INSURER.fullmatch(insurer_code):
                raise Invalid("insurer_unknown", "特別徴収義務者コードが登録されていないコードです。")
            raise Invalid("insurer_unknown", "特別徴収義務者コードは3桁の数字で記録してください。")
        basic_pension_number = v["basic_pension_number"]
        if not _BASIC_PENSION_NUMBER.fullmatch(basic_pension_number):
            raise Invalid("basic_pension_number_invalid", "基礎年金番号は10桁の数字で記録してください。")
        pension_code = v["pension_code"]
        if not _PENSION_CODE.fullmatch(pension_code):
            raise Invalid("pension_code_invalid", "年金コードは4桁の数字で記録してください。")
        pension_kind = PENSION_KIND_CODES.get(v["pension_kind"])
        if pension_kind is None:
            raise Invalid("pension_kind_invalid", "年金種別のコードが正しくありません（1〜5）。")
        birth_date = date_field(v["birth_date"], LABELS["birth_date"])
        sex = code_field(v["sex"], _SEXES, "sex_invalid", "性別のコードが正しくありません（1: 男, 2: 女）。")
        name_kana = kana_name_field(v["name_kana"], LABELS["name_kana"], max_length=MAX_NAME_KANA)
        annual_amount = _amount(v, "annual_amount")
        withholdable = None
        if v["withholdable"]:
            withholdable = WITHHOLDABLE_CODES.get(v["withholdable"])
            if withholdable is None:
                raise Invalid("withholdable_invalid", "特別徴収可否のコードが正しくありません（1: 可, 0: 不可）。")
        deducted_amount = _amount(v, "deducted_amount")
        result = None
        if v["result"]:
            result = RESULT_CODES.get(v["result"])
            if result is None:
                raise Invalid("result_invalid", "処理結果のコードが正しくありません（0, 1, 2, 3, 4, 9）。")
            if (result == _DEDUCTED) != (deducted_amount > 0):
                raise Invalid("deducted_amount_mismatch",
                              "処理結果と特別徴収額が合いません（徴収済は1円以上、未徴収は0円）。")

        key = (insurer_code, basic_pension_number, pension_code)
        earlier = self.pensions.setdefault(key, line_no)
        if earlier != line_no:
            raise Invalid("pension_duplicate",
                          f"同じ年金（特別徴収義務者・基礎年金番号・年金コード）が{earlier}行目にもあります（後の行を受け付けません）。")
        return PensionRecord(
            serial, notice, self.month, insurer_code, basic_pension_number, pension_code, pension_kind, birth_date,
            sex, name_kana, annual_amount, withholdable, deducted_amount, result, line_no,
        )


def _amount(v: dict[str, str], attr: str) -> int | None:
    text = v[attr]
    if not text:
        return None
    if not _AMOUNT.fullmatch(text):
        raise Invalid("amount_invalid", f"{LABELS[attr]}は{AMOUNT_DIGITS}桁以内の0以上の整数（円）で記録してください。")
    return int(text)
