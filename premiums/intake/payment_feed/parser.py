"""A strict reader of payment files for bills (format.py; docs/subsystems/payment-feed.md).

File-level faults (not UTF-8, a BOM, no or a wrong header) reject the whole file: one error, no
record. Otherwise every line is checked on its own: a good line gives a PaymentRecord, a bad one
exactly one LineError (its first fault, in column order) and the others are still read. Whether
the 納付番号 was issued, and what the payment settles, are the intake's business (reconciliation).

Messages are Japanese, for staff, and never contain a value of the line. Files are large (a
month-end day of a city of 1.5 million), so the line reader is written for speed: one split, no
dictionary per line, dates from a cache (kaigo.feeds.date_field).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from kaigo.feeds import (
    Invalid,
    LineError,
    LineReader,
    ParsedFile,
    date_field,
    file_open,
    line_error,
    lines_read,
)
from premiums.intake.payment_feed.format import (
    AMOUNT_DIGITS,
    CHANNEL_CODES,
    COLUMNS,
    LABELS,
    LAYOUT,
    PaymentChannel,
    TransferResult,
)

_SERIAL = re.compile(r"[0-9A-Za-z]{1,20}")
_PAYMENT_NUMBER = re.compile(r"[0-9]{16}")
_AMOUNT = re.compile(rf"[0-9]{{1,{AMOUNT_DIGITS}}}")
_AGENT = re.compile(r"[0-9]{5}")
_WELL_FORMED = re.compile(
    rf"([0-9A-Za-z]{{1,20}}),([1-4]),([0-9]{{16}}),([0-9]{{1,{AMOUNT_DIGITS}}}),([0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}),"
    r"([0-9]{4}-[0-9]{2}-[0-9]{2}),([0-9]?),([0-9]{5})\r?", re.ASCII)
_TRANSFER = PaymentChannel.ACCOUNT_TRANSFER.value
_TRANSFER_RESULTS = frozenset(TransferResult.values)
_TRANSFERRED = TransferResult.TRANSFERRED.value
_CHANNEL_LABELS = {code: PaymentChannel(channel).label for code, channel in CHANNEL_CODES.items()}
_PAID_ON, _BOOKED_ON = LABELS["paid_on"], LABELS["booked_on"]
_DOUBLED = str.maketrans("0123456789", "0246813579")  # a digit doubled, its digits summed (Luhn)


def check_digit_ok(number: str) -> bool:
    """Whether the last of 16 ASCII digits is the Luhn digit of the first 15: the Luhn of
    format.luhn_check_digit (the city's, from eligibility.numbers), computed with string
    operations in C because a file has hundreds of thousands of lines (a test checks they agree).
    Counting from the check digit, the digits at odd distances (positions 14, 12, ..., 0) are
    doubled."""
    total = sum(number[14::-2].translate(_DOUBLED).encode()) + sum(number[13::-2].encode()) - 48 * 15
    return (10 - total % 10) % 10 == ord(number[15]) - 48


@dataclass(frozen=True)
class PaymentRecord:
    """One payment (or one account-transfer result) reported by a collecting agent. Money in yen."""

    serial: str  # 受付番号: the agent's number of the line, unique in the file
    channel: str  # PaymentChannel
    payment_number: str  # 納付番号, 16 digits, check digit verified
    amount: int  # > 0; for a failed transfer the amount requested
    paid_on: date  # 納付日 (振替日 for a transfer)
    booked_on: date  # 収納日・計上日, not before paid_on
    transfer_result: str | None  # TransferResult code, account transfers only
    agent_code: str  # 収納機関コード, 5 digits
    line_no: int = 0  # the line of the file it was read from (0: not read from a file)

    @property
    def paid(self) -> bool:
        """Money was received (every line but a failed account transfer)."""
        return self.transfer_result is None or self.transfer_result == _TRANSFERRED

    @property
    def fiscal_year(self) -> int:
        return int(self.payment_number[:4])

    @property
    def notice_number(self) -> int:
        return int(self.payment_number[4:13])

    @property
    def installment(self) -> int:
        return int(self.payment_number[13:15])


class ParsedPaymentFile(ParsedFile[PaymentRecord]):
    """The records of a payment file, one error per bad line, total_lines, rejected."""


def parse_payment_file(data: bytes, *, today: date | None = None, max_line_bytes: int = 1024) -> ParsedPaymentFile:
    """Read a payment file. ``today`` is the business date of the intake (default: the system date):
    a payment or booking after it is refused."""
    parsed = ParsedPaymentFile()
    lines = file_open(data, parsed, layout=LAYOUT, data_first_field=_SERIAL)
    if lines is not None:
        lines_read(parsed, lines, _LineReader(today=today or date.today(), max_line_bytes=max_line_bytes).read)
    return parsed


class _LineReader(LineReader[PaymentRecord]):
    serial_pattern, serial_label, serial_form = _SERIAL, "受付番号", "20文字以内の英数字"

    def __init__(self, *, today: date, max_line_bytes: int):
        super().__init__(columns=COLUMNS, max_line_bytes=max_line_bytes)
        self.today = today

    def read(self, line_no: int, raw: bytes) -> PaymentRecord | LineError:
        # Fast path: a line of plain fields in the usual shape (almost every line) is split by one
        # regular expression and its fields' formats need no further check. Any other line goes
        # the general way (kaigo.feeds.LineReader), which finds its first fault.
        match = _WELL_FORMED.fullmatch(raw.decode("utf-8")) if len(raw) <= self.max_line_bytes else None
        if match is None:
            return super().read(line_no, raw)
        fields = match.groups()
        try:
            return self.payment(line_no, self.serial_once(line_no, fields[0]), fields, formats_known=True)
        except Invalid as invalid:
            return line_error(line_no, fields[0], invalid)  # the serial's form: _WELL_FORMED's

    def record(self, line_no: int, serial: str, values: list[str]) -> PaymentRecord:
        return self.payment(line_no, serial, values, formats_known=False)

    def payment(self, line_no: int, serial: str, fields, *, formats_known: bool) -> PaymentRecord:
        _, channel_code, number, amount_text, paid_text, booked_text, result, agent = fields
        channel = CHANNEL_CODES.get(channel_code)
        if channel is None:
            raise Invalid("channel_unknown", "収納区分のコードが正しくありません（1: 窓口, 2: 口座振替, 3: コンビニ速報, "
                                             "4: コンビニ確報）。")
        if not number:
            raise Invalid("required_missing", "納付番号がありません。")
        if not amount_text:
            raise Invalid("required_missing", "金額がありません。")
        if not paid_text:
            raise Invalid("required_missing", "納付日がありません。")
        if not booked_text:
            raise Invalid("required_missing", "収納日がありません。")
        if channel == _TRANSFER:
            if not result:
                raise Invalid("required_missing", "振替結果がありません（口座振替では必須です）。")
        elif result:
            raise Invalid("field_not_allowed", f"振替結果は{_CHANNEL_LABELS[channel_code]}では記録できません。")
        if not agent:
            raise Invalid("required_missing", "収納機関コードがありません。")

        if not formats_known and not _PAYMENT_NUMBER.fullmatch(number):
            raise Invalid("payment_number_invalid", "納付番号は16桁の数字で記録してください。")
        if not check_digit_ok(number):
            raise Invalid("payment_number_check_digit", "納付番号の検査数字が正しくありません。")
        if number[4:13] == "000000000" or number[13:15] > "12":
            raise Invalid("payment_number_invalid", "納付番号の通知書番号または期が正しくありません。")
        if not formats_known and not _AMOUNT.fullmatch(amount_text):
            raise Invalid("amount_invalid", f"金額は{AMOUNT_DIGITS}桁以内の整数（円）で記録してください。")
        amount = int(amount_text)
        if amount == 0:
            raise Invalid("amount_invalid", "金額が0円です（1円以上で記録してください）。")
        paid_on = date_field(paid_text, _PAID_ON)
        booked_on = date_field(booked_text, _BOOKED_ON)
        if result and result not in _TRANSFER_RESULTS:
            raise Invalid("transfer_result_invalid", "振替結果のコードが正しくありません（0, 1, 2, 3, 9）。")
        if not formats_known and not _AGENT.fullmatch(agent):
            raise Invalid("agent_code_invalid", "収納機関コードは5桁の数字で記録してください。")

        if booked_on < paid_on:
            raise Invalid("booked_before_paid", "収納日が納付日より前です。")
        if booked_on > self.today:
            raise Invalid("date_in_future", "収納日が処理日より後です。")
        return PaymentRecord(serial, channel, number, amount, paid_on, booked_on, result or None, agent,
                             line_no)
