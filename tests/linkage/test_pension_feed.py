"""The pension insurers' 特別徴収 files: strict parsing (one notice and one month a file, line errors
that never repeat a value of the line) and the simulator (listing, candidates, results, unmatchable
persons, injected faults)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command

from linkage.pension.simulator import (
    FAULTS_LISTING,
    FAULTS_RESULTS,
    PensionSnapshot,
    age_on,
    basic_pension_number_of,
    half_width_kana,
    identity_of,
    simulate_candidates_file,
    simulate_results_file,
    simulate_targets_file,
)
from linkage.registry.population import CityPlan
from premiums.intake.pension_feed.format import ATTRS, HEADER, LAYOUT, line_encode
from premiums.intake.pension_feed.parser import PensionRecord, parse_pension_file
from tests.eligibility.factories import make_resident

MAY = (2026, 5)
OCT = (2026, 10)
LISTED = {
    "serial": "260500000002", "notice": "00", "month": "2026-05", "insurer_code": "010",
    "basic_pension_number": "1234567890", "pension_code": "1150", "pension_kind": "1", "birth_date": "1949-05-10",
    "sex": "1", "name_kana": "ｼｹﾝ ﾀﾛｳ", "annual_amount": "2500000", "withholdable": "1",
}
RESULT = {**LISTED, "notice": "10", "month": "2026-10", "annual_amount": "", "withholdable": "",
          "deducted_amount": "15600", "result": "0"}


def encode(values: dict[str, str]) -> str:
    return line_encode([values.get(attr, "") for attr in ATTRS])


def file_of(*lines: str, header: str = HEADER) -> bytes:
    return "\n".join([header, *lines, LAYOUT.trailer(lines), ""]).encode("utf-8")


def personal_values(values: dict[str, str]) -> list[str]:
    return [v for attr, v in values.items() if attr not in ("serial", "notice", "month") and len(v) >= 4]


# ----- good lines ---------------------------------------------------------------------------------


def test_listing_record_exactly():
    parsed = parse_pension_file(file_of(encode(LISTED)), notice="00", month=MAY)
    assert parsed.errors == []
    assert parsed.records == [PensionRecord(
        serial="260500000002", notice="00", month=(2026, 5), insurer_code="010", basic_pension_number="1234567890",
        pension_code="1150", pension_kind="old_age", birth_date=date(1949, 5, 10), sex="1", name_kana="シケン タロウ",
        annual_amount=2_500_000, withholdable=True, deducted_amount=None, result=None, line_no=2,
    )]


def test_result_record_and_candidates():
    (record,) = parse_pension_file(file_of(encode(RESULT)), notice="10", month=OCT).records
    assert (record.deducted_amount, record.result, record.deducted, record.annual_amount) == (15600, "deducted", True,
                                                                                               None)
    died = {**RESULT, "deducted_amount": "0", "result": "1"}
    (record,) = parse_pension_file(file_of(encode(died)), notice="10", month=OCT).records
    assert (record.result, record.deducted) == ("died", False)
    candidate = {**LISTED, "notice": "01", "month": "2027-01", "withholdable": "0"}
    (record,) = parse_pension_file(file_of(encode(candidate)), notice="01", month=(2027, 1)).records
    assert record.withholdable is False and record.month == (2027, 1)


def test_the_documented_samples_are_valid():
    doc = (Path(__file__).resolve().parents[2] / "docs/subsystems/pension-feed.md").read_text(encoding="utf-8")
    samples = re.findall(r"<!-- sample:start notice=(\d\d) month=(\d{4})-(\d\d) -->\n```csv\n(.*?)```\n"
                         r"<!-- sample:end -->", doc, re.DOTALL)
    assert [s[0] for s in samples] == ["00", "10"]
    parsed = {notice: parse_pension_file(text.encode(), notice=notice, month=(int(y), int(m)))
              for notice, y, m, text in samples}
    assert [len(p.records) for p in parsed.values()] == [7, 5] and all(p.errors == [] for p in parsed.values())
    assert parsed["00"].records[0].name_kana == "シケン タロウ"  # written in half-width katakana
    assert Counter(r.result for r in parsed["10"].records) == {"deducted": 3, "died": 1, "insufficient": 1}


# ----- one notice, one month -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "notice", "month", "code", "message"),
    [
        pytest.param([LISTED], "00", (2026, 7), "notice_month_impossible",
                     "特別徴収対象者情報（00）は5月のみです。2026年7月分としては取り込めません。ファイル全体を受け付けません。",
                     id="listing-in-july"),
        pytest.param([RESULT], "10", (2026, 9), "notice_month_impossible",
                     "特別徴収結果通知（10）は4月・6月・8月・10月・12月・2月のみです。2026年9月分としては取り込めません。"
                     "ファイル全体を受け付けません。", id="results-in-an-odd-month"),
        pytest.param([{**RESULT, "month": "2026-05"}], "01", (2026, 5), "notice_month_impossible",
                     "特別徴収追加候補者情報（01）は7月・9月・11月・1月・3月のみです。2026年5月分としては取り込めません。"
                     "ファイル全体を受け付けません。", id="candidates-in-may"),
        pytest.param([RESULT, {**RESULT, "serial": "261010000009", "notice": "00", "annual_amount": "1",
                               "withholdable": "1", "deducted_amount": "", "result": ""}], "10", OCT,
                     "notice_mismatch", "3行目: 通知内容コードが取り込む通知と異なります（特別徴収結果通知（10）のファイルとして"
                     "取り込んでいます）。ファイル全体を受け付けません。", id="a-line-of-another-notice"),
        pytest.param([RESULT], "10", (2026, 12), "month_mismatch",
                     "2行目: 対象年月が取り込む月と異なります（2026年12月分のファイルとして取り込んでいます）。"
                     "ファイル全体を受け付けません。", id="filed-under-another-month"),
        pytest.param([{**LISTED, "month": "2025-05"}], "00", MAY, "month_mismatch",
                     "2行目: 対象年月が取り込む月と異なります（2026年5月分のファイルとして取り込んでいます）。"
                     "ファイル全体を受け付けません。", id="last-years-listing"),
    ],
)
def test_a_file_of_another_notice_or_month_is_rejected_whole(lines, notice, month, code, message):
    good = {**lines[0], "serial": "261010000001", "basic_pension_number": "1111111111"}
    parsed = parse_pension_file(file_of(encode(good), *(encode(v) for v in lines[1:])), notice=notice, month=month)
    assert parsed.rejected and parsed.records == []
    assert [(e.code, e.message) for e in parsed.errors] == [(code, message)]


def test_an_unknown_notice_is_the_callers_mistake():
    with pytest.raises(ValueError):
        parse_pension_file(file_of(encode(LISTED)), notice="02", month=MAY)


# ----- line errors ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    changes: dict = field(default_factory=dict)
    code: str = ""
    message: str = ""
    results: bool = False  # a line of a 10 file instead of a 00 file
    raw: str | None = None
    serial: str | None = "260500000002"


CASES = {
    "blank": Case(raw="", code="blank_line", message="空行です。", serial=None),
    "unbalanced-quote": Case(raw=encode(LISTED).replace("ｼｹﾝ", '"ｼｹﾝ'), code="csv_malformed",
                             message="引用符（\"）の対応が正しくありません。", serial=None),
    "too-many-fields": Case(raw=encode(LISTED) + ",", code="field_count", message="項目数が15です（14項目必要です）。"),
    "control-character": Case({"name_kana": "ｼｹﾝ\x7fﾀﾛｳ"}, code="control_character",
                              message="氏名カナに制御文字が含まれています。"),
    "serial-letters": Case({"serial": "26050000000X"}, code="serial_invalid", message="通知連番は12桁の数字で記録してください。",
                           serial=None),
    "serial-duplicate": Case({"serial": "260500000001", "basic_pension_number": "9999999999"},
                             code="serial_duplicate", message="通知連番が2行目と重複しています（後の行を受け付けません）。",
                             serial="260500000001"),
    "notice-unknown": Case({"notice": "02"}, code="notice_unknown", message="通知内容コードが正しくありません（00, 01, 10）。"),
    "month-format": Case({"month": "202605"}, code="month_invalid", message="対象年月の形式が正しくありません（YYYY-MM）。"),
    "month-13": Case({"month": "2026-13"}, code="month_invalid", message="対象年月の形式が正しくありません（YYYY-MM）。"),
    "required-amount": Case({"annual_amount": ""}, code="required_missing",
                            message="年金額がありません（特別徴収対象者情報では必須です）。"),
    "required-result": Case({"result": ""}, results=True, code="required_missing",
                            message="処理結果がありません（特別徴収結果通知では必須です）。"),
    "required-name": Case({"name_kana": ""}, code="required_missing",
                          message="氏名カナがありません（特別徴収対象者情報では必須です）。"),
    "result-in-listing": Case({"result": "0"}, code="field_not_allowed", message="処理結果は特別徴収対象者情報では記録できません。"),
    "amount-in-results": Case({"annual_amount": "2500000"}, results=True, code="field_not_allowed",
                              message="年金額は特別徴収結果通知では記録できません。"),
    "insurer-unknown": Case({"insurer_code": "999"}, code="insurer_unknown",
                            message="特別徴収義務者コードが登録されていないコードです。"),
    "insurer-format": Case({"insurer_code": "10"}, code="insurer_unknown",
                           message="特別徴収義務者コードは3桁の数字で記録してください。"),
    "basic-pension-number": Case({"basic_pension_number": "123456789"}, code="basic_pension_number_invalid",
                                 message="基礎年金番号は10桁の数字で記録してください。"),
    "pension-code": Case({"pension_code": "11A0"}, code="pension_code_invalid", message="年金コードは4桁の数字で記録してください。"),
    "pension-kind": Case({"pension_kind": "老齢"}, code="pension_kind_invalid", message="年金種別のコードが正しくありません（1〜5）。"),
    "birth-date": Case({"birth_date": "1949-02-30"}, code="date_invalid", message="生年月日が存在しない日付です。"),
    "birth-date-old": Case({"birth_date": "1899-05-10"}, code="date_out_of_range", message="生年月日が1900年より前です。"),
    "sex": Case({"sex": "M"}, code="sex_invalid", message="性別のコードが正しくありません（1: 男, 2: 女）。"),
    "kana-kanji": Case({"name_kana": "試験 太郎"}, code="kana_invalid", message="氏名カナにカタカナ以外の文字があります。"),
    "kana-too-long": Case({"name_kana": "ｼ" * 61}, code="kana_too_long", message="氏名カナが60文字を超えています。"),
    "amount-comma": Case({"annual_amount": "2,500,000"}, code="amount_invalid",
                         message="年金額は9桁以内の0以上の整数（円）で記録してください。"),
    "amount-negative": Case({"deducted_amount": "-15600"}, results=True, code="amount_invalid",
                            message="特別徴収額は9桁以内の0以上の整数（円）で記録してください。"),
    "withholdable": Case({"withholdable": "可"}, code="withholdable_invalid",
                         message="特別徴収可否のコードが正しくありません（1: 可, 0: 不可）。"),
    "result-code": Case({"result": "5"}, results=True, code="result_invalid",
                        message="処理結果のコードが正しくありません（0, 1, 2, 3, 4, 9）。"),
    "died-with-amount": Case({"result": "1"}, results=True, code="deducted_amount_mismatch",
                             message="処理結果と特別徴収額が合いません（徴収済は1円以上、未徴収は0円）。"),
    "deducted-nothing": Case({"deducted_amount": "0"}, results=True, code="deducted_amount_mismatch",
                             message="処理結果と特別徴収額が合いません（徴収済は1円以上、未徴収は0円）。"),
    "pension-duplicate": Case({"basic_pension_number": "1111111111"}, code="pension_duplicate",
                              message="同じ年金（特別徴収義務者・基礎年金番号・年金コード）が2行目にもあります（後の行を受け付けません）。"),
}


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_line_error(case):
    base, notice, month = (RESULT, "10", OCT) if case.results else (LISTED, "00", MAY)
    serial = base["serial"]
    before = {**base, "serial": serial[:-1] + "1", "basic_pension_number": "1111111111"}
    after = {**base, "serial": serial[:-1] + "3", "basic_pension_number": "3333333333"}
    bad = {**base, **case.changes}
    raw = encode(bad) if case.raw is None else case.raw
    parsed = parse_pension_file(file_of(encode(before), raw, encode(after)), notice=notice, month=month)
    assert [(e.line_no, e.serial, e.code, e.message) for e in parsed.errors] == [
        (3, case.serial, case.code, f"3行目: {case.message}")
    ]
    assert [r.line_no for r in parsed.records] == [2, 4] and parsed.total_lines == 3 and not parsed.rejected
    for value in personal_values(bad) + ["シケン", "タロウ"]:
        assert value not in parsed.errors[0].message


def test_every_error_code_of_the_parser_is_tested():
    source = (Path(__file__).resolve().parents[2] / "premiums/intake/pension_feed/parser.py").read_text(encoding="utf-8")
    codes = set(re.findall(r'(?:Invalid|_WrongFile|reject)\([^"]*"([a-z_]+)"', source))
    tested = {c.code for c in CASES.values()} | {"notice_month_impossible", "notice_mismatch", "month_mismatch"}
    assert codes and codes <= tested


def test_file_errors_are_shared():
    parsed = parse_pension_file(b"\xef\xbb\xbf" + file_of(encode(LISTED)), notice="00", month=MAY)
    assert parsed.rejected and [e.code for e in parsed.errors] == ["bom"]
    parsed = parse_pension_file(file_of(encode(LISTED), header=HEADER.replace("年金額", "年金年額")), notice="00", month=MAY)
    assert [e.message for e in parsed.errors] == [
        "1行目: ヘッダー行が所定の形式と異なります（11列目は「年金額」です）。ファイル全体を受け付けません。"]


# ----- simulator --------------------------------------------------------------------------------------


def city(households: int = 5_000) -> list[PensionSnapshot]:
    plan = CityPlan(seed=1, as_of=date(2026, 4, 1))
    out, person = [], 100_000_001
    for household in plan.households(0, households, set()):
        for m in household.members:
            out.append(PensionSnapshot(person, f"{m.surname[1]} {m.given[1]}", m.birth_date, m.sex))
            person += 1
    return out


CITY = city()
BY_ID = {s.person_id: s for s in CITY}


def test_half_width_kana_folds_back():
    from kaigo.feeds import kana_fold

    for name in ("シケン タロウ", "ガッコウ ヴィオラ", "ミホン ジュンペイ", "ポール ギヨーム"):
        assert kana_fold(half_width_kana(name)) == name
    assert half_width_kana("ガッコウ") == "ｶﾞｯｺｳ"


def test_yearly_listing_is_realistic_and_matchable():
    made = simulate_targets_file(CITY, fiscal_year=2026, seed=1, unmatched=12, serial_start=260_500_000_001)
    parsed = parse_pension_file(made.data, notice="00", month=MAY)
    assert parsed.errors == [] and len(parsed.records) == made.lines
    assert parsed.records[0].serial == "260500000001"
    elderly = [s for s in CITY if age_on(s.birth_date, date(2026, 4, 1)) >= 65]
    listed = set(made.persons.values())
    assert 0.75 <= len(listed) / len(elderly) <= 0.85
    assert all(age_on(BY_ID[p].birth_date, date(2026, 4, 1)) >= 65 for p in listed)
    by_line = {r.line_no: r for r in parsed.records}
    for line_no, person_id in made.persons.items():  # name, birth date and sex find the resident
        r, s = by_line[line_no], BY_ID[person_id]
        assert (r.name_kana, r.birth_date, r.sex) == (s.name_kana, s.birth_date, s.sex)
        assert r.basic_pension_number == basic_pension_number_of(person_id)
    known = {(s.name_kana, s.birth_date, s.sex) for s in CITY}
    assert len(made.unmatched) == 12
    assert all((by_line[n].name_kana, by_line[n].birth_date, by_line[n].sex) not in known for n in made.unmatched)
    assert set(made.persons) | set(made.unmatched) == set(by_line)
    records = parsed.records
    kinds = Counter(r.pension_kind for r in records)
    assert kinds["old_age"] / len(records) >= 0.85 and kinds["disability"] and kinds["survivor"]
    assert 0 < sum(r.annual_amount < 180_000 for r in records) < 0.05 * len(records)
    assert 0 < sum(not r.withholdable for r in records) < 0.05 * len(records)
    amounts = sorted(r.annual_amount for r in records if r.pension_kind == "old_age")
    assert 1_000_000 <= amounts[len(amounts) // 2] <= 2_000_000
    assert set(Counter(r.insurer_code for r in records)) == {"001", "010", "020", "030"}
    assert len(listed) < len(made.persons)  # some persons have two pensions


def test_candidates_are_few_and_recently_65():
    made = simulate_candidates_file(CITY, month=(2026, 9), seed=1, unmatched=1)
    parsed = parse_pension_file(made.data, notice="01", month=(2026, 9))
    assert parsed.errors == [] and 0 < made.lines < 0.02 * len(CITY)
    ages = [age_on(BY_ID[p].birth_date, date(2026, 9, 1)) for p in made.persons.values()]
    assert Counter(a == 65 for a in ages).most_common(1)[0][0]
    with pytest.raises(ValueError):
        simulate_candidates_file(CITY, month=(2026, 5), seed=1)


def test_results_deduct_what_was_requested_except_a_few():
    listing = parse_pension_file(simulate_targets_file(CITY, fiscal_year=2026, seed=1).data, notice="00",
                                 month=MAY).records
    requested = {identity_of(r): 5_000 + r.annual_amount // 1_000 for r in listing if r.withholdable}
    made = simulate_results_file(requested, month=OCT, seed=1, not_deducted_share=0.05)
    parsed = parse_pension_file(made.data, notice="10", month=OCT)
    assert parsed.errors == [] and len(parsed.records) == len(requested)
    not_deducted = {r.line_no: r.result for r in parsed.records if not r.deducted}
    assert not_deducted == made.not_deducted and 0.02 * len(requested) < len(not_deducted) < 0.09 * len(requested)
    assert {"died", "suspended", "insufficient"} <= set(not_deducted.values())
    for r in parsed.records:
        assert r.deducted_amount == (requested[identity_of(r)] if r.deducted else 0)


@pytest.mark.parametrize(("kind", "bad_lines"), [("00", 1), ("00", 90), ("10", 70)])
def test_injected_faults_are_exactly_the_errors(kind, bad_lines):
    if kind == "00":
        made = simulate_targets_file(CITY[:4000], fiscal_year=2026, seed=bad_lines, bad_lines=bad_lines, unmatched=3)
        parsed = parse_pension_file(made.data, notice="00", month=MAY)
        faults = FAULTS_LISTING
    else:
        listing = simulate_targets_file(CITY[:4000], fiscal_year=2026, seed=1).data
        records = parse_pension_file(listing, notice="00", month=MAY).records
        made = simulate_results_file({identity_of(r): 9_000 for r in records}, month=OCT, seed=bad_lines,
                                     bad_lines=bad_lines)
        parsed = parse_pension_file(made.data, notice="10", month=OCT)
        faults = FAULTS_RESULTS
    assert {e.line_no: e.code for e in parsed.errors} == made.injected and len(made.injected) == bad_lines
    assert len(parsed.records) == made.lines - bad_lines
    if bad_lines >= 70:
        assert set(made.injected.values()) == set(faults)


def test_same_seed_same_file():
    first = simulate_targets_file(CITY[:3000], fiscal_year=2026, seed=5, unmatched=2, bad_lines=3).data
    assert first == simulate_targets_file(CITY[:3000], fiscal_year=2026, seed=5, unmatched=2, bad_lines=3).data
    assert first != simulate_targets_file(CITY[:3000], fiscal_year=2026, seed=6, unmatched=2, bad_lines=3).data


# ----- command ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_command_writes_a_listing_with_decrypted_names_and_its_results(tmp_path):
    residents = [make_resident(birth_date=date(1930 + 3 * n, 5, 1), name_kana=f"シケン {'タロウ' if n % 2 else 'ジロウ'}")
                 for n in range(12)]
    listing = tmp_path / "tokucho_00.csv"
    call_command("simulate_pension_file", "--notice=00", "--month=2026-05", "--seed=2", f"--out={listing}",
                 "--unmatched=2", "--bad-lines=1")
    parsed = parse_pension_file(listing.read_bytes(), notice="00", month=MAY)
    assert len(parsed.errors) == 1 and parsed.records[0].serial.startswith("260500")
    names = {(r.name_kana, r.birth_date) for r in parsed.records}
    matched = {(r.name_kana, r.birth_date) for r in residents} & names
    assert len(matched) >= 6 and len(names - matched) >= 2  # 80 % listed; the two strangers

    results = tmp_path / "tokucho_10.csv"
    call_command("simulate_pension_file", "--notice=10", "--month=2026-10", "--seed=2", f"--out={results}",
                 f"--listing={listing}")
    parsed_results = parse_pension_file(results.read_bytes(), notice="10", month=OCT)
    assert parsed_results.errors == [] and parsed_results.records
    assert {identity_of(r).basic_pension_number for r in parsed_results.records} <= {
        r.basic_pension_number for r in parsed.records}
