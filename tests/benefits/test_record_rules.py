"""The pure rules of the benefit records (no database): the parser's checks of a line, the
arithmetic of a record worked from the notices' text, and the service-type and limit tables."""

from __future__ import annotations

from datetime import date

import pytest

from benefits.records.format import LAYOUT, insurer_amount_of, line_encode, total_cost_of
from benefits.records.parser import parse_record_file
from benefits.rules.service_types import fits_level, month_limit_level, monthly_limit

MONTH = date(2026, 11, 1)  # 審査年月: records of October 2026 and before


def values(**changes) -> list[str]:
    """A good line: 要介護 person's 訪問介護 of October 2026, 1,000 units at 11.12 (2級地, 70 %),
    11,120 yen, 90 % benefit: 10,008 insurer, 1,112 co-payment."""
    base = {"serial": "1", "insured_number": "0000000018", "provider_number": "1411000001", "service_month": "202610",
            "service_type": "11", "route": "1", "units": "1000", "unit_price": "11.12", "total_cost": "11120",
            "benefit_rate": "90", "insurer_amount": "10008", "public_amount": "0", "copayment": "1112"}
    base.update(changes)
    return [base[c.attr] for c in LAYOUT.columns]


def parse(*lines: list[str]):
    return parse_record_file(LAYOUT.file([line_encode(v) for v in lines]), month=MONTH)


# --- the arithmetic, from the notices' text ----------------------------------------------------------

# 平成12年厚生省告示第19号 二: 単位数 × 単価, 「1円未満の端数があるときは、その端数金額は切り捨て」
@pytest.mark.parametrize(("units", "price", "total"), [
    (1000, 1112, 11_120),  # 1,000 × 11.12 = 11,120.00
    (333, 1072, 3_569),  # 333 × 10.72 = 3,569.76 -> 3,569 (the fraction dropped, not rounded)
    (1, 1140, 11),  # 1 × 11.40 = 11.40 -> 11
    (16_765, 1000, 167_650),  # 要介護1's whole limit at 10.00
    (7, 1088, 76),  # 7 × 10.88 = 76.16 -> 76
])
def test_total_cost_is_units_times_price_with_the_fraction_dropped(units, price, total):
    assert total_cost_of(units, price) == total


# 法 §41 第4項 第1号 (100分の90), §49の2 (100分の80, 100分の70): the fraction of a yen dropped
@pytest.mark.parametrize(("total", "rate", "insurer"), [
    (11_120, 90, 10_008),
    (3_569, 90, 3_212),  # 3,212.1 -> 3,212; the person pays 357
    (3_569, 80, 2_855),  # 2,855.2 -> 2,855
    (3_569, 70, 2_498),  # 2,498.3 -> 2,498
    (15_383, 100, 15_383),  # care management: no co-payment (法 §46)
    (9, 90, 8),  # 8.1 -> 8
])
def test_insurer_amount_is_the_benefit_rate_of_the_total_with_the_fraction_dropped(total, rate, insurer):
    assert insurer_amount_of(total, rate) == insurer


# --- the parser ------------------------------------------------------------------------------------------

def test_a_good_line_is_read_with_its_values():
    parsed = parse(values(), values(serial="2", route="2", service_type="15", units="333", unit_price="10.72",
                                    total_cost="3569", insurer_amount="3212", copayment="357"))
    assert parsed.errors == [] and not parsed.rejected
    first, second = parsed.records
    assert (first.insured_number, first.service_month, first.units, first.unit_price, first.total_cost,
            first.route, first.line_no) == ("0000000018", date(2026, 10, 1), 1000, 1112, 11_120, "in_kind", 2)
    assert (second.route, second.insurer_amount, second.copayment, second.line_no) == ("reimbursed", 3212, 357, 3)


@pytest.mark.parametrize(("changes", "code", "reason"), [
    ({"units": "12a"}, "units_invalid", "単位数は7桁以内の整数で記録してください。"),
    ({"units": ""}, "required_missing", "単位数がありません。"),
    ({"insured_number": "123456789"}, "insured_number_invalid", "被保険者番号は10桁の数字で記録してください。"),
    ({"provider_number": "14-1100000"}, "provider_number_invalid", "事業所番号は10桁の英数字で記録してください。"),
    ({"service_month": "202613"}, "service_month_invalid", "サービス提供年月はYYYYMM（6桁の年月）で記録してください。"),
    ({"service_month": "202611"}, "service_month_not_before",
     "サービス提供年月が審査年月と同じか後です（実績は前月以前のサービスについて送られます）。"),
    ({"service_month": "200003"}, "service_month_out_of_range", "サービス提供年月が介護保険の施行（平成12年4月）より前です。"),
    ({"service_type": "99"}, "service_type_unknown",
     "サービス種類コードが正しくありません（給付実績で扱うサービス種類ではありません）。"),
    ({"route": "3"}, "route_unknown", "給付区分のコードが正しくありません（1: 現物給付, 2: 償還払い）。"),
    ({"unit_price": "11.4"}, "unit_price_invalid", "単位数単価は小数点以下2桁の数（例: 10.90）で記録してください。"),
    ({"unit_price": "11.41", "total_cost": "11410", "insurer_amount": "10269", "copayment": "1141"},
     "unit_price_out_of_range", "単位数単価が10.00円から11.40円の範囲にありません。"),
    ({"unit_price": "9.99"}, "unit_price_invalid", "単位数単価は小数点以下2桁の数（例: 10.90）で記録してください。"),
    ({"benefit_rate": "50"}, "benefit_rate_invalid", "給付率は100, 90, 80, 70, 60のいずれかで記録してください。"),
    ({"total_cost": "11121"}, "total_cost_mismatch", "費用合計が単位数×単位数単価（1円未満切り捨て）と一致しません。"),
    ({"copayment": "1113"}, "amounts_mismatch", "保険給付額・公費負担額・利用者負担額の合計が費用合計と一致しません。"),
    ({"insurer_amount": "10007", "copayment": "1113"}, "insurer_amount_mismatch",
     "保険給付額が費用合計×給付率（1円未満切り捨て）と一致しません。"),
    ({"copayment": "-1"}, "amount_invalid", "利用者負担額は9桁以内の整数（円）で記録してください。"),
    ({"serial": "A1"}, "serial_invalid", "連番は12桁以内の数字で記録してください。"),
])
def test_each_fault_of_a_line_is_named_with_its_line_and_never_its_value(changes, code, reason):
    parsed = parse(values(serial="7"), values(**{"serial": "8", **changes}))
    assert len(parsed.records) == 1 and not parsed.rejected
    [error] = parsed.errors
    assert (error.line_no, error.code, error.message) == (3, code, f"3行目: {reason}")
    for value in changes.values():
        if len(value) >= 3:
            assert value not in error.message


def test_public_expense_lifts_the_rate_check_but_not_the_sum():
    # 生活保護: 公費 pays the co-payment; the insurer still pays 90 %
    parsed = parse(values(public_amount="1112", copayment="0"))
    assert parsed.errors == [] and parsed.records[0].public_amount == 1112


def test_a_repeated_serial_and_a_short_line_are_refused_and_the_rest_read():
    parsed = parse(values(serial="5"), values(serial="5"), values(serial="6")[:-1], values(serial="9"))
    assert [(e.line_no, e.code) for e in parsed.errors] == [(3, "serial_duplicate"), (4, "field_count")]
    assert [r.line_no for r in parsed.records] == [2, 5]


@pytest.mark.parametrize(("data", "code"), [
    (b"", "empty_file"),
    ("連番,被保険者番号\n".encode(), "header_mismatch"),
    (LAYOUT.file([line_encode(values())])[:-len("トレーラ,1,11120\n".encode())], "trailer_missing"),
    (LAYOUT.file([line_encode(values())]).replace(b"11120\n", b"11121\n", 1).replace(b"1,11120", b"1,11121"),
     "trailer_total"),
])
def test_a_file_cut_short_or_misshapen_is_refused_whole(data, code):
    parsed = parse_record_file(data, month=MONTH)
    assert parsed.rejected and parsed.records == [] and parsed.errors[0].code == code


# --- service types and limits ------------------------------------------------------------------------

@pytest.mark.parametrize(("service", "level", "fits"), [
    ("11", "21", True),  # 訪問介護 for 要介護1 (法 §41)
    ("11", "13", False),  # not for 要支援2: a preventive service is (法 §53)
    ("67", "12", True),  # 介護予防福祉用具貸与 for 要支援1
    ("67", "25", False),
    ("51", "23", True),  # 介護福祉施設 for 要介護3
    ("46", "13", True),  # 介護予防支援
    ("43", "12", False),  # 居宅介護支援 is for 要介護
    ("99", "22", False),  # not a type of the table
    ("11", "01", False),  # 非該当
])
def test_service_type_fits_level(service, level, fits):
    assert fits_level(service, level) is fits


# 平成12年厚生省告示第33号 as from 2019-10-01 (DOMAIN.md 3.10)
@pytest.mark.parametrize(("level", "month", "units"), [
    ("12", date(2026, 10, 1), 5_032),
    ("13", date(2026, 10, 1), 10_531),
    ("21", date(2026, 10, 1), 16_765),
    ("22", date(2019, 10, 1), 19_705),
    ("23", date(2026, 10, 1), 27_048),
    ("24", date(2026, 10, 1), 30_938),
    ("25", date(2026, 10, 1), 36_217),
    ("01", date(2026, 10, 1), None),  # 非該当: no limit
    ("25", date(2019, 9, 1), None),  # before the table kept here
])
def test_monthly_limit_by_level(level, month, units):
    assert monthly_limit(level, month) == units


@pytest.mark.parametrize(("levels", "governing"), [
    (["13", "21"], "21"),  # 要支援2 -> 要介護1 mid-month: the higher
    (["24", "22"], "24"),
    (["12"], "12"),
    ([], None),
])
def test_month_with_two_levels_takes_the_higher(levels, governing):
    assert month_limit_level(levels) == governing


def test_the_documented_sample_is_valid():
    import re
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs/subsystems/benefits-records.md").read_text(encoding="utf-8")
    sample = re.search(r"<!-- sample:start month=(\S+) -->\n```csv\n(.*?)```\n<!-- sample:end -->", doc, re.DOTALL)
    parsed = parse_record_file(sample[2].encode(), month=date.fromisoformat(sample[1] + "-01"))
    assert parsed.errors == [] and len(parsed.records) == 5
    assert [r.route for r in parsed.records].count("reimbursed") == 1
    assert sum(r.total_cost for r in parsed.records) == 304_805
