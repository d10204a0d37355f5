"""Payment files for bills (収納データ, 普通徴収): columns, channels, transfer results and the payment
number printed on each bill installment (納付番号). Documented for people in
docs/subsystems/payment-feed.md; parser.py reads this layout and linkage/payments/simulator.py
writes it. No database here.
"""

from __future__ import annotations

import re

from django.db import models

from eligibility.residents.rules import insured_number_check_digit
from kaigo.feeds import Column, FileLayout, header_of, line_encode  # noqa: F401  (line_encode: for the simulator and tests)


class PaymentChannel(models.TextChoices):
    """収納区分: where the money was paid."""

    COUNTER = "counter", "窓口（金融機関・郵便局）"
    ACCOUNT_TRANSFER = "account_transfer", "口座振替"
    STORE_PRELIMINARY = "store_preliminary", "コンビニ速報"
    STORE_FINAL = "store_final", "コンビニ確報"


CHANNEL_CODES = {
    "1": PaymentChannel.COUNTER.value,
    "2": PaymentChannel.ACCOUNT_TRANSFER.value,
    "3": PaymentChannel.STORE_PRELIMINARY.value,
    "4": PaymentChannel.STORE_FINAL.value,
}
CHANNEL_FILE_CODES = {channel: code for code, channel in CHANNEL_CODES.items()}


class TransferResult(models.TextChoices):
    """振替結果 of an account transfer (口座振替): only 0 means paid; the others carry the amount
    that was requested but nothing was paid."""

    TRANSFERRED = "0", "振替済"
    INSUFFICIENT_FUNDS = "1", "残高不足"
    NO_ACCOUNT = "2", "口座なし"
    PAYER_REQUEST = "3", "依頼人都合"
    OTHER = "9", "その他"


COLUMNS: tuple[Column, ...] = (
    Column("受付番号", "serial"),
    Column("収納区分", "channel"),
    Column("納付番号", "payment_number"),
    Column("金額", "amount"),
    Column("納付日", "paid_on"),
    Column("収納日", "booked_on"),
    Column("振替結果", "transfer_result"),
    Column("収納機関コード", "agent_code"),
)
HEADER = header_of(COLUMNS)
# The file: header, lines, trailer (count, and the total of 金額 as written; kaigo/feeds.py).
LAYOUT = FileLayout(COLUMNS, amounts=("amount",))
LABELS = {c.attr: c.label for c in COLUMNS}
ATTRS = tuple(c.attr for c in COLUMNS)
AMOUNT_DIGITS = 9

# ----- 納付番号 -----------------------------------------------------------------------------------
# 16 ASCII digits: fiscal year (4) + 通知書番号 (9, zero-padded, 1..999,999,999) + 期 (2: 01-12, 00 =
# 随時) + a Luhn check digit over the first 15.

EXTRA_INSTALLMENT = 0  # 随時
_PAYMENT_NUMBER = re.compile(r"[0-9]{16}")


def luhn_check_digit(payload: str) -> int:
    """The Luhn (modulus 10) check digit of any ASCII digit string, built on the city's Luhn of
    nine digits (eligibility.numbers.insured_number_check_digit): the Luhn sum adds up over blocks
    of eight digits taken from the right (each block starts at an even position, so every digit
    keeps its doubling), and a nine-digit block padded with a leading zero has the same sum; the
    check digit of the whole is the sum of the blocks' check digits, modulo 10."""
    if not payload.isascii() or not payload.isdigit():
        raise ValueError("digits expected")
    total = 0
    for end in range(len(payload), 0, -8):
        total += insured_number_check_digit(payload[max(0, end - 8):end].rjust(9, "0"))
    return total % 10


def payment_number(fiscal_year: int, notice_number: int, installment: int) -> str:
    """The 納付番号 of a bill installment (``installment`` 1-12, 0 for a 随時 bill)."""
    if not 1000 <= fiscal_year <= 9999:
        raise ValueError("年度は4桁で指定してください。")
    if not 1 <= notice_number <= 999_999_999:
        raise ValueError("通知書番号は1〜999,999,999で指定してください。")
    if not 0 <= installment <= 12:
        raise ValueError("期は0（随時）〜12で指定してください。")
    payload = f"{fiscal_year:04d}{notice_number:09d}{installment:02d}"
    return payload + str(luhn_check_digit(payload))


def payment_number_parts(number: str) -> tuple[int, int, int]:
    """(fiscal year, 通知書番号, 期) of a 納付番号; ValueError when it is not one (Japanese message,
    never repeating the number)."""
    if not _PAYMENT_NUMBER.fullmatch(number):
        raise ValueError("納付番号は16桁の数字です。")
    if luhn_check_digit(number[:15]) != int(number[15]):
        raise ValueError("納付番号の検査数字が正しくありません。")
    fiscal_year, notice_number, installment = int(number[:4]), int(number[4:13]), int(number[13:15])
    if fiscal_year < 1000 or notice_number == 0 or installment > 12:
        raise ValueError("納付番号の年度・通知書番号・期が正しくありません。")
    return fiscal_year, notice_number, installment
