"""The exchange with the national assessment software (要介護認定一次判定ソフト, DOMAIN.md 3.6): the
export file of the cases' survey and opinion data, and the result file the software writes back.
Both are CSV files of this system's own layout (docs/subsystems/certification-assessment.md), UTF-8,
CRLF, a header line first; no name, address, birth date or number of a person: a case is named by
its case number only. Pure: no database.

The result file's adapter (``ImportedResults``) implements the port with the results read.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from certification.assessment.port import (
    AREAS,
    GROUPS,
    SURVEY_ITEMS,
    AdapterKind,
    Area,
    AssessmentInput,
    AssessmentResult,
)
from certification.opinion.rules import OpinionFacts
from certification.rules.levels import Level, level_for_minutes

# --- the export file --------------------------------------------------------------------------------

OPINION_COLUMNS = ("意見書_認知症自立度", "意見書_短期記憶", "意見書_認知能力", "意見書_伝達能力", "意見書_食事行為",
                   "意見書_症状の安定性")
EXPORT_HEADER = ("案件番号", "申請日", "申請の種類", "第2号", *SURVEY_ITEMS, *OPINION_COLUMNS)


@dataclass(frozen=True)
class ExportCase:
    case_number: str
    applied_on: date
    kind: str  # certification.rules.cases.CaseKind
    second_class: bool
    answers: dict[str, str]  # survey item code -> the survey's answer code
    opinion: OpinionFacts


def export_file(cases: list[ExportCase]) -> bytes:
    """The export file: the header, then one line per case (answers by item code, the opinion's
    items by their codes; an item not answered is empty)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_HEADER)
    for c in cases:
        o = c.opinion
        writer.writerow([c.case_number, c.applied_on.isoformat(), c.kind, "1" if c.second_class else "0",
                         *[c.answers.get(code, "") for code in SURVEY_ITEMS],
                         o.dementia_rank, o.short_term_memory, o.cognitive_ability, o.communication, o.eating,
                         o.stability])
    return out.getvalue().encode("utf-8")


# --- the result file -------------------------------------------------------------------------------

AREA_COLUMNS = tuple(Area(a).label for a in AREAS)
GROUP_COLUMNS = tuple(f"第{g}群" for g in GROUPS)
RESULT_HEADER = ("案件番号", *AREA_COLUMNS, "認知症加算", "基準時間", *GROUP_COLUMNS, "一次判定", "ソフト版", "警告")
CASE_NUMBER = re.compile(r"[0-9]{4}-[0-9]{6}")
WARNING_CODE = re.compile(r"[A-Za-z0-9]{1,10}")
VERSION_MAX = 40
TOTAL_TOLERANCE = Decimal("0.5")  # the software sums unrounded minutes: each printed to 0.1
MAX_MINUTES = Decimal(1000)


@dataclass(frozen=True)
class BadLine:
    line: int  # 1 = the header
    case_number: str  # as read (a case number is no personal data), may be empty
    reasons: tuple[str, ...]


@dataclass
class ResultFile:
    results: dict[str, tuple[int, AssessmentResult]] = field(default_factory=dict)  # case number -> (line, result)
    bad: list[BadLine] = field(default_factory=list)


class FileRefused(ValueError):
    """The whole file cannot be read (not UTF-8, not this layout): the Japanese reason."""


def _minutes(text: str, label: str, problems: list[str]) -> Decimal | None:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        problems.append(f"{label}が数値ではありません。")
        return None
    if not value.is_finite() or value < 0 or value >= MAX_MINUTES or value.as_tuple().exponent < -1:
        problems.append(f"{label}は0以上1000未満、小数第1位までの数値にしてください。")
        return None
    return value


def _line(fields: list[str], problems: list[str]) -> AssessmentResult | None:
    values = {}
    for label, text in zip(RESULT_HEADER[1:16], fields[1:16], strict=True):  # 8 minutes, addition, total, 5 scores
        values[label] = _minutes(text, label, problems)
    for label in GROUP_COLUMNS:
        if values[label] is not None and values[label] > 100:
            problems.append(f"{label}の得点は0から100の範囲にしてください。")
    level, version, warnings = fields[16].strip(), fields[17].strip(), fields[18].strip()
    if level not in Level.values:
        problems.append("一次判定の区分コードが正しくありません（01, 12, 13, 21〜25）。")
    if not version or len(version) > VERSION_MAX or not version.isprintable():
        problems.append("ソフト版がないか、長すぎます。")
    codes = tuple(w for w in (p.strip() for p in warnings.split(";")) if w)
    if any(not WARNING_CODE.fullmatch(w) for w in codes):
        problems.append("警告コードは英数字10文字以内を「;」で区切ってください。")
    if problems:
        return None
    minutes = {area: values[label] for area, label in zip(AREAS, AREA_COLUMNS, strict=True)}
    addition, total = values["認知症加算"], values["基準時間"]
    if abs(sum(minutes.values(), Decimal(0)) + addition - total) > TOTAL_TOLERANCE:
        problems.append("基準時間が行為区分ごとの時間と認知症加算の合計と合いません。")
    if level in Level.values and Level(level) not in (level_for_minutes(total, unstable_or_cognitive=False),
                                                      level_for_minutes(total, unstable_or_cognitive=True)):
        problems.append("一次判定の区分が基準時間の範囲と合いません。")
    if problems:
        return None
    return AssessmentResult(AdapterKind.NATIONAL, version, minutes, addition, total,
                            {g: values[label] for g, label in zip(GROUPS, GROUP_COLUMNS, strict=True)}, level, codes)


def result_file_read(data: bytes) -> ResultFile:
    """Read the software's result file: every good line's result by case number, every bad line
    with its reasons (a case number twice: the later lines are bad). FileRefused when the file
    is not UTF-8 or its header is not RESULT_HEADER."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileRefused("文字コードがUTF-8ではありません。") from None
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows or tuple(c.strip() for c in rows[0]) != RESULT_HEADER:
        raise FileRefused("1行目の見出しが結果ファイルの形式と違います。")
    read = ResultFile()
    for number, fields in enumerate(rows[1:], start=2):
        if not any(f.strip() for f in fields):
            continue
        case_number = fields[0].strip()[:20] if fields else ""
        if len(fields) != len(RESULT_HEADER):
            read.bad.append(BadLine(number, case_number, (f"項目の数が{len(RESULT_HEADER)}ではありません（{len(fields)}）。",)))
            continue
        problems: list[str] = []
        if not CASE_NUMBER.fullmatch(case_number):
            problems.append("案件番号の形式が正しくありません。")
        elif case_number in read.results:
            problems.append(f"同じ案件番号が{read.results[case_number][0]}行目にもあります。")
        result = _line(fields, problems)
        if problems or result is None:
            read.bad.append(BadLine(number, case_number, tuple(problems)))
        else:
            read.results[case_number] = (number, result)
    return read


class ImportedResults:
    """The national software's adapter of the port: the results of an imported file, by case."""

    kind = AdapterKind.NATIONAL

    def __init__(self, read: ResultFile):
        self.read = read

    def assess(self, data: AssessmentInput) -> AssessmentResult:
        try:
            return self.read.results[data.case_number][1]
        except KeyError:
            raise LookupError("the result file has no line for this case") from None
