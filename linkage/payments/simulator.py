"""The collecting agents' side of the payment files for bills (収納データ), simulated: a day's file
of bank and post-office counter payments, account-transfer results and convenience-store payments
(速報, and 確報 of earlier 速報), in the format of premiums/payment_feed/format.py, deterministic for
a seed. See docs/subsystems/payment-feed.md.

The caller passes the open bill installments (納付番号, amount, due date); each gets a fate: paid by
account transfer on its due date (a few transfers fail), at a counter or at a convenience store in
the days before the file's day, or not yet paid. Most pay exactly; at counters some pay less or
more; a few pay twice (at a store and at a bank); a few lines carry a 納付番号 that was never
issued (valid check digit). Store payments come as 速報 lines; their 確報 come in a later file: pass
the earlier file's ``preliminary`` records as ``confirm``.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from premiums.intake.payment_feed.format import (
    CHANNEL_FILE_CODES,
    LAYOUT,
    PaymentChannel,
    TransferResult,
    line_encode,
    payment_number,
    payment_number_parts,
)
from premiums.intake.payment_feed.parser import PaymentRecord

# Made-up 収納機関コード (5 digits): banks, the post office, convenience-store payment agents.
BANKS = ("10005", "10009", "10017", "10033", "10138", "10158", "10397", "11330", "11345", "12012")
POST_OFFICE = "19900"
STORE_AGENTS = ("50101", "50102", "50203", "50305")

# Fates of an open installment, by weight.
FATES = {
    "transfer": 44,  # paid by account transfer on the due date
    "counter": 22,  # at a bank or post-office counter
    "store": 26,  # at a convenience store (速報 now, 確報 later)
    "unpaid": 8,  # not (yet) paid: no line
}
UNDERPAID_SHARE = 0.03  # of counter payments
OVERPAID_SHARE = 0.015  # of counter payments
TWICE_SHARE = 0.006  # of store payments: paid again at a counter
TRANSFER_FAILURES = {
    TransferResult.INSUFFICIENT_FUNDS: 70, TransferResult.NO_ACCOUNT: 8, TransferResult.PAYER_REQUEST: 12,
    TransferResult.OTHER: 10,
}
TRANSFER_FAILURE_SHARE = 0.04
RESULT_DELAY_DAYS = 2  # a transfer's result reaches the city two days after the transfer
NEAR_DAYS = 31  # counter and store payments are for installments due within a month of the file's day


@dataclass(frozen=True, slots=True)
class OpenInstallment:
    payment_number: str
    amount: int
    due_date: date


@dataclass
class SimulatedPaymentFile:
    data: bytes
    # line number -> the error code the parser must give for each injected bad line
    injected: dict[int, str] = field(default_factory=dict)
    # good line -> what it is: exact, underpaid, overpaid, twice_store, twice_counter, unknown,
    # transfer_failed, preliminary (a 速報 line), final (a 確報 line)
    outcomes: dict[int, str] = field(default_factory=dict)
    preliminary: list[PaymentRecord] = field(default_factory=list)  # the 速報 lines: their 確報 come later
    lines: int = 0


def simulate_payment_day(installments: Sequence[OpenInstallment], *, day: date, seed: int,
                         confirm: Sequence[PaymentRecord] = (), unknown: int = 0, bad_lines: int = 0,
                         serial_start: int = 1) -> SimulatedPaymentFile:
    """The payment file of ``day``: lines for the installments whose payment (or transfer result)
    reaches the city that day, the 確報 of the 速報 records ``confirm`` (from earlier files), and
    ``unknown`` payments with 納付番号 never issued; ``bad_lines`` faulty lines at random positions."""
    if bad_lines < 0 or unknown < 0:
        raise ValueError("bad_lines >= 0 and unknown >= 0 expected")
    rng = random.Random(f"payments:{seed}:{day.isoformat()}")
    fates = list(FATES)
    fate_cum = list(itertools.accumulate(FATES.values()))
    failures = list(TRANSFER_FAILURES)
    failure_weights = list(TRANSFER_FAILURES.values())
    yesterday = day - timedelta(days=1)
    transfer_day = day - timedelta(days=RESULT_DELAY_DAYS)
    counter, transfer, store_preliminary, store_final = (
        CHANNEL_FILE_CODES[c] for c in (PaymentChannel.COUNTER, PaymentChannel.ACCOUNT_TRANSFER,
                                        PaymentChannel.STORE_PRELIMINARY, PaymentChannel.STORE_FINAL))
    good: list[tuple[list[str], str]] = []  # values (serial empty), outcome
    random_ = rng.random
    choice = rng.choice
    for inst in installments:
        fate = rng.choices(fates, cum_weights=fate_cum)[0]
        number, amount = inst.payment_number, inst.amount
        if fate == "transfer":
            if inst.due_date != transfer_day:  # transfers of other days come in other files
                continue
            when = inst.due_date.isoformat()
            if random_() < TRANSFER_FAILURE_SHARE:
                result = rng.choices(failures, weights=failure_weights)[0].value
                good.append(([" ", transfer, number, str(amount), when, when, result, choice(BANKS)], "transfer_failed"))
            else:
                good.append(([" ", transfer, number, str(amount), when, when, TransferResult.TRANSFERRED.value,
                              choice(BANKS)], "exact"))
        elif fate == "counter":
            paid = day - timedelta(days=rng.randint(1, 6))
            if abs((inst.due_date - day).days) > NEAR_DAYS or random_() > 0.25:  # paid on other days, or not yet
                continue
            outcome = "exact"
            r = random_()
            if r < UNDERPAID_SHARE:
                outcome, amount = "underpaid", max(1, amount - rng.choice((100, 500, 1000, amount // 2)))
            elif r < UNDERPAID_SHARE + OVERPAID_SHARE:
                outcome, amount = "overpaid", amount + rng.choice((100, 1000, amount))
            agent = POST_OFFICE if random_() < 0.3 else choice(BANKS)
            when = paid.isoformat()
            good.append(([" ", counter, number, str(amount), when, when, "", agent], outcome))
        elif fate == "store":
            if abs((inst.due_date - day).days) > NEAR_DAYS or random_() > 0.5:  # paid on another day, or not yet
                continue
            paid = day - timedelta(days=rng.randint(1, 2))
            when = paid.isoformat()
            agent = choice(STORE_AGENTS)
            if random_() < TWICE_SHARE:  # paid again at a bank: the intake finds the double payment
                good.append(([" ", store_preliminary, number, str(amount), when, when, "", agent], "twice_store"))
                again = yesterday.isoformat()
                good.append(([" ", counter, number, str(amount), again, again, "", choice(BANKS)], "twice_counter"))
            else:
                good.append(([" ", store_preliminary, number, str(amount), when, when, "", agent], "preliminary"))
    booked = yesterday.isoformat()
    for p in confirm:
        if p.channel == PaymentChannel.STORE_PRELIMINARY and p.paid_on <= yesterday:
            good.append(([" ", store_final, p.payment_number, str(p.amount), p.paid_on.isoformat(),
                          max(booked, p.booked_on.isoformat()), "", p.agent_code], "final"))
    if unknown:
        issued = {i.payment_number for i in installments}
        years = sorted({i.payment_number[:4] for i in installments}) or [str(day.year if day.month >= 4 else day.year - 1)]
        for _ in range(unknown):
            while True:
                number = payment_number(int(choice(years)), rng.randrange(900_000_000, 999_999_999), rng.randint(1, 10))
                if number not in issued:
                    break
            when = (day - timedelta(days=rng.randint(1, 5))).isoformat()
            good.append(([" ", counter, number, str(rng.randrange(10, 400) * 100), when, when, "", choice(BANKS)],
                         "unknown"))
    rng.shuffle(good)
    return _write(good, rng=rng, day=day, bad_lines=bad_lines, serial_start=serial_start)


# ----- writing and faults -------------------------------------------------------------------------

_UNREAD_SERIAL = frozenset({"csv_malformed", "field_count"})
FAULTS = (
    "csv_malformed", "field_count", "serial_duplicate", "channel_unknown", "required_missing", "field_not_allowed",
    "payment_number_invalid", "payment_number_check_digit", "amount_invalid", "date_invalid",
    "transfer_result_invalid", "agent_code_invalid", "booked_before_paid", "date_in_future",
)


def _write(good: list[tuple[list[str], str]], *, rng: random.Random, day: date, bad_lines: int,
           serial_start: int) -> SimulatedPaymentFile:
    size = len(good) + bad_lines
    bad_positions = set(rng.sample(range(size), bad_lines)) if bad_lines else set()
    prefix = f"{day:%y%m%d}"
    made = SimulatedPaymentFile(data=b"", lines=size)
    out: list[str] = []  # the data lines (LAYOUT.file adds the header and the trailer)
    seen_serials: list[str] = []
    good_iter = iter(good)
    preliminary_code = CHANNEL_FILE_CODES[PaymentChannel.STORE_PRELIMINARY]
    for position in range(size):
        line_no = position + 2
        serial = f"{prefix}{serial_start + position:010d}"
        if position in bad_positions:
            text, code = _bad_line(rng, day, serial, seen_serials)
            made.injected[line_no] = code
            if code not in _UNREAD_SERIAL:
                seen_serials.append(serial)
            out.append(text)
            continue
        values, outcome = next(good_iter)
        values[0] = serial
        made.outcomes[line_no] = outcome
        if values[1] == preliminary_code:
            made.preliminary.append(PaymentRecord(
                serial, PaymentChannel.STORE_PRELIMINARY.value, values[2], int(values[3]), date.fromisoformat(values[4]),
                date.fromisoformat(values[5]), None, values[7], line_no))
        if bad_lines:
            seen_serials.append(serial)
        out.append(",".join(values))
    made.data = LAYOUT.file(out)
    return made


def _bad_line(rng: random.Random, day: date, serial: str, earlier_serials: list[str]) -> tuple[str, str]:
    faults = list(FAULTS)
    if not earlier_serials:
        faults.remove("serial_duplicate")
    fault = rng.choice(faults)
    number = payment_number(day.year if day.month >= 4 else day.year - 1, rng.randrange(1, 10**9), rng.randint(1, 10))
    when = (day - timedelta(days=1)).isoformat()
    values = [serial, "1", number, str(rng.randrange(10, 300) * 100), when, when, "", rng.choice(BANKS)]
    if fault == "csv_malformed":
        values[3] = '"' + values[3]
        return ",".join(values), fault
    if fault == "field_count":
        return line_encode(values[:-1]), fault
    if fault == "serial_duplicate":
        values[0] = rng.choice(earlier_serials)
    elif fault == "channel_unknown":
        values[1] = "5"
    elif fault == "required_missing":
        values[1] = "2"  # an account transfer without its result
    elif fault == "field_not_allowed":
        values[6] = "0"  # a transfer result on a counter payment
    elif fault == "payment_number_invalid":
        values[2] = number[:15]
    elif fault == "payment_number_check_digit":
        values[2] = number[:15] + str((int(number[15]) + rng.randint(1, 9)) % 10)
    elif fault == "amount_invalid":
        values[3] = rng.choice(("0", "1,000", "-500"))
    elif fault == "date_invalid":
        values[4] = f"{day.year}-02-30"
    elif fault == "transfer_result_invalid":
        values[1], values[6] = "2", "5"
    elif fault == "agent_code_invalid":
        values[7] = "ABC"
    elif fault == "booked_before_paid":
        values[5] = (day - timedelta(days=3)).isoformat()
    elif fault == "date_in_future":
        values[4] = values[5] = (day + timedelta(days=1)).isoformat()
    return line_encode(values), fault


def installments_of(notices: int, *, fiscal_year: int, seed: int, months: Sequence[int] = (7, 8, 9, 10, 11, 12, 1, 2,
                                                                                         3, 4)) -> list[OpenInstallment]:
    """Made-up open installments for tests and the command when no levy is at hand: ``notices``
    notices of ``fiscal_year`` with one installment per month of ``months`` (期 1, 2, ...), due on
    the month's last day, of 1,000-30,000 yen."""
    rng = random.Random(f"installments:{seed}:{fiscal_year}")
    out = []
    due: list[date] = []
    year, previous = fiscal_year, 0
    for month in months:  # a month before the previous one is in the next calendar year
        if month < previous:
            year += 1
        previous = month
        due.append(date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1))
    for notice in range(1, notices + 1):
        amount = rng.randrange(10, 300) * 100
        for n, last in enumerate(due, start=1):
            out.append(OpenInstallment(payment_number(fiscal_year, notice, n), amount, last))
    return out


__all__ = ["OpenInstallment", "SimulatedPaymentFile", "installments_of", "payment_number_parts", "simulate_payment_day"]
