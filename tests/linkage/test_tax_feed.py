"""The tax system's file (住民税課税情報): strict parsing with line-level Japanese errors that never
repeat a value of the line, the household rule across lines, and the simulator (round trip,
determinism, the spread of premium stages)."""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command

from eligibility.codes import ResidenceStatus
from eligibility.models import Resident
from linkage.registry.population import CityPlan
from linkage.tax.simulator import (
    FAULTS,
    TaxSnapshot,
    age_on,
    household_taxation,
    record_values,
    simulate_tax_corrections,
    simulate_tax_file,
    tax_facts_for,
)
from premiums.intake.tax_feed.format import ATTRS, HEADER, LAYOUT, line_encode
from premiums.intake.tax_feed.parser import TaxRecord, parse_tax_file
from premiums.rules import StageInputs, stage_of
from premiums.rules.tables import NATIONAL_STANDARD_FY2025_2026
from tests.eligibility.factories import make_resident

FY = 2026
HEAD = {
    "serial": "261000000002", "kind": "1", "fiscal_year": "2026", "person_id": "100300001", "household_id": "500300001",
    "relation": "head", "birth_date": "1949-05-10", "self_taxed": "1", "household_taxed": "1",
    "total_income": "1400000", "pension_misc_income": "1400000", "taxable_pension_income": "2500000",
    "salary_income": "0", "special_deduction": "0", "non_taxable_pension_income": "0", "public_assistance": "0",
    "old_age_welfare_pension": "0",
}
SPOUSE = {**HEAD, "serial": "261000000003", "person_id": "100300002", "relation": "spouse", "birth_date": "1951-08-20",
          "self_taxed": "2", "total_income": "0", "pension_misc_income": "0", "taxable_pension_income": "780000"}
ALONE = {**HEAD, "serial": "261000000001", "person_id": "100300009", "household_id": "500300009",
         "birth_date": "1940-02-02", "self_taxed": "2", "household_taxed": "2", "total_income": "100000",
         "pension_misc_income": "100000", "taxable_pension_income": "1200000", "non_taxable_pension_income": "900000"}


def encode(values: dict[str, str]) -> str:
    return line_encode([values.get(attr, "") for attr in ATTRS])


def file_of(*lines: str, header: str = HEADER) -> bytes:
    return "\n".join([header, *lines, LAYOUT.trailer(lines), ""]).encode("utf-8")


def personal_values(values: dict[str, str]) -> list[str]:
    return [v for attr, v in values.items() if attr not in ("kind", "serial", "fiscal_year") and len(v) >= 4]


def inputs_of(r: TaxRecord) -> StageInputs:
    return StageInputs(
        self_taxed=r.self_taxed, household_taxed=r.household_taxed, total_income=r.total_income,
        taxable_pension_income=r.taxable_pension_income, pension_misc_income=r.pension_misc_income,
        salary_income=r.salary_income, special_deduction=r.special_deduction,
        non_taxable_pension_income=r.non_taxable_pension_income, public_assistance=r.public_assistance,
        old_age_welfare_pension=r.old_age_welfare_pension,
    )


# ----- good lines ---------------------------------------------------------------------------------


def test_household_record_exactly():
    parsed = parse_tax_file(file_of(encode(HEAD), encode(SPOUSE)), fiscal_year=FY)
    assert parsed.errors == [] and parsed.total_lines == 2
    assert parsed.records[0] == TaxRecord(
        serial="261000000002", kind="initial", fiscal_year=2026, person_id=100300001, household_id=500300001,
        relation="head", birth_date=date(1949, 5, 10), self_taxed=True, household_taxed=True, total_income=1_400_000,
        pension_misc_income=1_400_000, taxable_pension_income=2_500_000, salary_income=0, special_deduction=0,
        non_taxable_pension_income=0, public_assistance=False, old_age_welfare_pension=False, line_no=2,
    )
    assert parsed.records[1].self_taxed is False and parsed.records[1].household_taxed is True


@pytest.mark.parametrize(
    ("changes", "attr", "expected"),
    [
        pytest.param({"total_income": "-1200000"}, "total_income", -1_200_000, id="negative-total-income"),
        pytest.param({"total_income": "00012"}, "total_income", 12, id="leading-zeros"),
        pytest.param({"salary_income": "99999999999"}, "salary_income", 99_999_999_999, id="eleven-digits"),
        pytest.param({"public_assistance": "1"}, "public_assistance", True, id="public-assistance"),
        pytest.param({"old_age_welfare_pension": "1"}, "old_age_welfare_pension", True, id="old-age-welfare"),
        pytest.param({"kind": "2"}, "kind", "correction", id="correction"),
        pytest.param({"relation": " head "}, "relation", "head", id="spaces-trimmed"),
    ],
)
def test_values_are_read(changes, attr, expected):
    parsed = parse_tax_file(file_of(encode({**ALONE, **changes})), fiscal_year=FY)
    assert parsed.errors == []
    assert getattr(parsed.records[0], attr) == expected


def test_the_documented_sample_is_valid_and_gives_the_stages_it_names():
    doc = (Path(__file__).resolve().parents[2] / "docs/subsystems/tax-feed.md").read_text(encoding="utf-8")
    sample = re.search(r"<!-- sample:start -->\n```csv\n(.*?)```\n<!-- sample:end -->", doc, re.DOTALL)[1]
    parsed = parse_tax_file(sample.encode("utf-8"), fiscal_year=FY)
    assert parsed.errors == [] and parsed.total_lines == len(parsed.records) == 10
    stages = {r.serial: stage_of(inputs_of(r), NATIONAL_STANDARD_FY2025_2026).stage for r in parsed.records
              if age_on(r.birth_date, date(FY, 4, 1)) >= 65}
    assert stages == {"261000000001": 7, "261000000002": 4, "261000000003": 2, "261000000004": 1,
                      "261000000007": 5, "261000000008": 3, "261000000009": 12, "262000000001": 3}
    assert parsed.records[-1].kind == "correction"


# ----- line errors ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    changes: dict = field(default_factory=dict)
    code: str = ""
    message: str = ""
    raw: str | None = None  # the whole line instead of ALONE with changes
    max_line_bytes: int = 4096
    serial: str | None = "261000000001"


CASES = {
    "blank": Case(raw="", code="blank_line", message="空行です。", serial=None),
    "too-long": Case({"birth_date": "1940-02-02" + " " * 300}, code="line_too_long",
                     message="1行が200バイトを超えています。", max_line_bytes=200, serial=None),
    "unbalanced-quote": Case(raw=encode(ALONE).replace(",head,", ',"head,'), code="csv_malformed",
                             message="引用符（\"）の対応が正しくありません。", serial=None),
    "too-few-fields": Case(raw=encode(ALONE).rsplit(",", 1)[0], code="field_count", message="項目数が16です（17項目必要です）。"),
    "control-character": Case({"relation": "he\tad"}, code="control_character", message="続柄に制御文字が含まれています。"),
    "serial-short": Case({"serial": "26100000001"}, code="serial_invalid", message="課税連番は12桁の数字で記録してください。",
                         serial=None),
    "serial-duplicate": Case({"serial": "261000000002"}, code="serial_duplicate",
                             message="課税連番が2行目と重複しています（後の行を受け付けません）。", serial="261000000002"),
    "kind-unknown": Case({"kind": "当初"}, code="kind_unknown", message="当初更正区分のコードが正しくありません（1: 当初, 2: 更正）。"),
    "required-salary": Case({"salary_income": ""}, code="required_missing", message="給与所得がありません（すべての項目が必須です）。"),
    "required-flag": Case({"old_age_welfare_pension": ""}, code="required_missing",
                          message="老齢福祉年金がありません（すべての項目が必須です）。"),
    "fiscal-year-format": Case({"fiscal_year": "R8"}, code="fiscal_year_invalid", message="年度は4桁の数字（西暦）で記録してください。"),
    "fiscal-year-other": Case({"fiscal_year": "2025"}, code="fiscal_year_mismatch",
                              message="年度が取り込む年度と異なります（2026年度のファイルとして取り込んでいます）。"),
    "person-id-letters": Case({"person_id": "10030000X"}, code="person_id_invalid",
                              message="宛名番号は15桁以内の数字で記録してください。"),
    "person-id-zero": Case({"person_id": "0000"}, code="person_id_invalid", message="宛名番号は15桁以内の数字で記録してください。"),
    "household-id-long": Case({"household_id": "5" * 16}, code="household_id_invalid",
                              message="世帯番号は15桁以内の数字で記録してください。"),
    "relation-unknown": Case({"relation": "世帯主"}, code="relation_invalid",
                             message="続柄のコードが正しくありません（head, spouse, child, parent, other）。"),
    "birth-date-not-real": Case({"birth_date": "1940-02-30"}, code="date_invalid", message="生年月日が存在しない日付です。"),
    "birth-date-format": Case({"birth_date": "1940/02/02"}, code="date_invalid",
                              message="生年月日の形式が正しくありません（YYYY-MM-DD）。"),
    "birth-date-too-old": Case({"birth_date": "1899-12-31"}, code="date_out_of_range", message="生年月日が1900年より前です。"),
    "self-taxed-word": Case({"self_taxed": "課税"}, code="taxation_invalid",
                            message="本人課税区分のコードが正しくありません（1: 課税, 2: 非課税）。"),
    "household-taxed-zero": Case({"household_taxed": "0"}, code="taxation_invalid",
                                 message="世帯課税区分のコードが正しくありません（1: 課税, 2: 非課税）。"),
    "total-income-yen-sign": Case({"total_income": "1,400,000"}, code="amount_invalid",
                                  message="合計所得金額は11桁以内の整数（負の値は先頭に-）で記録してください。"),
    "amount-twelve-digits": Case({"taxable_pension_income": "120000000000"}, code="amount_invalid",
                                 message="課税年金収入額は11桁以内の整数で記録してください。"),
    "amount-decimal": Case({"salary_income": "1200.5"}, code="amount_invalid",
                           message="給与所得は11桁以内の整数で記録してください。"),
    "salary-negative": Case({"salary_income": "-300000"}, code="amount_negative",
                            message="給与所得が負の値です（0以上で記録してください）。"),
    "special-deduction-negative": Case({"special_deduction": "-30000000"}, code="amount_negative",
                                       message="長期・短期譲渡所得の特別控除額が負の値です（0以上で記録してください）。"),
    "pension-negative": Case({"non_taxable_pension_income": "-900000"}, code="amount_negative",
                             message="非課税年金収入額が負の値です（0以上で記録してください）。"),
    "flag-word": Case({"public_assistance": "有"}, code="flag_invalid",
                      message="生活保護のコードが正しくありません（1: 受給, 0: 受給なし）。"),
    "taxed-in-untaxed-household": Case({"self_taxed": "1", "total_income": "2500000"},
                                       code="household_taxation_conflict",
                                       message="本人課税区分が課税ですが、世帯課税区分が非課税です。"),
    "person-duplicate": Case({"person_id": "100300001", "household_id": "500300001", "relation": "spouse"},
                             code="person_duplicate",
                             message="宛名番号が2行目と重複しています（当初の行は1人1行です。後の行を受け付けません）。"),
}


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_line_error(case):
    before = HEAD  # line 2; SPOUSE (line 4) completes its household
    bad = {**ALONE, **case.changes}
    raw = encode(bad) if case.raw is None else case.raw
    parsed = parse_tax_file(file_of(encode(before), raw, encode(SPOUSE)), fiscal_year=FY,
                            max_line_bytes=case.max_line_bytes)
    assert [(e.line_no, e.serial, e.code, e.message) for e in parsed.errors] == [
        (3, case.serial, case.code, f"3行目: {case.message}")
    ]
    assert [r.line_no for r in parsed.records] == [2, 4] and parsed.total_lines == 3 and not parsed.rejected
    for value in personal_values(bad):
        assert value not in parsed.errors[0].message


def test_every_error_code_of_the_parser_is_tested():
    source = (Path(__file__).resolve().parents[2] / "premiums/intake/tax_feed/parser.py").read_text(encoding="utf-8")
    codes = set(re.findall(r'Invalid\(\s*"([a-z_]+)"', source)) | {"household_head_missing", "household_head_duplicate"}
    tested = {c.code for c in CASES.values()} | {"household_head_missing", "household_head_duplicate"}
    assert codes <= tested


# ----- the household rule -------------------------------------------------------------------------


def test_a_household_without_its_head_line_is_rejected_whole():
    child = {**SPOUSE, "serial": "261000000004", "person_id": "100300003", "relation": "child",
             "birth_date": "1980-01-01"}
    parsed = parse_tax_file(file_of(encode(SPOUSE), encode(ALONE), encode(child)), fiscal_year=FY)
    assert [(e.line_no, e.code) for e in parsed.errors] == [(2, "household_head_missing"), (4, "household_head_missing")]
    assert parsed.errors[0].message == (
        "2行目: 同じ世帯番号の当初の行に世帯主（続柄head）の行がありません（世帯主の行に誤りがある場合を含みます）。"
        "この世帯の当初の行を受け付けません。")
    assert parsed.errors[0].serial == "261000000003"
    assert [r.line_no for r in parsed.records] == [3] and len(parsed.records) + len(parsed.errors) == parsed.total_lines


def test_a_head_line_that_is_rejected_takes_its_household_with_it():
    bad_head = {**HEAD, "salary_income": "-1"}
    parsed = parse_tax_file(file_of(encode(bad_head), encode(SPOUSE)), fiscal_year=FY)
    assert [(e.line_no, e.code) for e in parsed.errors] == [(2, "amount_negative"), (3, "household_head_missing")]
    assert parsed.records == []


def test_two_heads_reject_the_household():
    second = {**SPOUSE, "relation": "head"}
    parsed = parse_tax_file(file_of(encode(HEAD), encode(second), encode(ALONE)), fiscal_year=FY)
    assert [(e.line_no, e.code) for e in parsed.errors] == [(2, "household_head_duplicate"),
                                                             (3, "household_head_duplicate")]
    assert parsed.errors[1].message == ("3行目: 同じ世帯番号の当初の行に世帯主（続柄head）の行が複数あります。"
                                        "この世帯の当初の行を受け付けません。")
    assert [r.line_no for r in parsed.records] == [4]


def test_correction_lines_are_independent():
    corrected_spouse = {**SPOUSE, "kind": "2", "serial": "262000000001"}
    again = {**SPOUSE, "kind": "2", "serial": "262000000002", "total_income": "10"}
    parsed = parse_tax_file(file_of(encode(corrected_spouse), encode(again), encode(ALONE)), fiscal_year=FY)
    assert parsed.errors == [] and [r.kind for r in parsed.records] == ["correction", "correction", "initial"]


# ----- file errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "code", "message"),
    [
        pytest.param(b"", "empty_file", "ファイルが空です（ヘッダー行もありません）。", id="empty"),
        pytest.param(b"\xef\xbb\xbf" + file_of(encode(ALONE)), "bom",
                     "ファイルの先頭にBOMがあります。BOMなしのUTF-8で作成してください。", id="bom"),
        pytest.param(file_of(encode(ALONE)).decode().encode("shift_jis"), "encoding",
                     "1行目: 文字コードがUTF-8ではありません（Shift_JIS等で作成されていないか確認してください）。"
                     "ファイル全体を受け付けません。", id="shift-jis"),
        pytest.param(f"{encode(ALONE)}\n".encode(), "header_missing",
                     "1行目: ヘッダー行がありません。ファイル全体を受け付けません。", id="no-header"),
        pytest.param(file_of(encode(ALONE), header=HEADER.replace("給与所得", "給与収入")), "header_mismatch",
                     "1行目: ヘッダー行が所定の形式と異なります（13列目は「給与所得」です）。ファイル全体を受け付けません。",
                     id="renamed-column"),
    ],
)
def test_file_is_rejected(data, code, message):
    parsed = parse_tax_file(data, fiscal_year=FY)
    assert parsed.rejected and parsed.records == []
    assert [(e.code, e.message) for e in parsed.errors] == [(code, message)]


# ----- simulator --------------------------------------------------------------------------------------


def city_snapshots(households: int = 6_000, seed: int = 1) -> list[TaxSnapshot]:
    plan = CityPlan(seed=seed, as_of=date(FY, 4, 1))
    out, person = [], 100_000_001
    for n, household in enumerate(plan.households(0, households, set())):
        for m in household.members:
            out.append(TaxSnapshot(person, 500_000_001 + n, m.relation, m.birth_date, m.sex))
            person += 1
    return out


CITY = city_snapshots()


def test_simulated_file_parses_without_error_and_is_consistent():
    made = simulate_tax_file(CITY, fiscal_year=FY, seed=1, serial_start=261_000_000_001)
    parsed = parse_tax_file(made.data, fiscal_year=FY)
    assert parsed.errors == [] and parsed.records == made.records
    assert len(parsed.records) == len(CITY) and parsed.records[0].serial == "261000000001"
    households: dict[int, list[TaxRecord]] = {}
    for r in parsed.records:
        households.setdefault(r.household_id, []).append(r)
    for members in households.values():
        assert sum(m.relation == "head" for m in members) == 1
        assert {m.household_taxed for m in members} == {any(m.self_taxed for m in members)}


def test_every_stage_occurs_among_the_elderly_with_plausible_shares():
    records = parse_tax_file(simulate_tax_file(CITY, fiscal_year=FY, seed=1).data, fiscal_year=FY).records
    elderly = [r for r in records if age_on(r.birth_date, date(FY, 4, 1)) >= 65]
    stages = Counter(stage_of(inputs_of(r), NATIONAL_STANDARD_FY2025_2026).stage for r in elderly)
    assert set(stages) == set(range(1, 14))
    share = {k: v / len(elderly) for k, v in stages.items()}
    household_exempt = share[1] + share[2] + share[3]
    self_exempt = share[4] + share[5]
    assert 0.2 <= household_exempt <= 0.38 and 0.14 <= self_exempt <= 0.32 and 0.4 <= 1 - household_exempt - self_exempt
    assert share[6] + share[7] > share[8] + share[9] > share[10] + share[11] + share[12] + share[13] > 0
    assert 0.015 <= sum(r.public_assistance for r in elderly) / len(elderly) <= 0.05
    younger = [r for r in records if 23 <= age_on(r.birth_date, date(FY, 4, 1)) < 65]
    assert sum(r.salary_income > 0 for r in younger) / len(younger) >= 0.6
    pensions = sorted(r.taxable_pension_income for r in elderly)
    assert 1_000_000 <= pensions[len(pensions) // 2] <= 2_200_000  # a median pension of the elderly


def test_old_age_welfare_pension_occurs_in_a_larger_city():
    records = simulate_tax_file(city_snapshots(30_000, seed=2), fiscal_year=FY, seed=2).records
    assert 0 < sum(r.old_age_welfare_pension for r in records) < 100


def test_same_seed_same_file_other_seed_other_file():
    first = simulate_tax_file(CITY[:3000], fiscal_year=FY, seed=3, bad_lines=5).data
    assert first == simulate_tax_file(CITY[:3000], fiscal_year=FY, seed=3, bad_lines=5).data
    assert first != simulate_tax_file(CITY[:3000], fiscal_year=FY, seed=4, bad_lines=5).data


@pytest.mark.parametrize("bad_lines", [1, 9, 80])
def test_injected_faults_are_exactly_the_errors(bad_lines):
    made = simulate_tax_file(CITY[:4000], fiscal_year=FY, seed=bad_lines, bad_lines=bad_lines)
    parsed = parse_tax_file(made.data, fiscal_year=FY)
    assert {e.line_no: e.code for e in parsed.errors} == made.injected
    assert len(made.injected) == bad_lines and parsed.records == made.records
    if bad_lines == 80:
        assert set(made.injected.values()) == set(FAULTS)


def test_corrections_change_a_few_persons_and_keep_households_consistent():
    initial = simulate_tax_file(CITY, fiscal_year=FY, seed=1).records
    made = simulate_tax_corrections(initial, fiscal_year=FY, seed=1, share=0.03, serial_start=262_000_000_001,
                                    bad_lines=3)
    parsed = parse_tax_file(made.data, fiscal_year=FY)
    assert {e.line_no: e.code for e in parsed.errors} == made.injected and len(made.injected) == 3
    corrections = parsed.records
    assert all(r.kind == "correction" for r in corrections)
    assert 0.015 <= len(corrections) / len(initial) <= 0.06
    before = {r.person_id: r for r in initial}
    changed_figures = [r for r in corrections if (r.total_income, r.taxable_pension_income, r.salary_income)
                       != (before[r.person_id].total_income, before[r.person_id].taxable_pension_income,
                           before[r.person_id].salary_income)]
    assert len(changed_figures) >= 0.8 * len(corrections)
    assert any(r.self_taxed != before[r.person_id].self_taxed for r in corrections)


def test_tax_facts_for_is_pure_and_gives_a_household_one_head():
    members = [TaxSnapshot(1, 9, "spouse", date(1950, 1, 1), "2"), TaxSnapshot(2, 9, "child", date(1980, 1, 1), "1"),
               TaxSnapshot(3, 9, "other", date(1940, 1, 1), "1")]
    facts = tax_facts_for(members, FY, random.Random(5))
    assert facts == tax_facts_for(members, FY, random.Random(5))
    assert [f.relation for f in facts] == ["spouse", "child", "head"]  # the oldest, when the snapshot has no head
    assert {f.serial for f in facts} == {""} and {f.line_no for f in facts} == {0}
    two_heads = [replace(m, relation="head") for m in members]
    assert [f.relation for f in tax_facts_for(two_heads, FY, random.Random(5))] == ["head", "other", "other"]
    numbered = tax_facts_for(members, FY, random.Random(5), serials=iter(range(7, 10)))
    assert [f.serial for f in numbered] == ["000000000007", "000000000008", "000000000009"]
    assert parse_tax_file(file_of(*(line_encode(record_values(f)) for f in numbered)), fiscal_year=FY).errors == []


@pytest.mark.parametrize(
    ("measures", "ages", "taxed"),
    [
        pytest.param([450_000], [70], [False], id="alone-at-the-limit"),
        pytest.param([450_001], [70], [True], id="alone-over-the-limit"),
        pytest.param([1_010_000, 0], [75, 73], [False, False], id="couple-main-earner-at-the-limit"),
        pytest.param([1_010_001, 0], [75, 73], [True, False], id="couple-over"),
        pytest.param([1_350_000], [17], [False], id="minor"),
    ],
)
def test_household_taxation(measures, ages, taxed):
    assert household_taxation(measures, ages) == taxed


# ----- command ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_command_writes_the_initial_file_and_its_corrections(tmp_path):
    residents = [make_resident(birth_date=date(1930 + 8 * n, 5, 1)) for n in range(6)]
    gone = make_resident()
    Resident.objects.filter(pk=gone.pk).update(status=ResidenceStatus.DECEASED, died_on=date(2026, 1, 5))
    out = tmp_path / "tax.csv"
    call_command("simulate_tax_file", "--fiscal-year=2026", "--seed=3", f"--out={out}", "--bad-lines=2")
    parsed = parse_tax_file(out.read_bytes(), fiscal_year=FY)
    assert len(parsed.errors) == 2
    assert {r.person_id for r in parsed.records} == {r.pk for r in residents}
    assert parsed.records[0].serial.startswith("261")

    corrections = tmp_path / "tax-corrections.csv"
    call_command("simulate_tax_file", "--fiscal-year=2026", "--seed=3", f"--out={corrections}", "--corrections",
                 "--share=1")
    parsed = parse_tax_file(corrections.read_bytes(), fiscal_year=FY)
    assert parsed.errors == [] and {r.kind for r in parsed.records} == {"correction"}
    assert {r.person_id for r in parsed.records} == {r.pk for r in residents}
    assert parsed.records[0].serial == "262000000001"
