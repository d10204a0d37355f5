"""A strict reader of the monthly benefit-record file (format.py; docs/subsystems/benefits-records.md).

File-level faults (not UTF-8, a BOM, no or a wrong header, a missing or wrong trailer) reject the
whole file (kaigo/feeds.py). Otherwise every line is checked on its own: a good line gives a
BenefitLine, a bad one exactly one LineError (its first fault, in column order, then the
arithmetic). Whether the person exists and was certified in the service month is the intake's
business (services.py), not the parser's.

Messages are Japanese, for staff, and never contain a value of the line. A month is about 500,000
lines, so the reader takes a fast path: one regular expression splits a well-formed line and
vouches for its fields' formats.
"""

from __future__ import annotations

import re
from datetime import date
from typing import NamedTuple

from benefits.records.format import (
    AMOUNT_DIGITS,
    BENEFIT_RATES,
    COLUMNS,
    FIRST_SERVICE_MONTH,
    LAYOUT,
    ROUTE_CODES,
    UNIT_PRICE_MAX,
    UNIT_PRICE_MIN,
    UNITS_DIGITS,
)
from benefits.rules.service_types import SERVICE_TYPES
from kaigo.feeds import Invalid, LineError, LineReader, ParsedFile, file_open, line_error, lines_read

_SERIAL = re.compile(r"[0-9]{1,12}")
_INSURED = re.compile(r"[0-9]{10}")
_PROVIDER = re.compile(r"[0-9A-Z]{10}")
_MONTH = re.compile(r"([0-9]{4})([0-9]{2})")
_UNITS = re.compile(rf"[0-9]{{1,{UNITS_DIGITS}}}")
_PRICE = re.compile(r"([0-9]{2})\.([0-9]{2})")
_AMOUNT = re.compile(rf"[0-9]{{1,{AMOUNT_DIGITS}}}")
_RATE = re.compile(r"[0-9]{1,3}")
_WELL_FORMED = re.compile(
    rf"([0-9]{{1,12}}),([0-9]{{10}}),([0-9A-Z]{{10}}),([0-9]{{6}}),([0-9A-Z]{{2}}),([12]),([0-9]{{1,{UNITS_DIGITS}}}),"
    rf"([0-9]{{2}}\.[0-9]{{2}}),([0-9]{{1,{AMOUNT_DIGITS}}}),([0-9]{{1,3}}),([0-9]{{1,{AMOUNT_DIGITS}}}),"
    rf"([0-9]{{1,{AMOUNT_DIGITS}}}),([0-9]{{1,{AMOUNT_DIGITS}}})\r?", re.ASCII)
_ROUTE_REASON = "給付区分のコードが正しくありません（1: 現物給付, 2: 償還払い）。"
_FIRST = FIRST_SERVICE_MONTH[0] * 12 + FIRST_SERVICE_MONTH[1] - 1
_LABELS = tuple(c.label for c in COLUMNS[1:])


class BenefitLine(NamedTuple):
    """One benefit record as read: money in yen, the unit price in hundredths of a yen, the
    service month as its first day."""

    serial: str
    insured_number: str
    provider_number: str
    service_month: date
    service_type: str
    route: str  # PaymentRoute
    units: int
    unit_price: int  # hundredths of a yen (10.90 -> 1090)
    total_cost: int
    benefit_rate: int  # percent
    insurer_amount: int
    public_amount: int
    copayment: int
    line_no: int


class ParsedRecordFile(ParsedFile[BenefitLine]):
    """The records of a benefit-record file, one error per bad line, total_lines, rejected."""


def parse_record_file(data: bytes, *, month: date, max_line_bytes: int = 512) -> ParsedRecordFile:
    """Read a benefit-record file of the processing month ``month`` (審査年月, its first day): a
    service month must lie before it."""
    parsed = ParsedRecordFile()
    lines = file_open(data, parsed, layout=LAYOUT, data_first_field=_SERIAL)
    if lines is not None:
        lines_read(parsed, lines, _LineReader(month=month, max_line_bytes=max_line_bytes).read)
    return parsed


class _LineReader(LineReader[BenefitLine]):
    serial_pattern, serial_label, serial_form = _SERIAL, "連番", "12桁以内の数字"

    def __init__(self, *, month: date, max_line_bytes: int):
        super().__init__(columns=COLUMNS, max_line_bytes=max_line_bytes)
        self.month_index = month.year * 12 + month.month - 1
        self.months: dict[str, date] = {}

    def read(self, line_no: int, raw: bytes) -> BenefitLine | LineError:
        match = _WELL_FORMED.fullmatch(raw.decode("utf-8")) if len(raw) <= self.max_line_bytes else None
        if match is None:
            return super().read(line_no, raw)
        fields = match.groups()
        try:
            return self.line(line_no, self.serial_once(line_no, fields[0]), fields, formats_known=True)
        except Invalid as invalid:
            return line_error(line_no, fields[0], invalid)

    def record(self, line_no: int, serial: str, values: list[str]) -> BenefitLine:
        return self.line(line_no, serial, values, formats_known=False)

    def service_month(self, text: str) -> date:
        value = self.months.get(text)
        if value is not None:
            return value
        match = _MONTH.fullmatch(text)
        if match is None or not 1 <= int(match[2]) <= 12:
            raise Invalid("service_month_invalid", "サービス提供年月はYYYYMM（6桁の年月）で記録してください。")
        index = int(match[1]) * 12 + int(match[2]) - 1
        if index < _FIRST:
            raise Invalid("service_month_out_of_range", "サービス提供年月が介護保険の施行（平成12年4月）より前です。")
        if index >= self.month_index:
            raise Invalid("service_month_not_before",
                          "サービス提供年月が審査年月と同じか後です（実績は前月以前のサービスについて送られます）。")
        value = self.months[text] = date(int(match[1]), int(match[2]), 1)
        return value

    def line(self, line_no: int, serial: str, fields, *, formats_known: bool) -> BenefitLine:
        (_, insured, provider, month_text, service, route_code, units_text, price_text, total_text, rate_text,
         insurer_text, public_text, copay_text) = fields
        if not formats_known:  # the fast path's expression vouched for every field present and well formed
            for text, attr in zip(fields[1:], _LABELS, strict=True):
                if not text:
                    raise Invalid("required_missing", f"{attr}がありません。")
            if not _INSURED.fullmatch(insured):
                raise Invalid("insured_number_invalid", "被保険者番号は10桁の数字で記録してください。")
            if not _PROVIDER.fullmatch(provider):
                raise Invalid("provider_number_invalid", "事業所番号は10桁の英数字で記録してください。")
        service_month = self.months.get(month_text) or self.service_month(month_text)
        if service not in SERVICE_TYPES:
            raise Invalid("service_type_unknown", "サービス種類コードが正しくありません（給付実績で扱うサービス種類ではありません）。")
        route = ROUTE_CODES.get(route_code)
        if route is None:
            raise Invalid("route_unknown", _ROUTE_REASON)
        if not formats_known:
            if not _UNITS.fullmatch(units_text):
                raise Invalid("units_invalid", f"単位数は{UNITS_DIGITS}桁以内の整数で記録してください。")
            if not _PRICE.fullmatch(price_text):
                raise Invalid("unit_price_invalid", "単位数単価は小数点以下2桁の数（例: 10.90）で記録してください。")
            for text, label in ((total_text, "費用合計"), (insurer_text, "保険給付額"), (public_text, "公費負担額"),
                                (copay_text, "利用者負担額")):
                if not _AMOUNT.fullmatch(text):
                    raise Invalid("amount_invalid", f"{label}は{AMOUNT_DIGITS}桁以内の整数（円）で記録してください。")
            if not _RATE.fullmatch(rate_text):
                raise Invalid("benefit_rate_invalid", "給付率は100, 90, 80, 70, 60のいずれかで記録してください。")
        units = int(units_text)
        price = int(price_text[:2]) * 100 + int(price_text[3:])
        if not UNIT_PRICE_MIN <= price <= UNIT_PRICE_MAX:
            raise Invalid("unit_price_out_of_range", "単位数単価が10.00円から11.40円の範囲にありません。")
        rate = int(rate_text)
        if rate not in BENEFIT_RATES:
            raise Invalid("benefit_rate_invalid", "給付率は100, 90, 80, 70, 60のいずれかで記録してください。")
        total, insurer, public, copay = int(total_text), int(insurer_text), int(public_text), int(copay_text)
        if total != units * price // 100:
            raise Invalid("total_cost_mismatch", "費用合計が単位数×単位数単価（1円未満切り捨て）と一致しません。")
        if insurer + public + copay != total:
            raise Invalid("amounts_mismatch", "保険給付額・公費負担額・利用者負担額の合計が費用合計と一致しません。")
        if public == 0 and insurer != total * rate // 100:
            raise Invalid("insurer_amount_mismatch", "保険給付額が費用合計×給付率（1円未満切り捨て）と一致しません。")
        return BenefitLine(serial, insured, provider, service_month, service, route, units, price, total, rate,
                           insurer, public, copay, line_no)
