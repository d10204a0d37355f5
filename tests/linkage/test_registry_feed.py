"""The registry's change file (住基異動): strict parsing with line-level Japanese errors that never
repeat a personal value, and the simulator of the registry's side (round trip, determinism, shape)."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command

from eligibility.codes import ResidenceStatus, municipality_code
from eligibility.intake.format import ATTRS, HEADER, KIND_RULES, LAYOUT, KindOfChange, line_encode
from eligibility.intake.parser import RegistryRecord, kana_fold, parse_feed
from eligibility.models import Resident
from linkage.registry.simulator import ResidentSnapshot, simulate_day, simulate_day_with_faults
from tests.eligibility.factories import make_resident, synthetic_my_number

DAY = date(2026, 4, 6)
MY_NUMBER = synthetic_my_number(7)
IDENT = {"serial": "260406000002", "effective_on": "2026-04-01", "person_id": "100000123", "birth_date": "1955-06-15"}
NEW_PERSON = {
    "household_id": "500000077", "relation": "head", "name_kanji": "試験 花子", "name_kana": "シケン ハナコ",
    "sex": "2", "ward": "nakahara", "address": "神奈川県川崎市中原区試験町1丁目2番3号",
}
GOOD = {
    KindOfChange.MOVE_IN: {**IDENT, **NEW_PERSON, "kind": "A1", "notified_on": "2026-04-03", "my_number": MY_NUMBER,
                           "from_municipality": "131016", "facility_code": "1471000011"},
    KindOfChange.BIRTH: {**IDENT, **NEW_PERSON, "kind": "A2", "notified_on": "2026-04-03", "birth_date": "2026-04-01",
                         "relation": "child", "my_number": MY_NUMBER},
    KindOfChange.EX_OFFICIO_ENTRY: {**IDENT, **NEW_PERSON, "kind": "A3"},
    KindOfChange.MOVE_OUT: {**IDENT, "kind": "B1", "notified_on": "2026-03-25", "to_municipality": "141097",
                            "facility_code": "1410900011"},
    KindOfChange.DEATH: {**IDENT, "kind": "B2", "notified_on": "2026-04-02"},
    KindOfChange.EX_OFFICIO_REMOVAL: {**IDENT, "kind": "B3"},
    KindOfChange.MOVE_WITHIN: {**IDENT, "kind": "C1", "notified_on": "2026-04-02", "ward": "tama",
                               "address": "神奈川県川崎市多摩区試験町4丁目5番6号", "household_id": "500000078",
                               "relation": "head", "facility_code": "1471000011"},
    KindOfChange.NAME_CHANGE: {**IDENT, "kind": "C2", "notified_on": "2026-04-01", "name_kanji": "試験 花子",
                               "name_kana": "シケン ハナコ"},
    KindOfChange.HOUSEHOLD_CHANGE: {**IDENT, "kind": "C3", "notified_on": "2026-04-02", "household_id": "500000079",
                                    "relation": "spouse"},
    KindOfChange.CORRECTION: {**IDENT, "kind": "C4", "sex": "1"},
}


def encode(values: dict[str, str]) -> str:
    return line_encode([values.get(attr, "") for attr in ATTRS])


def feed_of(*lines: str, header: str = HEADER, newline: str = "\n") -> bytes:
    return newline.join([header, *lines, LAYOUT.trailer(lines), ""]).encode("utf-8")


def personal_values(values: dict[str, str]) -> list[str]:
    return [v for attr, v in values.items() if attr not in ("kind", "serial") and len(v) >= 4]


# ----- good lines ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(KindOfChange), ids=[k.value for k in KindOfChange])
def test_good_line_of_every_kind(kind):
    values = GOOD[kind]
    feed = parse_feed(feed_of(encode(values)), today=DAY)
    assert feed.errors == [] and feed.total_lines == 1
    (record,) = feed.records
    assert record.line_no == 2 and record.kind == kind.value and record.serial == "260406000002"
    assert record.person_id == 100000123
    for attr in ATTRS:
        expected = values.get(attr) or None
        got = getattr(record, attr)
        assert (got.isoformat() if isinstance(got, date) else None if got is None else str(got)) == expected, attr


def test_every_kind_has_a_rule_and_a_good_line():
    assert set(KIND_RULES) == set(KindOfChange) == set(GOOD)


def test_move_in_record_exactly():
    (record,) = parse_feed(feed_of(encode(GOOD[KindOfChange.MOVE_IN])), today=DAY).records
    assert record == RegistryRecord(
        line_no=2, serial="260406000002", kind="A1", effective_on=date(2026, 4, 1), notified_on=date(2026, 4, 3),
        person_id=100000123, household_id=500000077, relation="head", my_number=MY_NUMBER, name_kanji="試験 花子",
        name_kana="シケン ハナコ", sex="2", birth_date=date(1955, 6, 15), ward="nakahara",
        address="神奈川県川崎市中原区試験町1丁目2番3号", from_municipality="131016", to_municipality=None,
        facility_code="1471000011",
    )


@pytest.mark.parametrize(
    ("written", "folded"),
    [
        pytest.param("ｼｹﾝ ﾊﾅｺ", "シケン ハナコ", id="half-width"),
        pytest.param("ｶﾞｯｺｳ ﾀﾛｳ", "ガッコウ タロウ", id="half-width-voiced"),
        pytest.param("しけん　はなこ", "シケン ハナコ", id="hiragana-ideographic-space"),
        pytest.param("シケン   ハナコ", "シケン ハナコ", id="many-spaces"),
        pytest.param("ｼｹﾝ･ﾊﾅｺ", "シケンハナコ", id="middle-dot-dropped"),
        pytest.param("ヴァン ユーリー", "ヴァン ユーリー", id="long-vowel-kept"),
    ],
)
def test_kana_is_folded(written, folded):
    assert kana_fold(written) == folded
    values = {**GOOD[KindOfChange.NAME_CHANGE], "name_kana": written}
    (record,) = parse_feed(feed_of(encode(values)), today=DAY).records
    assert record.name_kana == folded


def test_crlf_quoted_comma_and_spaces_are_accepted():
    values = {**GOOD[KindOfChange.MOVE_WITHIN], "address": "神奈川県川崎市多摩区試験町4-5-6, 試験荘101", "ward": " tama "}
    feed = parse_feed(feed_of(encode(values), newline="\r\n"), today=DAY)
    assert feed.errors == []
    assert feed.records[0].address == "神奈川県川崎市多摩区試験町4-5-6, 試験荘101" and feed.records[0].ward == "tama"


def test_abroad_is_a_municipality():
    values = {**GOOD[KindOfChange.MOVE_OUT], "to_municipality": "999999"}
    assert parse_feed(feed_of(encode(values)), today=DAY).records[0].to_municipality == "999999"


def test_move_out_may_be_notified_before_the_move():
    values = {**GOOD[KindOfChange.MOVE_OUT], "effective_on": "2026-04-15", "notified_on": "2026-04-03"}
    assert parse_feed(feed_of(encode(values)), today=DAY).errors == []


@pytest.mark.parametrize(("first_five", "code"), [("14130", "141305"), ("13101", "131016"), ("14100", "141003"),
                                                   ("14131", "141313"), ("01100", "011002")])
def test_municipality_check_digit(first_five, code):
    assert municipality_code(first_five) == code


def test_the_documented_sample_is_valid():
    doc = (Path(__file__).resolve().parents[2] / "docs/subsystems/registry-feed.md").read_text(encoding="utf-8")
    sample = re.search(r"<!-- sample:start -->\n```csv\n(.*?)```\n<!-- sample:end -->", doc, re.DOTALL)[1]
    feed = parse_feed(sample.encode("utf-8"), today=DAY)
    assert feed.errors == [] and feed.total_lines == len(feed.records) == 13
    assert {r.kind for r in feed.records} == set(KindOfChange.values)
    assert feed.records[1].name_kana == "シケン ハナコ"  # written in half-width katakana


# ----- line errors ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    kind: str
    changes: dict = field(default_factory=dict)
    code: str = ""
    message: str = ""
    raw: str | None = None  # the whole line instead of GOOD[kind] with changes
    max_line_bytes: int = 4096
    serial: str | None = "260406000002"


CASES = {
    "blank": Case("A1", raw="", code="blank_line", message="空行です。", serial=None),
    "too-long": Case("A1", {"address": "試験町" * 60}, code="line_too_long", message="1行が300バイトを超えています。",
                     max_line_bytes=300, serial=None),
    "unbalanced-quote": Case("A1", raw=encode(GOOD["A1"]).replace("神奈川県", '"神奈川県'), code="csv_malformed",
                             message="引用符（\"）の対応が正しくありません。", serial=None),
    "quote-inside-field": Case("A1", raw=encode(GOOD["A1"]).replace("神奈川県川崎市中原区試験町1丁目2番3号", '"神奈川"県"'),
                               code="csv_malformed", message="引用符（\"）の対応が正しくありません。", serial=None),
    "too-few-fields": Case("A1", raw=encode(GOOD["A1"]).rsplit(",", 1)[0], code="field_count",
                           message="項目数が16です（17項目必要です）。"),
    "too-many-fields": Case("A1", raw=encode(GOOD["A1"]) + ",", code="field_count", message="項目数が18です（17項目必要です）。"),
    "control-character": Case("A1", {"name_kanji": "試験\t花子"}, code="control_character",
                              message="氏名に制御文字が含まれています。"),
    "line-separator": Case("C2", {"name_kanji": "試験\u2028花子"}, code="control_character",
                           message="氏名に制御文字が含まれています。"),
    "c1-control": Case("C1", {"address": "神奈川県川崎市\x85多摩区"}, code="control_character",
                       message="住所に制御文字が含まれています。"),
    "serial-short": Case("A1", {"serial": "26040600002"}, code="serial_invalid",
                         message="異動連番は12桁の数字で記録してください。", serial=None),
    "serial-duplicate": Case("A1", {"serial": "260406000001"}, code="serial_duplicate",
                             message="異動連番が2行目と重複しています（後の行を受け付けません）。", serial="260406000001"),
    "kind-unknown": Case("A1", {"kind": "転入"}, code="kind_unknown",
                         message="異動事由のコードが正しくありません（A1〜A3, B1〜B3, C1〜C4）。"),
    "required-name": Case("A1", {"name_kanji": ""}, code="required_missing", message="氏名がありません（転入では必須です）。"),
    "required-origin": Case("A1", {"from_municipality": ""}, code="required_missing",
                            message="前住所市町村コードがありません（転入では必須です）。"),
    "required-birth-date": Case("B2", {"birth_date": ""}, code="required_missing",
                                message="生年月日がありません（死亡では必須です）。"),
    "required-notified": Case("B2", {"notified_on": ""}, code="required_missing",
                              message="届出日がありません（死亡では必須です）。"),
    "pair-household": Case("C1", {"relation": ""}, code="required_missing",
                           message="続柄がありません（世帯番号と組で必要です）。"),
    "pair-name": Case("C4", {"name_kana": "シケン ハナコ"}, code="required_missing",
                      message="氏名がありません（氏名カナと組で必要です）。"),
    "not-allowed-my-number": Case("B1", {"my_number": MY_NUMBER}, code="field_not_allowed",
                                  message="個人番号は転出では記録できません。"),
    "not-allowed-destination": Case("A1", {"to_municipality": "141003"}, code="field_not_allowed",
                                    message="転出先市町村コードは転入では記録できません。"),
    "date-not-real": Case("B2", {"effective_on": "2025-02-30"}, code="date_invalid", message="異動日が存在しない日付です。"),
    "date-format": Case("B2", {"effective_on": "2026/04/01"}, code="date_invalid",
                        message="異動日の形式が正しくありません（YYYY-MM-DD）。"),
    "date-full-width": Case("B2", {"birth_date": "１９５５-０６-１５"}, code="date_invalid",
                            message="生年月日の形式が正しくありません（YYYY-MM-DD）。"),
    "date-too-old": Case("B2", {"birth_date": "1899-12-31"}, code="date_out_of_range",
                         message="生年月日が1900年より前です。"),
    "effective-far-future": Case("B1", {"effective_on": "2026-05-08"}, code="effective_in_future",
                                 message="異動日が処理日の31日後より先です。"),
    "notified-future": Case("B1", {"notified_on": "2026-04-07"}, code="notified_in_future",
                            message="届出日が処理日より後です。"),
    "born-after-move-in": Case("A1", {"birth_date": "2026-04-02"}, code="birth_after_effective",
                               message="生年月日が異動日より後です。"),
    "death-before-birth": Case("B2", {"effective_on": "1955-06-14", "notified_on": "2026-04-02"},
                               code="death_before_birth", message="死亡日（異動日）が生年月日より前です。"),
    "birth-date-mismatch": Case("A2", {"birth_date": "2026-03-31"}, code="birth_date_mismatch",
                                message="出生の異動日と生年月日が一致しません。"),
    "notified-before-death": Case("B2", {"notified_on": "2026-03-31"}, code="notified_before_effective",
                                  message="届出日が異動日より前です。"),
    "person-id-letters": Case("B2", {"person_id": "10000012X"}, code="person_id_invalid",
                              message="宛名番号は15桁以内の数字で記録してください。"),
    "person-id-zero": Case("B2", {"person_id": "0000"}, code="person_id_invalid",
                           message="宛名番号は15桁以内の数字で記録してください。"),
    "household-id-long": Case("C3", {"household_id": "5" * 16}, code="household_id_invalid",
                              message="世帯番号は15桁以内の数字で記録してください。"),
    "relation-unknown": Case("C3", {"relation": "世帯主"}, code="relation_invalid",
                             message="続柄のコードが正しくありません（head, spouse, child, parent, other）。"),
    "my-number-short": Case("A1", {"my_number": MY_NUMBER[:11]}, code="my_number_invalid",
                            message="個人番号は12桁の数字で記録してください。"),
    "my-number-check-digit": Case("A1", {"my_number": MY_NUMBER[:11] + str((int(MY_NUMBER[11]) + 1) % 10)},
                                  code="my_number_check_digit", message="個人番号の検査用数字が正しくありません。"),
    "name-too-long": Case("C2", {"name_kanji": "試" * 51}, code="name_too_long", message="氏名が50文字を超えています。"),
    "kana-too-long": Case("C2", {"name_kana": "シ" * 61}, code="kana_too_long", message="氏名カナが60文字を超えています。"),
    "kana-kanji": Case("C2", {"name_kana": "試験 花子"}, code="kana_invalid", message="氏名カナにカタカナ以外の文字があります。"),
    "kana-latin": Case("C2", {"name_kana": "SHIKEN HANAKO"}, code="kana_invalid",
                       message="氏名カナにカタカナ以外の文字があります。"),
    "sex-unknown": Case("C4", {"sex": "3"}, code="sex_invalid", message="性別のコードが正しくありません（1: 男, 2: 女）。"),
    "ward-unknown": Case("C1", {"ward": "yokohama"}, code="ward_invalid", message="区のコードが正しくありません。"),
    "address-too-long": Case("C1", {"address": "試" * 201}, code="address_too_long", message="住所が200文字を超えています。"),
    "municipality-check-digit": Case("A1", {"from_municipality": "131017"}, code="municipality_code_invalid",
                                     message="前住所市町村コードの検査数字が正しくありません。"),
    "municipality-format": Case("B1", {"to_municipality": "14100"}, code="municipality_code_invalid",
                                message="転出先市町村コードは6桁の数字で記録してください（国外は999999）。"),
    "municipality-own-city": Case("A1", {"from_municipality": "141305"}, code="municipality_own_city",
                                  message="前住所市町村コードが本市のコードです（市内の異動は転居です）。"),
    "municipality-own-ward": Case("B1", {"to_municipality": "141313"}, code="municipality_own_city",
                                  message="転出先市町村コードが本市のコードです（市内の異動は転居です）。"),
    "facility-code": Case("C1", {"facility_code": "施設-0001"}, code="facility_code_invalid",
                          message="施設コードは10文字以内の英数字で記録してください。"),
}


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_line_error(case):
    before = {**GOOD["B3"], "serial": "260406000001"}
    after = {**GOOD["C2"], "serial": "260406000003"}
    bad = {**GOOD[case.kind], **case.changes}
    raw = encode(bad) if case.raw is None else case.raw
    feed = parse_feed(feed_of(encode(before), raw, encode(after)), today=DAY, max_line_bytes=case.max_line_bytes)
    assert [(e.line_no, e.serial, e.code, e.message) for e in feed.errors] == [
        (3, case.serial, case.code, f"3行目: {case.message}")
    ]
    assert [r.line_no for r in feed.records] == [2, 4] and feed.total_lines == 3 and not feed.rejected
    for value in personal_values(bad):
        assert value not in feed.errors[0].message


def test_every_bad_line_is_one_error_and_the_rest_is_read():
    lines = []
    plain = [c for c in CASES.values() if c.raw is None and c.max_line_bytes == 4096 and "serial" not in c.changes]
    for n, case in enumerate(plain):
        lines.append(encode({**GOOD[case.kind], **case.changes, "serial": f"{n + 100:012d}"}))
        lines.append(encode({**GOOD["B3"], "serial": f"{n + 900:012d}"}))
    feed = parse_feed(feed_of(*lines), today=DAY)
    assert len(feed.errors) + len(feed.records) == feed.total_lines == len(lines)
    assert [e.line_no for e in feed.errors] == list(range(2, 2 + len(lines), 2))


# ----- file errors ----------------------------------------------------------------------------------

GOOD_LINE = encode(GOOD["A1"])


@pytest.mark.parametrize(
    ("data", "line_no", "code", "message"),
    [
        pytest.param(b"", 1, "empty_file", "ファイルが空です（ヘッダー行もありません）。", id="empty"),
        pytest.param(b"\xef\xbb\xbf" + feed_of(GOOD_LINE), 1, "bom",
                     "ファイルの先頭にBOMがあります。BOMなしのUTF-8で作成してください。", id="bom"),
        pytest.param(feed_of(GOOD_LINE).decode().encode("shift_jis"), 1, "encoding",
                     "1行目: 文字コードがUTF-8ではありません（Shift_JIS等で作成されていないか確認してください）。"
                     "ファイル全体を受け付けません。", id="shift-jis"),
        pytest.param(feed_of(GOOD_LINE).replace(b"\n2604", "\n試験".encode("cp932") + b"\n2604", 1), 2, "encoding",
                     "2行目: 文字コードがUTF-8ではありません（Shift_JIS等で作成されていないか確認してください）。"
                     "ファイル全体を受け付けません。", id="one-line-cp932"),
        pytest.param(f"{GOOD_LINE}\n".encode(), 1, "header_missing",
                     "1行目: ヘッダー行がありません。ファイル全体を受け付けません。", id="no-header"),
        pytest.param(feed_of(GOOD_LINE, header=HEADER.replace("届出日", "届出年月日")), 1, "header_mismatch",
                     "1行目: ヘッダー行が所定の形式と異なります（4列目は「届出日」です）。ファイル全体を受け付けません。",
                     id="renamed-column"),
        pytest.param(feed_of(GOOD_LINE, header=HEADER.rsplit(",", 1)[0]), 1, "header_mismatch",
                     "1行目: ヘッダー行が所定の形式と異なります（17列目「施設コード」がありません）。ファイル全体を受け付けません。",
                     id="missing-column"),
    ],
)
def test_file_is_rejected(data, line_no, code, message):
    feed = parse_feed(data, today=DAY)
    assert feed.rejected and feed.records == []
    assert [(e.line_no, e.serial, e.code, e.message) for e in feed.errors] == [(line_no, None, code, message)]


def test_header_only_is_an_empty_day():
    feed = parse_feed(feed_of(), today=DAY)
    assert (feed.records, feed.errors, feed.total_lines, feed.rejected) == ([], [], 0, False)


# ----- simulator --------------------------------------------------------------------------------------

FACILITIES = ("1471000011", "1471000029", "1471000037")
OUTSIDE = {"1410900011": "141097", "1320900012": "132098"}  # facilities elsewhere -> their municipality


def snapshot_city(count: int = 6_000) -> list[ResidentSnapshot]:
    import random

    rng = random.Random(42)
    out = []
    for n in range(count):
        born = DAY - timedelta(days=rng.randrange(100 * 365))
        status = (ResidenceStatus.RESIDENT if n % 25
                  else rng.choice([ResidenceStatus.DECEASED, ResidenceStatus.MOVED_OUT]))
        out.append(ResidentSnapshot(100_000_001 + n, 500_000_001 + n // 2, born,
                                    rng.choice(["kawasaki", "nakahara", "tama", "asao"]), status, rng.choice("12")))
    return out


CITY = snapshot_city()


def simulated(size: int, *, seed: int = 1, bad_lines: int = 0, residents=CITY):
    return simulate_day_with_faults(
        residents, day=DAY, size=size, seed=seed, new_person_ids=itertools.count(900_000_001),
        new_household_ids=itertools.count(800_000_001), facility_codes=FACILITIES, bad_lines=bad_lines,
        serial_start=260406000001, outside_facilities=OUTSIDE,
    )


def test_simulated_day_parses_without_error():
    day = simulated(3_000)
    feed = parse_feed(day.data, today=DAY)
    assert feed.errors == [] and len(feed.records) == feed.total_lines == 3_000
    assert Counter(r.kind for r in feed.records) == day.counts
    assert set(day.counts) == set(KindOfChange.values)  # every kind occurs on a day of this size


@pytest.mark.parametrize("bad_lines", [1, 7, 60])
def test_injected_faults_are_exactly_the_errors(bad_lines):
    day = simulated(1_500, bad_lines=bad_lines, seed=bad_lines)
    feed = parse_feed(day.data, today=DAY)
    assert {e.line_no: e.code for e in feed.errors} == day.injected
    assert len(day.injected) == bad_lines and len(feed.records) == 1_500 - bad_lines
    if bad_lines == 60:
        assert len(set(day.injected.values())) >= 8  # faults of several kinds


def test_same_seed_same_file_other_seed_other_file():
    first = simulate_day(CITY, day=DAY, size=500, seed=3, new_person_ids=itertools.count(1),
                         new_household_ids=itertools.count(1), bad_lines=5)
    again = simulate_day(CITY, day=DAY, size=500, seed=3, new_person_ids=itertools.count(1),
                         new_household_ids=itertools.count(1), bad_lines=5)
    other = simulate_day(CITY, day=DAY, size=500, seed=4, new_person_ids=itertools.count(1),
                         new_household_ids=itertools.count(1), bad_lines=5)
    assert first == again != other


def test_simulated_day_looks_like_spring():
    records = parse_feed(simulated(5_000).data, today=DAY).records
    kinds = Counter(r.kind for r in records)
    moves = kinds["A1"] + kinds["B1"] + kinds["C1"]
    assert moves / len(records) >= 0.7  # mostly moves in the moving season
    assert kinds["C3"] > kinds["A2"] > kinds["C2"] > 0 and kinds["B2"] > 0

    by_id = {r.person_id: r for r in CITY}
    existing = [r for r in records if r.kind[0] in "BC"]
    assert all(r.person_id in by_id for r in existing)
    assert all(by_id[r.person_id].status == ResidenceStatus.RESIDENT for r in existing)
    assert len({r.person_id for r in existing}) == len(existing)  # a person changes at most once a day
    created = [r for r in records if r.kind[0] == "A"]
    assert sorted(r.person_id for r in created) == list(range(900_000_001, 900_000_001 + len(created)))

    def age(r):
        return (r.effective_on - r.birth_date).days // 365

    deaths = sorted(age(r) for r in records if r.kind == "B2")
    assert deaths[len(deaths) // 2] >= 75  # deaths weighted to the old
    move_ins = [r for r in records if r.kind == "A1"]
    assert sum(age(r) >= 65 for r in move_ins) >= 0.03 * len(move_ins)
    into_facility = [r for r in records if r.facility_code and r.kind != "B1"]
    assert into_facility and {r.facility_code for r in into_facility} <= set(FACILITIES)
    assert all(r.kind in ("A1", "C1") and age(r) >= 65 for r in into_facility)
    out_to_facility = [r for r in records if r.facility_code and r.kind == "B1"]
    assert out_to_facility and all(OUTSIDE[r.facility_code] == r.to_municipality for r in out_to_facility)
    assert all(age(r) >= 75 for r in out_to_facility)
    assert any(r.from_municipality == "999999" for r in move_ins)
    # both kinds of 転出 (法 §11): to another municipality (lost that day) and abroad (the day after)
    move_outs = [r for r in records if r.kind == "B1"]
    abroad = sum(r.to_municipality == "999999" for r in move_outs)
    assert 0 < abroad < 0.1 * len(move_outs)
    assert all(r.to_municipality == "999999" or r.to_municipality[:5] != "99999" for r in move_outs)

    recent = sum(1 <= (DAY - r.effective_on).days <= 7 for r in records)
    weeks_old = sum((DAY - r.effective_on).days >= 14 for r in records)
    ahead = sum(r.effective_on > DAY for r in records)
    assert recent / len(records) >= 0.8 and weeks_old / len(records) >= 0.03 and ahead > 0
    assert all(r.notified_on is None or r.notified_on < DAY for r in records)


def test_simulator_falls_back_to_move_ins_in_a_tiny_city():
    tiny = CITY[:3]
    feed = parse_feed(simulated(200, residents=tiny).data, today=DAY)
    assert feed.errors == [] and len(feed.records) == 200
    assert sum(r.kind[0] != "A" for r in feed.records) <= 3


@pytest.mark.parametrize(("size", "bad_lines"), [(10, 11), (-1, 0)])
def test_simulator_refuses_impossible_sizes(size, bad_lines):
    with pytest.raises(ValueError):
        simulated(size, bad_lines=bad_lines)


# ----- command ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_command_writes_a_day_for_the_residents_in_the_database(tmp_path):
    residents = [make_resident(birth_date=date(1930 + 10 * n, 5, 1)) for n in range(5)]
    gone = make_resident()
    Resident.objects.filter(pk=gone.pk).update(status=ResidenceStatus.DECEASED, died_on=date(2026, 1, 5))
    known = {r.pk for r in residents}
    facility = apps.get_model("eligibility", "Facility")  # the facility master
    facility.objects.create(code="1413000011", name="試験ホーム", kind="special", municipality="141305")
    facility.objects.create(code="1410900011", name="見本ホーム", kind="special", municipality="141097")
    out = tmp_path / "registry.csv"

    call_command("simulate_registry_day", "--size=2000", "--day=2026-04-06", "--seed=9", f"--out={out}")

    data = out.read_bytes()
    feed = parse_feed(data, today=DAY)
    assert feed.errors == [] and len(feed.records) == 2000
    assert {r.facility_code for r in feed.records if r.facility_code} == {"1413000011"}  # moves into this city's
    assert feed.records[0].serial == "260406000001"
    changed = {r.person_id for r in feed.records if r.kind[0] in "BC"}
    assert changed and changed <= known  # existing persons only, never the deceased one
    new_ids = [r.person_id for r in feed.records if r.kind[0] == "A"]
    assert min(new_ids) > max(known | {gone.pk}) and len(set(new_ids)) == len(new_ids)
    existing_households = set(Resident.objects.values_list("household_id", flat=True))
    new_households = {r.household_id for r in feed.records if r.kind == "A1" and r.relation == "head"}
    assert new_households and not new_households & existing_households

    bad = tmp_path / "registry-bad.csv"
    call_command("simulate_registry_day", "--size=120", "--day=2026-04-06", "--seed=9", f"--out={bad}",
                 "--bad-lines=4")
    assert len(parse_feed(bad.read_bytes(), today=DAY).errors) == 4
