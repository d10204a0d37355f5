"""The strict reading every inbound CSV file of the city shares (住基異動, 住民税課税情報, 特別徴収,
収納データ): the file-level checks, the splitting of a line into fields, the error shape and
the small field readers. Each feed keeps its own layout (``format.py``) and its own line rules
(``parser.py``) in its domain app and builds on this module.

Why in ``kaigo/``: the readers live in the domain apps that own the data (``eligibility``,
``premiums``), and the dependency rule of docs/README.md lets every app import ``kaigo`` but
forbids ``eligibility`` importing ``linkage``. This module imports no domain app.

The rules it implements (documented for people in docs/subsystems/registry-feed.md, "The file"):

- UTF-8 without BOM; a BOM or bytes that are not UTF-8 reject the whole file with one error.
- Lines are split on LF only (a CR before it is dropped): ``str.splitlines`` would also break on
  U+2028, U+0085 and others and shift the line numbers.
- The first line is the header, exactly the layout's; otherwise the whole file is rejected
  (``header_missing`` when the first line already looks like data).
- The last line is the trailer (トレーラ), ended by a line break: ``トレーラ,<件数>`` and, in a
  layout with amounts, ``,<合計金額>`` (``FileLayout``). The count is the number of data lines
  between the header and the trailer, good and bad; the total is the sum of the layout's amount
  columns over those lines, as written (a field that is not a whole number counts 0). A missing,
  malformed or misplaced trailer, or one that disagrees with the lines, rejects the whole file: a
  file cut short (at a line end or inside a record) or run together with another is never applied
  in part. The sender writes it with ``FileLayout.trailer`` (the simulators and the tests do).
- Per line: at most ``max_line_bytes``; not blank; quoted (RFC 4180) only where a field needs it,
  a quote anywhere else is an error; exactly the layout's number of fields; no control character
  (C0, DEL, C1, U+2028/U+2029); spaces around values are trimmed.

A bad line gives exactly one ``LineError`` whose Japanese message names the line, the field and
the reason, and **never a value of the line**. Field readers raise ``Invalid(code, reason)``;
the parser turns the first one of a line into its ``LineError``.
"""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import ClassVar, Generic, TypeVar

from kaigo.crypto.blind_index import normalise_kana

BOM = b"\xef\xbb\xbf"
# Codes that reject the whole file (nothing of it may be applied).
FILE_ERRORS = frozenset({"empty_file", "bom", "encoding", "header_missing", "header_mismatch", "trailer_missing",
                         "trailer_invalid", "trailer_unterminated", "trailer_misplaced", "trailer_count",
                         "trailer_total"})
TRAILER_MARK = "トレーラ"
_TRAILER_MARK = TRAILER_MARK.encode("utf-8")
_TRAILER_NUMBER = re.compile(r"[0-9]{1,15}")
_TRAILER_TOTAL = re.compile(r"-?[0-9]{1,18}")
_AMOUNT_TEXT = re.compile(rb"\s*(-?[0-9]{1,15})\s*")
EARLIEST_YEAR = 1900

# C0 and C1 controls and the Unicode line/paragraph separators (str.splitlines would break on them)
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_NUMBER = re.compile(r"[0-9]{1,15}")
_KANA_SPACES = re.compile(r"[\s\u3000]+")
_SPACE = re.compile(r"\s")  # what str.strip() removes (in Python 3, \s covers U+3000 too)
KATAKANA = re.compile(r"[ァ-ヶー]+")

R = TypeVar("R")


@dataclass(frozen=True)
class Column:
    label: str  # the header's name of the column (also the field's name in staff messages)
    attr: str  # the record's attribute


@dataclass(frozen=True)
class LineError:
    line_no: int
    serial: str | None
    code: str
    message: str  # Japanese, for staff; never a value of the line


@dataclass
class ParsedFile(Generic[R]):
    """What a parser returns: the good records, one error per bad line, and ``total_lines`` (the
    lines after the header, good and bad; ``len(records) + len(errors) == total_lines`` unless the
    file is rejected)."""

    records: list[R] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    total_lines: int = 0

    # A feed with file-level rules of its own (a wrong month, ...) widens this set.
    file_errors: ClassVar[frozenset[str]] = FILE_ERRORS

    @property
    def rejected(self) -> bool:
        """True when the whole file was refused (encoding, BOM, header, ...): nothing of it may be applied."""
        return any(e.code in self.file_errors for e in self.errors)


class Invalid(Exception):
    """The first fault of a line: its error code and the reason (Japanese, without any value)."""

    def __init__(self, code: str, reason: str):
        super().__init__(code)
        self.code = code
        self.reason = reason


def header_of(columns: Sequence[Column]) -> str:
    return ",".join(c.label for c in columns)


@dataclass(frozen=True)
class FileLayout:
    """A feed's file: its columns and the amount columns its trailer totals (none: the trailer
    carries the count only). Each feed's ``format.py`` declares one (``LAYOUT``)."""

    columns: tuple[Column, ...]
    amounts: tuple[str, ...] = ()

    @property
    def header(self) -> str:
        return header_of(self.columns)

    @property
    def amount_positions(self) -> tuple[int, ...]:
        attrs = [c.attr for c in self.columns]
        return tuple(attrs.index(a) for a in self.amounts)

    @functools.cached_property
    def _positions(self) -> tuple[int, ...]:
        return tuple(sorted(self.amount_positions))

    def line_amount(self, raw: bytes) -> int:
        """The sum of a data line's amount fields as written (a field that is not a whole number,
        or is missing, counts 0): what the trailer's total adds up, on both sides."""
        positions = self._positions
        if not positions:
            return 0
        if b'"' in raw:
            try:
                values = [v.encode("utf-8") for v in next(csv.reader([raw.decode("utf-8", "replace")]))]
            except (csv.Error, StopIteration):
                return 0
        else:
            values = raw.split(b",", positions[-1] + 1)  # only as far as the last amount column
        total = 0
        for position in positions:
            if position < len(values):
                match = _AMOUNT_TEXT.fullmatch(values[position])
                if match is not None:
                    total += int(match[1])
        return total

    def trailer(self, lines: Sequence[str]) -> str:
        """The trailer line (no line break) of these data lines."""
        count = f"{TRAILER_MARK},{len(lines)}"
        if not self.amounts:
            return count
        return f"{count},{sum(self.line_amount(line.encode('utf-8')) for line in lines)}"

    def file(self, lines: Sequence[str], *, newline: str = "\n") -> bytes:
        """A whole file of these data lines: header, lines, trailer, each ended by ``newline``."""
        return "".join(f"{line}{newline}" for line in [self.header, *lines, self.trailer(lines)]).encode("utf-8")


def line_encode(values: Sequence[str]) -> str:
    """One CSV line (no line break) from field values; quotes only where the value needs it."""
    return ",".join('"' + v.replace('"', '""') + '"' if ("," in v or '"' in v) else v for v in values)


def kana_fold(value: str) -> str:
    """Full-width katakana (half-width and hiragana folded by normalise_kana), one ASCII space
    between surname and given name as the resident record keeps it."""
    return " ".join(normalise_kana(part) for part in _KANA_SPACES.split(value) if part)


def reject(parsed: ParsedFile, line_no: int, code: str, message: str) -> ParsedFile:
    """Record a file-level error (no serial: it is about the file, not a line)."""
    parsed.errors.append(LineError(line_no, None, code, message))
    return parsed


def line_error(line_no: int, serial: str | None, invalid: Invalid) -> LineError:
    return LineError(line_no, serial, invalid.code, f"{line_no}行目: {invalid.reason}")


def file_open(data: bytes, parsed: ParsedFile, *, layout: FileLayout,
              data_first_field: re.Pattern[str]) -> list[bytes] | None:
    """The raw data lines between the header and the trailer (LF-split), with ``parsed.total_lines``
    set; or None when the file is rejected as a whole (the error is in ``parsed.errors``).
    ``data_first_field`` recognises the first field of a data line, to tell a missing header from
    a wrong one."""
    columns = layout.columns
    if not data:
        reject(parsed, 1, "empty_file", "ファイルが空です（ヘッダー行もありません）。")
        return None
    if data.startswith(BOM):
        reject(parsed, 1, "bom", "ファイルの先頭にBOMがあります。BOMなしのUTF-8で作成してください。")
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line_no = data.count(b"\n", 0, exc.start) + 1
        reject(parsed, line_no, "encoding",
               f"{line_no}行目: 文字コードがUTF-8ではありません（Shift_JIS等で作成されていないか確認してください）。"
               "ファイル全体を受け付けません。")
        return None
    lines = data.split(b"\n")
    terminated = lines[-1] == b""
    if terminated:
        lines.pop()  # the final line break
    header = lines[0].removesuffix(b"\r").decode("utf-8")
    parsed.total_lines = len(lines) - 1
    if header != header_of(columns):
        first = header.split(",", 1)[0]
        if data_first_field.fullmatch(first.strip()):
            parsed.total_lines = len(lines)
            reject(parsed, 1, "header_missing", "1行目: ヘッダー行がありません。ファイル全体を受け付けません。")
        else:
            reject(parsed, 1, "header_mismatch",
                   f"1行目: ヘッダー行が所定の形式と異なります（{header_difference(header, columns)}）。"
                   "ファイル全体を受け付けません。")
        return None
    del lines[0]
    if not trailer_check(lines, parsed, layout=layout, terminated=terminated):
        return None
    lines.pop()
    parsed.total_lines = len(lines)
    return lines


def trailer_check(lines: list[bytes], parsed: ParsedFile, *, layout: FileLayout, terminated: bool) -> bool:
    """Whether the last of ``lines`` (the lines after the header) is a trailer that agrees with the
    lines before it; otherwise the file-level error goes to ``parsed.errors``."""
    last_no = len(lines) + 1  # the file's line number of the last line
    if not lines or not lines[-1].startswith(_TRAILER_MARK):
        reject(parsed, last_no, "trailer_missing",
               f"最終行（{last_no}行目）がトレーラ（件数・合計の行）ではありません。ファイルが途中で切れているおそれがあります。"
               "ファイル全体を受け付けません。")
        return False
    if not terminated:
        reject(parsed, last_no, "trailer_unterminated",
               f"{last_no}行目: トレーラが改行で終わっていません。ファイルが途中で切れているおそれがあります。"
               "ファイル全体を受け付けません。")
        return False
    values = [v.strip() for v in lines[-1].removesuffix(b"\r").decode("utf-8").split(",")]
    expected = 3 if layout.amounts else 2
    form = "トレーラ,件数,合計金額" if layout.amounts else "トレーラ,件数"
    if (values[0] != TRAILER_MARK or len(values) != expected or not _TRAILER_NUMBER.fullmatch(values[1])
            or (layout.amounts and not _TRAILER_TOTAL.fullmatch(values[2]))):
        reject(parsed, last_no, "trailer_invalid",
               f"{last_no}行目: トレーラの形式が正しくありません（{form}）。ファイル全体を受け付けません。")
        return False
    data_lines = lines[:-1]
    for line_no, raw in enumerate(data_lines, start=2):
        if raw.startswith(_TRAILER_MARK):
            reject(parsed, line_no, "trailer_misplaced",
                   f"{line_no}行目: 最終行ではない位置にトレーラがあります（複数のファイルが連結されていないか確認してください）。"
                   "ファイル全体を受け付けません。")
            return False
    if int(values[1]) != len(data_lines):
        reject(parsed, last_no, "trailer_count",
               f"{last_no}行目: トレーラの件数（{int(values[1])}件）とデータ行の数（{len(data_lines)}行）が一致しません。"
               "ファイル全体を受け付けません。")
        return False
    if layout.amounts and int(values[2]) != sum(layout.line_amount(raw) for raw in data_lines):
        reject(parsed, last_no, "trailer_total",
               f"{last_no}行目: トレーラの合計金額がデータ行の金額の合計と一致しません。ファイル全体を受け付けません。")
        return False
    return True


def header_difference(header: str, columns: Sequence[Column]) -> str:
    """The first difference between a header and the layout, in words (no value of the file)."""
    names = [n.strip() for n in header.split(",")]
    for position, column in enumerate(columns, start=1):
        if position > len(names):
            return f"{position}列目「{column.label}」がありません"
        if names[position - 1] != column.label:
            return f"{position}列目は「{column.label}」です"
    return f"列が多すぎます（{len(columns)}列）"


class LineSplitter:
    """Turns one raw line into its field values: ``split`` (shape: length, blank, quotes) and then
    ``fields`` (number of fields, control characters, trimmed values). Between the two a parser may
    pick up the line's serial from the first value, so that even a line with a wrong number of
    fields is reported with its serial."""

    def __init__(self, *, columns: Sequence[Column], max_line_bytes: int):
        self.columns = tuple(columns)
        self.field_count = len(self.columns)
        self.max_line_bytes = max_line_bytes

    def split(self, raw: bytes) -> list[str]:
        if len(raw) > self.max_line_bytes:
            raise Invalid("line_too_long", f"1行が{self.max_line_bytes}バイトを超えています。")
        line = raw.removesuffix(b"\r").decode("utf-8")
        if not line.strip():
            raise Invalid("blank_line", "空行です。")
        if '"' in line:
            try:
                values = next(csv.reader([line], strict=True))
            except csv.Error:
                raise Invalid("csv_malformed", "引用符（\"）の対応が正しくありません。") from None
            if any('"' in v for v in values):
                raise Invalid("csv_malformed", "引用符（\"）の対応が正しくありません。")
            return values
        return line.split(",")

    def fields(self, values: list[str]) -> list[str]:
        if len(values) != self.field_count:
            raise Invalid("field_count", f"項目数が{len(values)}です（{self.field_count}項目必要です）。")
        joined = ",".join(values)
        if CONTROL.search(joined):
            column = next(c for c, value in zip(self.columns, values, strict=True) if CONTROL.search(value))
            raise Invalid("control_character", f"{column.label}に制御文字が含まれています。")
        if _SPACE.search(joined) is None:
            return values  # nothing to trim (most lines): saves a strip per field
        return [value.strip() for value in values]


class LineReader(Generic[R]):
    """The reading of a file's data lines that every feed shares: split a line (``LineSplitter``),
    note its serial (the first field, when it has the serial's form: even a line with a wrong
    number of fields is reported with it), check that the serial is well formed and not used by
    an earlier line of the file, then hand the trimmed values to ``record``, the feed's own rules.
    The first fault of a line becomes its ``LineError``.

    A feed subclasses it: ``serial_pattern``, ``serial_label`` (the column's name, 課税連番),
    ``serial_form`` (how it is written, 12桁の数字) and ``record(line_no, serial, values)``."""

    serial_pattern: ClassVar[re.Pattern[str]]
    serial_label: ClassVar[str]
    serial_form: ClassVar[str]

    def __init__(self, *, columns: Sequence[Column], max_line_bytes: int):
        self.splitter = LineSplitter(columns=columns, max_line_bytes=max_line_bytes)
        self.max_line_bytes = max_line_bytes
        self.serials: dict[str, int] = {}

    def read(self, line_no: int, raw: bytes) -> R | LineError:
        serial = None
        try:
            values = self.splitter.split(raw)
            first = values[0].strip()
            if self.serial_pattern.fullmatch(first):
                serial = first
            values = self.splitter.fields(values)
            return self.record(line_no, self.serial_once(line_no, values[0]), values)
        except Invalid as invalid:
            return line_error(line_no, serial, invalid)

    def serial_once(self, line_no: int, serial: str) -> str:
        """``serial`` when it is well formed and no earlier line of the file has it."""
        if not self.serial_pattern.fullmatch(serial):
            raise Invalid("serial_invalid", f"{self.serial_label}は{self.serial_form}で記録してください。")
        earlier = self.serials.setdefault(serial, line_no)
        if earlier != line_no:
            raise Invalid("serial_duplicate", f"{self.serial_label}が{earlier}行目と重複しています（後の行を受け付けません）。")
        return serial

    def record(self, line_no: int, serial: str, values: list[str]) -> R:
        raise NotImplementedError


def lines_read(parsed: ParsedFile, lines: Iterable[bytes], read: Callable[[int, bytes], object]) -> None:
    """Apply ``read(line_no, raw)`` to each data line (line 2 onwards): a LineError goes to the errors,
    anything else to the records."""
    records, errors = parsed.records, parsed.errors
    for line_no, raw in enumerate(lines, start=2):
        result = read(line_no, raw)
        if isinstance(result, LineError):
            errors.append(result)
        else:
            records.append(result)


# ----- field readers: empty text -> None; a bad value -> Invalid naming the field, never the value ----

_DATES: dict[str, date] = {}  # text -> date, for the valid dates seen (a file repeats few dates)


def date_field(text: str, label: str, *, earliest_year: int = EARLIEST_YEAR) -> date | None:
    """An ASCII ``YYYY-MM-DD`` real calendar date, not before ``earliest_year``."""
    if not text:
        return None
    value = _DATES.get(text)
    if value is not None and value.year >= earliest_year:
        return value
    match = _DATE.fullmatch(text)
    if match is None:
        raise Invalid("date_invalid", f"{label}の形式が正しくありません（YYYY-MM-DD）。")
    try:
        value = date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise Invalid("date_invalid", f"{label}が存在しない日付です。") from None
    if value.year < earliest_year:
        raise Invalid("date_out_of_range", f"{label}が{earliest_year}年より前です。")
    if len(_DATES) < 100_000:
        _DATES[text] = value
    return value


def number_field(text: str, label: str, code: str) -> int | None:
    """An internal number (宛名番号, 世帯番号): 1-15 ASCII digits, not 0."""
    if not text:
        return None
    if not _NUMBER.fullmatch(text) or int(text) == 0:
        raise Invalid(code, f"{label}は15桁以内の数字で記録してください。")
    return int(text)


def code_field(text: str, allowed: frozenset[str], code: str, reason: str) -> str | None:
    """One of a fixed set of codes."""
    if not text:
        return None
    if text not in allowed:
        raise Invalid(code, reason)
    return text


def kana_name_field(text: str, label: str, *, max_length: int) -> str | None:
    """A reading in katakana, folded (``kana_fold``); the length that counts is the folded one."""
    if not text:
        return None
    kana = kana_fold(text)
    if len(kana) > max_length:
        raise Invalid("kana_too_long", f"{label}が{max_length}文字を超えています。")
    if not KATAKANA.fullmatch(kana.replace(" ", "")):
        raise Invalid("kana_invalid", f"{label}にカタカナ以外の文字があります。")
    return kana
