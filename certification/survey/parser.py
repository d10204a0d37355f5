"""A strict reader of the survey file (format.py; docs/subsystems/certification-survey.md), on the
city's shared CSV reading (kaigo.feeds): file-level faults reject the whole file; otherwise each
line is checked on its own, a good line gives a SurveyRecord and a bad one exactly one LineError
(its first fault, in column order). Whether the case exists and was entrusted to the body is the
service's business. Messages are Japanese and never contain a value of the line."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from certification.rules.survey_items import CODES, answer_problem
from certification.survey.format import (
    COLUMNS,
    ITEM_POSITION,
    LAYOUT,
    MAX_LINE_BYTES,
    NOTE_MAX,
    NOTE_POSITION,
)
from kaigo.feeds import (
    Invalid,
    LineReader,
    ParsedFile,
    date_field,
    file_open,
    lines_read,
)

CASE_NUMBER = re.compile(r"[0-9]{4}-[0-9]{6}")
_BODY_CODE = re.compile(r"[0-9A-Za-z]{1,10}")


@dataclass(frozen=True)
class SurveyRecord:
    case_number: str
    surveyed_on: date
    body_code: str
    surveyor: str
    answers: dict[str, str]
    notes: dict[str, str]
    line_no: int = 0


class ParsedSurveyFile(ParsedFile[SurveyRecord]):
    """The records of a survey file, one error per bad line, total_lines, rejected."""


def parse_survey_file(data: bytes, *, today: date | None = None) -> ParsedSurveyFile:
    """Read a survey file. ``today``: a survey day after it is refused."""
    parsed = ParsedSurveyFile()
    lines = file_open(data, parsed, layout=LAYOUT, data_first_field=CASE_NUMBER)
    if lines is not None:
        lines_read(parsed, lines, _LineReader(today=today or date.today()).read)
    return parsed


class _LineReader(LineReader[SurveyRecord]):
    serial_pattern, serial_label, serial_form = CASE_NUMBER, "案件番号", "「西暦年-6桁の数字」"

    def __init__(self, *, today: date):
        super().__init__(columns=COLUMNS, max_line_bytes=MAX_LINE_BYTES)
        self.today = today

    def record(self, line_no: int, serial: str, values: list[str]) -> SurveyRecord:
        surveyed_text, body_code, surveyor = values[1:ITEM_POSITION]
        if not surveyed_text:
            raise Invalid("required_missing", "調査実施日がありません。")
        surveyed_on = date_field(surveyed_text, "調査実施日")
        if surveyed_on > self.today:
            raise Invalid("date_in_future", "調査実施日が処理日より後です。")
        if not body_code:
            raise Invalid("required_missing", "調査機関コードがありません。")
        if not _BODY_CODE.fullmatch(body_code):
            raise Invalid("body_code_invalid", "調査機関コードは10文字以内の英数字で記録してください。")
        if len(surveyor) > 50:
            raise Invalid("surveyor_too_long", "認定調査員が50文字を超えています。")
        answers = dict(zip(CODES, values[ITEM_POSITION:NOTE_POSITION], strict=True))
        for code, answer in answers.items():
            if not answer:
                raise Invalid("answer_missing", f"調査項目「{code}」の回答がありません（全項目が必要です）。")
            problem = answer_problem(code, answer)
            if problem:
                raise Invalid("answer_invalid", problem)
        notes = {}
        for group, text in enumerate(values[NOTE_POSITION:], start=1):
            if len(text) > NOTE_MAX:
                raise Invalid("note_too_long", f"特記事項{group}が{NOTE_MAX}文字を超えています。")
            if text:
                notes[str(group)] = text
        return SurveyRecord(serial, surveyed_on, body_code, surveyor, answers, notes, line_no)
