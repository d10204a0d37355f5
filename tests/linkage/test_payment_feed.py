"""Payment files for bills (収納データ): the payment number, strict parsing with line errors that never
repeat a value of the line (fast and general paths alike), and the simulator."""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command

from eligibility.residents.rules import insured_number_check_digit
from linkage.payments.simulator import (
    FAULTS,
    OpenInstallment,
    installments_of,
    simulate_payment_day,
)
from premiums.intake.payment_feed.format import (
    ATTRS,
    HEADER,
    LAYOUT,
    line_encode,
    luhn_check_digit,
    payment_number,
    payment_number_parts,
)
from premiums.intake.payment_feed.parser import PaymentRecord, check_digit_ok, parse_payment_file

TODAY = date(2026, 8, 3)
COUNTER = {"serial": "B2608030002", "channel": "1", "payment_number": "2026000001234018", "amount": "8600",
           "paid_on": "2026-07-30", "booked_on": "2026-07-31", "transfer_result": "", "agent_code": "19900"}
TRANSFER = {**COUNTER, "channel": "2", "paid_on": "2026-07-31", "transfer_result": "0", "agent_code": "10005"}


def encode(values: dict[str, str]) -> str:
    return line_encode([values.get(attr, "") for attr in ATTRS])


def file_of(*lines: str, header: str = HEADER, newline: str = "\n") -> bytes:
    return newline.join([header, *lines, LAYOUT.trailer(lines), ""]).encode("utf-8")


def luhn_reference(payload: str) -> int:
    total = 0
    for i, c in enumerate(reversed(payload)):
        d = int(c) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return (10 - total % 10) % 10


# ----- 納付番号 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parts", "number"),
    [
        pytest.param((2026, 1234, 1), "2026000001234018", id="first-installment"),
        pytest.param((2026, 1234, 0), "2026000001234000", id="extra"),
        pytest.param((2026, 1, 12), "2026000000001129", id="twelfth"),
        pytest.param((2027, 999_999_999, 10), "2027999999999103", id="largest-notice"),
    ],
)
def test_payment_number_round_trip(parts, number):
    assert payment_number(*parts) == number
    assert payment_number_parts(number) == parts
    assert luhn_check_digit(number[:15]) == luhn_reference(number[:15]) == int(number[15])


@pytest.mark.parametrize(
    ("args", "message"),
    [((999, 1, 1), "年度は4桁で指定してください。"), ((2026, 0, 1), "通知書番号は1〜999,999,999で指定してください。"),
     ((2026, 10**9, 1), "通知書番号は1〜999,999,999で指定してください。"), ((2026, 1, 13), "期は0（随時）〜12で指定してください。")],
)
def test_payment_number_refuses_what_cannot_be_printed(args, message):
    with pytest.raises(ValueError, match=message):
        payment_number(*args)


@pytest.mark.parametrize(
    ("number", "message"),
    [("202600000123401", "納付番号は16桁の数字です。"), ("２０２６000001234018", "納付番号は16桁の数字です。"),
     ("2026000001234019", "納付番号の検査数字が正しくありません。"),
     ("2026000001243018", "納付番号の検査数字が正しくありません。"),  # two digits swapped
     (payment_number(2026, 1, 1)[:13] + "13" + str(luhn_check_digit(payment_number(2026, 1, 1)[:13] + "13")),
      "納付番号の年度・通知書番号・期が正しくありません。")],
)
def test_payment_number_parts_refuses(number, message):
    with pytest.raises(ValueError, match=message):
        payment_number_parts(number)


def test_luhn_is_the_insured_numbers_and_the_fast_check_agrees():
    rng = random.Random(3)
    for _ in range(3000):
        nine = f"{rng.randrange(10**9):09d}"
        assert luhn_check_digit(nine) == insured_number_check_digit(nine) == luhn_reference(nine)
        payload = f"{rng.randrange(10**15):015d}"
        digit = luhn_check_digit(payload)
        assert digit == luhn_reference(payload)
        assert check_digit_ok(payload + str(digit)) and not check_digit_ok(payload + str((digit + 1) % 10))


# ----- good lines ---------------------------------------------------------------------------------


def test_counter_record_exactly():
    parsed = parse_payment_file(file_of(encode(COUNTER)), today=TODAY)
    assert parsed.records == [PaymentRecord(
        serial="B2608030002", channel="counter", payment_number="2026000001234018", amount=8600,
        paid_on=date(2026, 7, 30), booked_on=date(2026, 7, 31), transfer_result=None, agent_code="19900", line_no=2,
    )]
    record = parsed.records[0]
    assert (record.paid, record.fiscal_year, record.notice_number, record.installment) == (True, 2026, 1234, 1)


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
@pytest.mark.parametrize(
    ("values", "channel", "paid"),
    [
        pytest.param(TRANSFER, "account_transfer", True, id="transferred"),
        pytest.param({**TRANSFER, "transfer_result": "1"}, "account_transfer", False, id="insufficient-funds"),
        pytest.param({**COUNTER, "channel": "3"}, "store_preliminary", True, id="store-preliminary"),
        pytest.param({**COUNTER, "channel": "4"}, "store_final", True, id="store-final"),
        pytest.param({**COUNTER, "serial": " B1 ", "amount": " 8600"}, "counter", True, id="spaces-trimmed"),
    ],
)
def test_channels(values, channel, paid, newline):
    (record,) = parse_payment_file(file_of(encode(values), newline=newline), today=TODAY).records
    assert (record.channel, record.paid, record.serial, record.amount) == (channel, paid, values["serial"].strip(), 8600)


def test_the_documented_sample_is_valid():
    doc = (Path(__file__).resolve().parents[2] / "docs/subsystems/payment-feed.md").read_text(encoding="utf-8")
    sample = re.search(r"<!-- sample:start today=(\S+) -->\n```csv\n(.*?)```\n<!-- sample:end -->", doc, re.DOTALL)
    parsed = parse_payment_file(sample[2].encode(), today=date.fromisoformat(sample[1]))
    assert parsed.errors == [] and len(parsed.records) == 9
    assert Counter(r.channel for r in parsed.records) == {"counter": 5, "account_transfer": 2, "store_preliminary": 1,
                                                          "store_final": 1}
    assert [r.paid for r in parsed.records].count(False) == 1
    assert Counter(r.payment_number for r in parsed.records).most_common(1)[0][1] == 2  # paid twice
    assert {r.installment for r in parsed.records} == {0, 1}


# ----- line errors ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    changes: dict = field(default_factory=dict)
    code: str = ""
    message: str = ""
    raw: str | None = None
    base: dict = field(default_factory=lambda: COUNTER)
    serial: str | None = "B2608030002"


BAD_CHECK = "2026000001234019"
MONTH_13 = "2026000001234" + "13" + str(luhn_check_digit("202600000123413"))
NOTICE_0 = "2026000000000" + "01" + str(luhn_check_digit("202600000000001"))
CASES = {
    "blank": Case(raw="", code="blank_line", message="空行です。", serial=None),
    "too-long": Case({"serial": "B" * 19, "agent_code": "1" * 1100}, code="line_too_long",
                     message="1行が1024バイトを超えています。", serial=None),
    "unbalanced-quote": Case(raw=encode(COUNTER).replace(",8600,", ',"8600,'), code="csv_malformed",
                             message="引用符（\"）の対応が正しくありません。", serial=None),
    "too-few-fields": Case(raw=encode(COUNTER).rsplit(",", 1)[0], code="field_count", message="項目数が7です（8項目必要です）。"),
    "control-character": Case({"agent_code": "199\x0000"}, code="control_character",
                              message="収納機関コードに制御文字が含まれています。"),
    "serial-symbols": Case({"serial": "B-2608030002"}, code="serial_invalid", message="受付番号は20文字以内の英数字で記録してください。",
                           serial=None),
    "serial-too-long": Case({"serial": "B" * 21}, code="serial_invalid", message="受付番号は20文字以内の英数字で記録してください。",
                            serial=None),
    "serial-duplicate": Case({"serial": "B2608030001"}, code="serial_duplicate",
                             message="受付番号が2行目と重複しています（後の行を受け付けません）。", serial="B2608030001"),
    "channel-unknown": Case({"channel": "5"}, code="channel_unknown",
                            message="収納区分のコードが正しくありません（1: 窓口, 2: 口座振替, 3: コンビニ速報, 4: コンビニ確報）。"),
    "number-missing": Case({"payment_number": ""}, code="required_missing", message="納付番号がありません。"),
    "amount-missing": Case({"amount": ""}, code="required_missing", message="金額がありません。"),
    "paid-missing": Case({"paid_on": ""}, code="required_missing", message="納付日がありません。"),
    "booked-missing": Case({"booked_on": ""}, code="required_missing", message="収納日がありません。"),
    "agent-missing": Case({"agent_code": ""}, code="required_missing", message="収納機関コードがありません。"),
    "transfer-without-result": Case({"transfer_result": ""}, base=TRANSFER, code="required_missing",
                                    message="振替結果がありません（口座振替では必須です）。"),
    "result-on-counter": Case({"transfer_result": "0"}, code="field_not_allowed",
                              message="振替結果は窓口（金融機関・郵便局）では記録できません。"),
    "result-on-store": Case({"channel": "3", "transfer_result": "1"}, code="field_not_allowed",
                            message="振替結果はコンビニ速報では記録できません。"),
    "number-short": Case({"payment_number": BAD_CHECK[:15]}, code="payment_number_invalid",
                         message="納付番号は16桁の数字で記録してください。"),
    "number-full-width": Case({"payment_number": "２０２６000001234018"}, code="payment_number_invalid",
                              message="納付番号は16桁の数字で記録してください。"),
    "number-check-digit": Case({"payment_number": BAD_CHECK}, code="payment_number_check_digit",
                               message="納付番号の検査数字が正しくありません。"),
    "number-installment-13": Case({"payment_number": MONTH_13}, code="payment_number_invalid",
                                  message="納付番号の通知書番号または期が正しくありません。"),
    "number-notice-0": Case({"payment_number": NOTICE_0}, code="payment_number_invalid",
                            message="納付番号の通知書番号または期が正しくありません。"),
    "amount-comma": Case({"amount": "8,600"}, code="amount_invalid", message="金額は9桁以内の整数（円）で記録してください。"),
    "amount-ten-digits": Case({"amount": "1000000000"}, code="amount_invalid", message="金額は9桁以内の整数（円）で記録してください。"),
    "amount-zero": Case({"amount": "0"}, code="amount_invalid", message="金額が0円です（1円以上で記録してください）。"),
    "amount-negative": Case({"amount": "-8600"}, code="amount_invalid", message="金額は9桁以内の整数（円）で記録してください。"),
    "paid-not-real": Case({"paid_on": "2026-02-30"}, code="date_invalid", message="納付日が存在しない日付です。"),
    "booked-format": Case({"booked_on": "2026/07/31"}, code="date_invalid", message="収納日の形式が正しくありません（YYYY-MM-DD）。"),
    "paid-too-old": Case({"paid_on": "1899-07-31"}, code="date_out_of_range", message="納付日が1900年より前です。"),
    "transfer-result-unknown": Case({"transfer_result": "5"}, base=TRANSFER, code="transfer_result_invalid",
                                    message="振替結果のコードが正しくありません（0, 1, 2, 3, 9）。"),
    "agent-letters": Case({"agent_code": "ABCDE"}, code="agent_code_invalid", message="収納機関コードは5桁の数字で記録してください。"),
    "booked-before-paid": Case({"booked_on": "2026-07-29"}, code="booked_before_paid", message="収納日が納付日より前です。"),
    "booked-tomorrow": Case({"paid_on": "2026-08-04", "booked_on": "2026-08-04"}, code="date_in_future",
                            message="収納日が処理日より後です。"),
}


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_line_error(case):
    before = {**COUNTER, "serial": "B2608030001"}
    after = {**TRANSFER, "serial": "B2608030003"}
    bad = {**case.base, **case.changes}
    raw = encode(bad) if case.raw is None else case.raw
    parsed = parse_payment_file(file_of(encode(before), raw, encode(after)), today=TODAY)
    assert [(e.line_no, e.serial, e.code, e.message) for e in parsed.errors] == [
        (3, case.serial, case.code, f"3行目: {case.message}")
    ]
    assert [r.line_no for r in parsed.records] == [2, 4] and parsed.total_lines == 3 and not parsed.rejected
    for attr, value in bad.items():
        if attr != "serial" and len(value) >= 4:
            assert value not in parsed.errors[0].message


def test_the_general_path_gives_the_same_errors_as_the_fast_path():
    """A line with a space (trimmed) never takes the fast path: its errors must be the same."""
    for name, case in CASES.items():
        if case.raw is not None or name in ("too-long",):
            continue
        bad = {**case.base, **case.changes}
        spaced = {**bad, "agent_code": bad["agent_code"] + " "}
        fast = parse_payment_file(file_of(encode({**COUNTER, "serial": "B2608030001"}), encode(bad)), today=TODAY)
        general = parse_payment_file(file_of(encode({**COUNTER, "serial": "B2608030001"}), encode(spaced)), today=TODAY)
        assert [(e.code, e.message) for e in fast.errors] == [(e.code, e.message) for e in general.errors], name


def test_every_error_code_of_the_parser_is_tested():
    source = (Path(__file__).resolve().parents[2] / "premiums/intake/payment_feed/parser.py").read_text(encoding="utf-8")
    codes = set(re.findall(r'Invalid\("([a-z_]+)"', source))
    assert codes and codes <= {c.code for c in CASES.values()}


def test_file_errors_are_shared():
    parsed = parse_payment_file(file_of(encode(COUNTER)).decode().encode("shift_jis"), today=TODAY)
    assert parsed.rejected and [e.code for e in parsed.errors] == ["encoding"]
    parsed = parse_payment_file(f"{encode(COUNTER)}\n".encode(), today=TODAY)
    assert [e.code for e in parsed.errors] == ["header_missing"]


# ----- simulator --------------------------------------------------------------------------------------

DAY = date(2026, 8, 2)  # two days after the 第1期 due date (July 31): the transfer results' day
INSTALLMENTS = installments_of(6_000, fiscal_year=2026, seed=1)


def test_a_day_parses_and_has_every_kind_of_payment():
    made = simulate_payment_day(INSTALLMENTS, day=DAY, seed=1, unknown=7)
    parsed = parse_payment_file(made.data, today=DAY)
    assert parsed.errors == [] and len(parsed.records) == made.lines
    outcomes = Counter(made.outcomes.values())
    assert set(outcomes) == {"exact", "underpaid", "overpaid", "twice_store", "twice_counter", "unknown",
                             "transfer_failed", "preliminary"}
    assert outcomes["exact"] > outcomes["preliminary"] > outcomes["transfer_failed"] > outcomes["underpaid"]
    assert outcomes["unknown"] == 7
    by_line = {r.line_no: r for r in parsed.records}
    issued = {i.payment_number: i for i in INSTALLMENTS}
    for line_no, outcome in made.outcomes.items():
        r = by_line[line_no]
        if outcome == "unknown":
            assert r.payment_number not in issued
            continue
        expected = issued[r.payment_number].amount
        assert (r.amount < expected) if outcome == "underpaid" else (r.amount > expected) if outcome == "overpaid" \
            else r.amount == expected
        assert r.paid == (outcome != "transfer_failed")
        if r.channel == "account_transfer":
            assert r.paid_on == issued[r.payment_number].due_date == date(2026, 7, 31)
        assert r.paid_on < DAY and r.booked_on < DAY
    twice = Counter(r.payment_number for n, r in by_line.items() if made.outcomes[n].startswith("twice"))
    assert twice and set(twice.values()) == {2}


def test_store_payments_are_confirmed_in_a_later_file():
    first = simulate_payment_day(INSTALLMENTS, day=DAY, seed=1)
    later = date(2026, 8, 9)
    second = simulate_payment_day(INSTALLMENTS, day=later, seed=1, confirm=first.preliminary)
    parsed = parse_payment_file(second.data, today=later)
    finals = [r for r in parsed.records if r.channel == "store_final"]
    assert parsed.errors == [] and len(finals) == len(first.preliminary) > 0
    preliminary = {(p.payment_number, p.amount, p.paid_on, p.agent_code) for p in first.preliminary}
    assert {(r.payment_number, r.amount, r.paid_on, r.agent_code) for r in finals} == preliminary
    assert all(r.booked_on == date(2026, 8, 8) for r in finals)


@pytest.mark.parametrize("bad_lines", [1, 80])
def test_injected_faults_are_exactly_the_errors(bad_lines):
    made = simulate_payment_day(INSTALLMENTS, day=DAY, seed=bad_lines, bad_lines=bad_lines)
    parsed = parse_payment_file(made.data, today=DAY)
    assert {e.line_no: e.code for e in parsed.errors} == made.injected and len(made.injected) == bad_lines
    assert len(parsed.records) == made.lines - bad_lines
    if bad_lines == 80:
        assert set(made.injected.values()) == set(FAULTS)


def test_same_seed_same_file():
    first = simulate_payment_day(INSTALLMENTS[:5000], day=DAY, seed=2, unknown=2, bad_lines=3).data
    assert first == simulate_payment_day(INSTALLMENTS[:5000], day=DAY, seed=2, unknown=2, bad_lines=3).data
    assert first != simulate_payment_day(INSTALLMENTS[:5000], day=DAY, seed=3, unknown=2, bad_lines=3).data


def test_installments_of():
    installments = installments_of(2, fiscal_year=2026, seed=1)
    assert len(installments) == 20
    assert installments[0] == OpenInstallment(payment_number(2026, 1, 1), installments[0].amount, date(2026, 7, 31))
    assert installments[9].due_date == date(2027, 4, 30) and payment_number_parts(installments[9].payment_number) == (
        2026, 1, 10)


def test_command_writes_a_day_and_its_confirmations(tmp_path):
    first = tmp_path / "day1.csv"
    call_command("simulate_payment_file", "--day=2026-08-02", "--notices=3000", "--seed=4", f"--out={first}",
                 "--unknown=3", "--bad-lines=2")
    parsed = parse_payment_file(first.read_bytes(), today=DAY)
    assert len(parsed.errors) == 2 and len(parsed.records) > 500
    second = tmp_path / "day2.csv"
    call_command("simulate_payment_file", "--day=2026-08-09", "--notices=3000", "--seed=4", f"--out={second}",
                 f"--confirm={first}")
    finals = [r for r in parse_payment_file(second.read_bytes(), today=date(2026, 8, 9)).records
              if r.channel == "store_final"]
    assert len(finals) == sum(r.channel == "store_preliminary" for r in parsed.records)
