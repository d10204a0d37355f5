"""Premium rules: rate tables and the income stage (premiums/rules/tables.py, stage.py).
Pure functions, no database."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from premiums.rules import (
    NATIONAL_STANDARD_9TH,
    NATIONAL_STANDARD_FY2024,
    NATIONAL_STANDARD_FY2025_2026,
    RateTable,
    RateTableError,
    Stage,
    StageGroup,
    StageInputError,
    StageInputs,
    StageReason,
    stage_of,
    table_for,
)
from premiums.rules.stage import stage_sentence
from premiums.rules.tables import man_yen

HE, SE, ST = StageGroup.HOUSEHOLD_EXEMPT, StageGroup.SELF_EXEMPT, StageGroup.SELF_TAXED
FY24, FY25 = NATIONAL_STANDARD_FY2024, NATIONAL_STANDARD_FY2025_2026
D = Decimal


def household_exempt(pension, income=0, **kw):
    return StageInputs(
        self_taxed=False,
        household_taxed=False,
        total_income=income,
        taxable_pension_income=pension,
        **kw,
    )


def self_exempt(pension, income=0, **kw):
    return StageInputs(
        self_taxed=False,
        household_taxed=True,
        total_income=income,
        taxable_pension_income=pension,
        **kw,
    )


def taxed(income, pension=0, **kw):
    return StageInputs(
        self_taxed=True,
        household_taxed=True,
        total_income=income,
        taxable_pension_income=pension,
        **kw,
    )


# --- the tables -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fiscal_year", "expected"),
    [
        pytest.param(2024, FY24, id="fy2024-80man"),
        pytest.param(2025, FY25, id="fy2025-80.9man"),
        pytest.param(2026, FY25, id="fy2026-80.9man"),
    ],
)
def test_table_for_picks_the_year(fiscal_year, expected):
    assert table_for(NATIONAL_STANDARD_9TH, fiscal_year) is expected


@pytest.mark.parametrize(
    ("tables", "fiscal_year", "code", "message"),
    [
        pytest.param(
            NATIONAL_STANDARD_9TH,
            2023,
            "premium_rate_table_missing",
            "2023年度に適用する保険料率表がありません。",
            id="before-9th",
        ),
        pytest.param(
            NATIONAL_STANDARD_9TH,
            2027,
            "premium_rate_table_missing",
            "2027年度に適用する保険料率表がありません。",
            id="after-9th",
        ),
        pytest.param(
            (),
            2025,
            "premium_rate_table_missing",
            "2025年度に適用する保険料率表がありません。",
            id="no-table",
        ),
        pytest.param(
            (FY24, FY25, replace(FY25, name="市独自", valid_from=2026, valid_to=None)),
            2024,
            "premium_rate_table",
            "保険料率表「第9期 国の標準段階（令和7・8年度）」と「市独自」の適用年度が重なっています（2026年度）。",
            id="overlap-elsewhere-refused-too",
        ),
        pytest.param(
            (replace(FY24, valid_to=None), FY25),
            2025,
            "premium_rate_table",
            "保険料率表「第9期 国の標準段階（令和6年度）」と「第9期 国の標準段階（令和7・8年度）」の適用年度が重なっています（2025年度）。",
            id="open-ended-then-another",
        ),
    ],
)
def test_table_for_refuses_missing_and_overlapping(tables, fiscal_year, code, message):
    with pytest.raises(RateTableError) as raised:
        table_for(tables, fiscal_year)
    assert raised.value.code == code
    assert raised.value.message == message


def test_table_for_accepts_an_open_ended_last_table():
    city = replace(FY25, name="市独自（令和9年度から）", valid_from=2027, valid_to=None)
    assert table_for((*NATIONAL_STANDARD_9TH, city), 2031) is city


# number, group, upper, upper inclusive, multiplier, reduced (DOMAIN 2.3, 2.4, 11)
STANDARD = [
    (1, HE, "low1", True, "0.455", "0.285"),
    (2, HE, 1_200_000, True, "0.685", "0.485"),
    (3, HE, None, True, "0.69", "0.685"),
    (4, SE, "low1", True, "0.9", None),
    (5, SE, None, True, "1.0", None),
    (6, ST, 1_200_000, False, "1.2", None),
    (7, ST, 2_100_000, False, "1.3", None),
    (8, ST, 3_200_000, False, "1.5", None),
    (9, ST, 4_200_000, False, "1.7", None),
    (10, ST, 5_200_000, False, "1.9", None),
    (11, ST, 6_200_000, False, "2.1", None),
    (12, ST, 7_200_000, False, "2.3", None),
    (13, ST, None, False, "2.4", None),
]


@pytest.mark.parametrize(
    ("table", "low1", "years"),
    [
        pytest.param(FY24, 800_000, (2024, 2024), id="fy2024"),
        pytest.param(FY25, 809_000, (2025, 2026), id="fy2025-2026"),
    ],
)
def test_national_standard_9th(table, low1, years):
    assert (table.valid_from, table.valid_to) == years
    assert table.base_amount == 78_000  # assumed CONFIG value (docs/subsystems/premium-rules.md)
    rows = [
        (s.number, s.group, s.income_upper, s.upper_inclusive, s.multiplier, s.reduced_multiplier)
        for s in table.stages
    ]
    assert rows == [
        (n, g, low1 if u == "low1" else u, inc, D(m), None if r is None else D(r))
        for n, g, u, inc, m, r in STANDARD
    ]
    assert [s.label for s in table.stages] == [f"第{n}段階" for n in range(1, 14)]
    assert (table.public_assistance_stage, table.old_age_welfare_pension_stage) == (1, 1)


def _stages(**change):
    """The FY2025 stages with one stage replaced: change={"index": i, field: value}."""
    stages = list(FY25.stages)
    index = change.pop("index")
    stages[index] = replace(stages[index], **change) if change else None
    return tuple(s for s in stages if s is not None)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        pytest.param(
            {"valid_to": 2024},
            "保険料率表「第9期 国の標準段階（令和7・8年度）」の適用年度の終わりが始まりより前です。",
            id="years-reversed",
        ),
        pytest.param(
            {"base_amount": 0},
            "保険料率表「第9期 国の標準段階（令和7・8年度）」の基準額が不正です。",
            id="base-zero",
        ),
        pytest.param(
            {"stages": _stages(index=4)},
            "保険料率表「第9期 国の標準段階（令和7・8年度）」の段階は1から順に並べてください。",
            id="stage-missing",
        ),
        pytest.param(
            {"stages": FY25.stages[:5]},
            "保険料率表「第9期 国の標準段階（令和7・8年度）」に本人課税の段階がありません。",
            id="group-missing",
        ),
        pytest.param(
            {"stages": _stages(index=12, income_upper=9_000_000)},
            "保険料率表「第9期 国の標準段階（令和7・8年度）」の本人課税の段階は、最後の段階だけ上限なしにしてください。",
            id="top-band-bounded",
        ),
        pytest.param(
            {"stages": _stages(index=6, income_upper=1_000_000)},
            "保険料率表「第9期 国の標準段階（令和7・8年度）」の本人課税の所得の上限は昇順にしてください。",
            id="bands-descending",
        ),
        pytest.param(
            {"stages": _stages(index=1, income_upper=809_000)},
            "保険料率表「第9期 国の標準段階（令和7・8年度）」の世帯非課税の所得の上限は昇順にしてください。",
            id="bands-equal",
        ),
        pytest.param(
            {"public_assistance_stage": 14},
            "保険料率表「第9期 国の標準段階（令和7・8年度）」に第14段階がありません。",
            id="assistance-stage-unknown",
        ),
    ],
)
def test_rate_table_refuses_malformed_tables(changes, message):
    with pytest.raises(RateTableError) as raised:
        replace(FY25, **changes)
    assert raised.value.message == message


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param(
            {"multiplier": 1.2}, "第6段階の保険料率はDecimalで指定してください。", id="float-rate"
        ),
        pytest.param(
            {"multiplier": D("0")}, "第6段階の保険料率は正の値で指定してください。", id="zero-rate"
        ),
        pytest.param(
            {"reduced_multiplier": D("1.3")},
            "第6段階の軽減後の保険料率が不正です。",
            id="reduced-above-standard",
        ),
        pytest.param({"income_upper": -1}, "第6段階の所得の上限が不正です。", id="negative-upper"),
    ],
)
def test_stage_refuses_bad_values(kwargs, message):
    values = {
        "number": 6,
        "group": ST,
        "income_upper": 1_200_000,
        "upper_inclusive": False,
        "multiplier": D("1.2"),
    }
    with pytest.raises(RateTableError) as raised:
        Stage(**(values | kwargs))
    assert raised.value.message == message


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        pytest.param(809_000, "80.9万円", id="80.9man"),
        pytest.param(800_000, "80万円", id="80man"),
        pytest.param(1_200_000, "120万円", id="120man"),
        pytest.param(7_200_000, "720万円", id="720man"),
        pytest.param(180_000, "18万円", id="18man"),
        pytest.param(1_234_567, "1,234,567円", id="odd-amount"),
        pytest.param(0, "0円", id="zero"),
    ],
)
def test_man_yen(amount, text):
    assert man_yen(amount) == text


# --- every boundary on both sides -------------------------------------------------------------

# (table, inputs, stage): exempt bands are "以下" (equal -> this stage, one yen over -> next);
# taxed bands are "未満" (one yen under -> this stage, equal and one over -> next).
BOUNDARIES = [
    # 世帯非課税, FY2025-: 80.9万円 / 120万円
    pytest.param(FY25, household_exempt(0), 1, id="fy25-he-zero-1"),
    pytest.param(FY25, household_exempt(809_000), 1, id="fy25-he-809000-1"),
    pytest.param(FY25, household_exempt(809_001), 2, id="fy25-he-809001-2"),
    pytest.param(FY25, household_exempt(1_200_000), 2, id="fy25-he-1200000-2"),
    pytest.param(FY25, household_exempt(1_200_001), 3, id="fy25-he-1200001-3"),
    pytest.param(FY25, household_exempt(500_000, 309_000), 1, id="fy25-he-pension+income-809000-1"),
    pytest.param(FY25, household_exempt(500_000, 309_001), 2, id="fy25-he-pension+income-809001-2"),
    pytest.param(FY25, household_exempt(0, 1_200_000), 2, id="fy25-he-income-only-1200000-2"),
    pytest.param(FY25, household_exempt(0, 1_200_001), 3, id="fy25-he-income-only-1200001-3"),
    # 世帯非課税, FY2024: 80万円
    pytest.param(FY24, household_exempt(800_000), 1, id="fy24-he-800000-1"),
    pytest.param(FY24, household_exempt(800_001), 2, id="fy24-he-800001-2"),
    pytest.param(FY24, household_exempt(809_000), 2, id="fy24-he-809000-2"),
    pytest.param(FY24, household_exempt(1_200_000), 2, id="fy24-he-1200000-2"),
    pytest.param(FY24, household_exempt(1_200_001), 3, id="fy24-he-1200001-3"),
    # 本人非課税・世帯課税
    pytest.param(FY25, self_exempt(809_000), 4, id="fy25-se-809000-4"),
    pytest.param(FY25, self_exempt(809_001), 5, id="fy25-se-809001-5"),
    pytest.param(FY25, self_exempt(0, 809_001), 5, id="fy25-se-income-809001-5"),
    pytest.param(FY24, self_exempt(800_000), 4, id="fy24-se-800000-4"),
    pytest.param(FY24, self_exempt(800_001), 5, id="fy24-se-800001-5"),
    pytest.param(FY24, self_exempt(809_000), 5, id="fy24-se-809000-5"),
    # 本人課税: 120/210/320/420/520/620/720万円 (same in both years)
    pytest.param(FY25, taxed(0), 6, id="fy25-t-0-6"),
    pytest.param(FY25, taxed(1_199_999), 6, id="fy25-t-1199999-6"),
    pytest.param(FY25, taxed(1_200_000), 7, id="fy25-t-1200000-7"),
    pytest.param(FY25, taxed(1_200_001), 7, id="fy25-t-1200001-7"),
    pytest.param(FY25, taxed(2_099_999), 7, id="fy25-t-2099999-7"),
    pytest.param(FY25, taxed(2_100_000), 8, id="fy25-t-2100000-8"),
    pytest.param(FY25, taxed(2_100_001), 8, id="fy25-t-2100001-8"),
    pytest.param(FY25, taxed(3_199_999), 8, id="fy25-t-3199999-8"),
    pytest.param(FY25, taxed(3_200_000), 9, id="fy25-t-3200000-9"),
    pytest.param(FY25, taxed(3_200_001), 9, id="fy25-t-3200001-9"),
    pytest.param(FY25, taxed(4_199_999), 9, id="fy25-t-4199999-9"),
    pytest.param(FY25, taxed(4_200_000), 10, id="fy25-t-4200000-10"),
    pytest.param(FY25, taxed(4_200_001), 10, id="fy25-t-4200001-10"),
    pytest.param(FY25, taxed(5_199_999), 10, id="fy25-t-5199999-10"),
    pytest.param(FY25, taxed(5_200_000), 11, id="fy25-t-5200000-11"),
    pytest.param(FY25, taxed(5_200_001), 11, id="fy25-t-5200001-11"),
    pytest.param(FY25, taxed(6_199_999), 11, id="fy25-t-6199999-11"),
    pytest.param(FY25, taxed(6_200_000), 12, id="fy25-t-6200000-12"),
    pytest.param(FY25, taxed(6_200_001), 12, id="fy25-t-6200001-12"),
    pytest.param(FY25, taxed(7_199_999), 12, id="fy25-t-7199999-12"),
    pytest.param(FY25, taxed(7_200_000), 13, id="fy25-t-7200000-13"),
    pytest.param(FY25, taxed(7_200_001), 13, id="fy25-t-7200001-13"),
    pytest.param(FY25, taxed(50_000_000), 13, id="fy25-t-50m-13"),
    pytest.param(FY24, taxed(1_199_999), 6, id="fy24-t-1199999-6"),
    pytest.param(FY24, taxed(1_200_000), 7, id="fy24-t-1200000-7"),
    pytest.param(FY24, taxed(7_199_999), 12, id="fy24-t-7199999-12"),
    pytest.param(FY24, taxed(7_200_000), 13, id="fy24-t-7200000-13"),
    # a taxed person's pension income is in 合計所得金額, not added again
    pytest.param(FY25, taxed(1_199_999, pension=3_000_000), 6, id="fy25-t-pension-not-added-6"),
]


@pytest.mark.parametrize(("table", "inputs", "stage"), BOUNDARIES)
def test_stage_boundaries(table, inputs, stage):
    assert stage_of(inputs, table).stage == stage


# --- income definitions (DOMAIN 2.3) ----------------------------------------------------------

INCOME = [
    # negative 合計所得金額 counts as 0 and does not offset the pension
    pytest.param(
        household_exempt(809_000, -500_000), 1, 809_000, 0, id="negative-income-is-0-stage1"
    ),
    pytest.param(
        household_exempt(809_001, -1_000_000),
        2,
        809_001,
        0,
        id="negative-income-does-not-offset-pension",
    ),
    pytest.param(taxed(-300_000), 6, 0, 0, id="taxed-negative-income-stage6"),
    # 公的年金等に係る雑所得 is taken out for the exempt groups (the pension counts as 収入額)
    pytest.param(
        household_exempt(1_100_000, 900_000, pension_misc_income=600_000),
        3,
        1_400_000,
        300_000,
        id="pension-misc-income-removed",
    ),
    pytest.param(
        self_exempt(700_000, 600_000, pension_misc_income=500_000),
        4,
        800_000,
        100_000,
        id="pension-misc-income-removed-se",
    ),
    # 10万円 of 給与所得 (no more than the 給与所得 itself)
    pytest.param(
        household_exempt(0, 909_000, salary_income=909_000),
        1,
        809_000,
        809_000,
        id="salary-adjustment-909000-stage1",
    ),
    pytest.param(
        household_exempt(0, 909_001, salary_income=909_001),
        2,
        809_001,
        809_001,
        id="salary-adjustment-909001-stage2",
    ),
    pytest.param(
        household_exempt(0, 859_000, salary_income=50_000),
        1,
        809_000,
        809_000,
        id="salary-adjustment-capped-at-salary",
    ),
    # 特別控除額 (長期・短期譲渡所得)
    pytest.param(
        household_exempt(0, 1_309_000, special_deduction=500_000),
        1,
        809_000,
        809_000,
        id="special-deduction-exempt",
    ),
    pytest.param(
        taxed(2_599_999, special_deduction=500_000),
        7,
        2_099_999,
        2_099_999,
        id="special-deduction-taxed-stage7",
    ),
    pytest.param(
        taxed(2_600_000, special_deduction=500_000),
        8,
        2_100_000,
        2_100_000,
        id="special-deduction-taxed-stage8",
    ),
    # taxed group: 10万円 of 給与所得 + 公的年金等に係る雑所得 [K?]
    pytest.param(
        taxed(1_299_999, salary_income=1_299_999),
        6,
        1_199_999,
        1_199_999,
        id="taxed-salary-adjustment-stage6",
    ),
    pytest.param(
        taxed(1_300_000, salary_income=800_000, pension_misc_income=500_000),
        7,
        1_200_000,
        1_200_000,
        id="taxed-salary+pension-adjustment-stage7",
    ),
    pytest.param(
        taxed(1_269_999, salary_income=30_000, pension_misc_income=40_000),
        6,
        1_199_999,
        1_199_999,
        id="taxed-adjustment-capped-at-income",
    ),
    # 非課税年金 is not counted for premiums
    pytest.param(
        household_exempt(809_000, non_taxable_pension_income=1_000_000),
        1,
        809_000,
        0,
        id="non-taxable-pension-not-counted",
    ),
]


@pytest.mark.parametrize(("inputs", "stage", "measure", "income"), INCOME)
def test_income_definitions(inputs, stage, measure, income):
    decision = stage_of(inputs, FY25)
    assert (decision.stage, decision.measure, decision.adjusted_income) == (stage, measure, income)


def test_taxed_adjustment_can_be_switched_off():
    inputs = taxed(1_269_999, salary_income=30_000, pension_misc_income=40_000)
    decision = stage_of(inputs, replace(FY25, income_adjustment_taxed=False))
    assert (decision.stage, decision.adjusted_income) == (7, 1_269_999)


def test_non_taxable_pension_counted_when_the_table_says_so():
    table = replace(FY25, count_non_taxable_pension=True)
    decision = stage_of(household_exempt(809_000, non_taxable_pension_income=391_000), table)
    assert (decision.stage, decision.measure) == (2, 1_200_000)
    assert decision.message == (
        "世帯全員が非課税で、合計所得金額、課税年金収入額及び非課税年金収入額の合計が"
        "80.9万円を超え120万円以下のため第2段階"
    )


# --- 生活保護 and 老齢福祉年金 ----------------------------------------------------------------

SPECIAL = [
    pytest.param(
        household_exempt(2_000_000, public_assistance=True),
        1,
        StageReason.PUBLIC_ASSISTANCE,
        id="assistance-over-any-income",
    ),
    pytest.param(
        self_exempt(2_000_000, public_assistance=True),
        1,
        StageReason.PUBLIC_ASSISTANCE,
        id="assistance-household-taxed",
    ),
    pytest.param(
        taxed(9_000_000, public_assistance=True),
        1,
        StageReason.PUBLIC_ASSISTANCE,
        id="assistance-even-if-taxed",
    ),
    pytest.param(
        household_exempt(1_500_000, old_age_welfare_pension=True),
        1,
        StageReason.OLD_AGE_WELFARE_PENSION,
        id="welfare-pension-household-exempt",
    ),
    pytest.param(
        self_exempt(809_000, old_age_welfare_pension=True),
        4,
        StageReason.SELF_EXEMPT,
        id="welfare-pension-household-taxed-normal-4",
    ),
    pytest.param(
        self_exempt(809_001, old_age_welfare_pension=True),
        5,
        StageReason.SELF_EXEMPT,
        id="welfare-pension-household-taxed-normal-5",
    ),
]


@pytest.mark.parametrize(("inputs", "stage", "reason"), SPECIAL)
def test_public_assistance_and_old_age_welfare_pension(inputs, stage, reason):
    decision = stage_of(inputs, FY25)
    assert (decision.stage, decision.reason) == (stage, reason)


# --- the reason for the notice ----------------------------------------------------------------

MESSAGES = [
    pytest.param(
        FY25,
        household_exempt(809_000),
        StageReason.HOUSEHOLD_EXEMPT,
        (None, 809_000),
        "世帯全員が非課税で、合計所得金額と課税年金収入額の合計が80.9万円以下のため第1段階",
        id="1",
    ),
    pytest.param(
        FY24,
        household_exempt(800_000),
        StageReason.HOUSEHOLD_EXEMPT,
        (None, 800_000),
        "世帯全員が非課税で、合計所得金額と課税年金収入額の合計が80万円以下のため第1段階",
        id="1-fy2024",
    ),
    pytest.param(
        FY25,
        household_exempt(809_001),
        StageReason.HOUSEHOLD_EXEMPT,
        (809_000, 1_200_000),
        "世帯全員が非課税で、合計所得金額と課税年金収入額の合計が80.9万円を超え120万円以下のため第2段階",
        id="2",
    ),
    pytest.param(
        FY25,
        household_exempt(1_200_001),
        StageReason.HOUSEHOLD_EXEMPT,
        (1_200_000, None),
        "世帯全員が非課税で、合計所得金額と課税年金収入額の合計が120万円を超えるため第3段階",
        id="3",
    ),
    pytest.param(
        FY25,
        self_exempt(809_000),
        StageReason.SELF_EXEMPT,
        (None, 809_000),
        "本人非課税・世帯課税で、合計所得金額と課税年金収入額の合計が80.9万円以下のため第4段階",
        id="4",
    ),
    pytest.param(
        FY25,
        self_exempt(809_001),
        StageReason.SELF_EXEMPT,
        (809_000, None),
        "本人非課税・世帯課税で、合計所得金額と課税年金収入額の合計が80.9万円を超えるため第5段階",
        id="5",
    ),
    pytest.param(
        FY25,
        taxed(1_199_999),
        StageReason.SELF_TAXED,
        (None, 1_200_000),
        "本人課税で、合計所得金額が120万円未満のため第6段階",
        id="6",
    ),
    pytest.param(
        FY25,
        taxed(1_200_000),
        StageReason.SELF_TAXED,
        (1_200_000, 2_100_000),
        "本人課税で、合計所得金額が120万円以上210万円未満のため第7段階",
        id="7",
    ),
    pytest.param(
        FY25,
        taxed(6_200_000),
        StageReason.SELF_TAXED,
        (6_200_000, 7_200_000),
        "本人課税で、合計所得金額が620万円以上720万円未満のため第12段階",
        id="12",
    ),
    pytest.param(
        FY25,
        taxed(7_200_000),
        StageReason.SELF_TAXED,
        (7_200_000, None),
        "本人課税で、合計所得金額が720万円以上のため第13段階",
        id="13",
    ),
    pytest.param(
        FY25,
        self_exempt(100_000, public_assistance=True),
        StageReason.PUBLIC_ASSISTANCE,
        (None, None),
        "生活保護を受給しているため第1段階",
        id="assistance",
    ),
    pytest.param(
        FY25,
        household_exempt(1_500_000, old_age_welfare_pension=True),
        StageReason.OLD_AGE_WELFARE_PENSION,
        (None, None),
        "世帯全員が非課税で、老齢福祉年金を受給しているため第1段階",
        id="welfare-pension",
    ),
]


@pytest.mark.parametrize(("table", "inputs", "reason", "bounds", "message"), MESSAGES)
def test_decision_reason_and_message(table, inputs, reason, bounds, message):
    decision = stage_of(inputs, table)
    assert decision.reason == reason
    assert (decision.lower, decision.upper) == bounds
    assert decision.message == message
    assert decision.label == f"第{decision.stage}段階"


def test_decision_fields():
    decision = stage_of(self_exempt(500_000, 400_000, salary_income=400_000), FY25)
    assert decision.stage == 4
    assert decision.reason == StageReason.SELF_EXEMPT
    assert decision.group == SE
    assert decision.adjusted_income == 300_000  # 400,000 - 100,000 of 給与所得
    assert decision.measure == 800_000  # + 500,000 課税年金収入額


# --- a city's own table: the functions follow the data ----------------------------------------


def test_city_table_with_more_stages_and_own_thresholds():
    """15 stages (as Kitakyushu, DOMAIN 2.3): stage 13 split at 1,000万円 and 1,500万円 (illustrative
    figures), a different first threshold and label."""
    stages = list(FY25.stages[:12]) + [
        Stage(13, ST, 10_000_000, False, D("2.4")),
        Stage(14, ST, 15_000_000, False, D("2.6")),
        Stage(15, ST, None, False, D("2.8"), label="第15段階（最上位）"),
    ]
    stages[0] = replace(stages[0], income_upper=850_000)
    stages[1] = replace(stages[1], income_upper=1_300_000)
    city = replace(FY25, name="市独自15段階", stages=tuple(stages))
    assert stage_of(household_exempt(850_000), city).stage == 1
    assert stage_of(household_exempt(850_001), city).stage == 2
    assert stage_of(household_exempt(1_300_000), city).stage == 2
    assert stage_of(self_exempt(809_000), city).stage == 4  # stage 4 keeps its own 80.9万円
    assert stage_of(self_exempt(809_001), city).stage == 5
    assert stage_of(self_exempt(850_000), city).stage == 5
    assert stage_of(taxed(9_999_999), city).stage == 13
    assert stage_of(taxed(10_000_000), city).stage == 14
    decision = stage_of(taxed(15_000_000), city)
    assert decision.stage == 15
    assert decision.message == "本人課税で、合計所得金額が1500万円以上のため第15段階（最上位）"


def test_a_group_with_one_band_has_no_income_condition():
    stages = (
        Stage(1, HE, None, True, D("0.5")),
        Stage(2, SE, None, True, D("1.0")),
        Stage(3, ST, None, False, D("1.5")),
    )
    table = replace(FY25, name="3段階", stages=stages)
    decision = stage_of(taxed(99_000_000), table)
    assert (decision.stage, decision.message) == (3, "本人課税であるため第3段階")


# --- inputs that contradict each other --------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param(
            {"self_taxed": True, "household_taxed": False},
            "本人が課税の場合、世帯も課税として指定してください。",
            id="self-taxed-household-not",
        ),
        pytest.param(
            {"taxable_pension_income": -1},
            "課税年金収入額に負の値は指定できません。",
            id="negative-pension",
        ),
        pytest.param(
            {"salary_income": -1}, "給与所得に負の値は指定できません。", id="negative-salary"
        ),
        pytest.param(
            {"pension_misc_income": -1},
            "公的年金等に係る雑所得に負の値は指定できません。",
            id="negative-pension-misc",
        ),
        pytest.param(
            {"special_deduction": -1},
            "特別控除額に負の値は指定できません。",
            id="negative-deduction",
        ),
        pytest.param(
            {"non_taxable_pension_income": -1},
            "非課税年金収入額に負の値は指定できません。",
            id="negative-non-taxable",
        ),
    ],
)
def test_stage_inputs_refuse_contradictions(kwargs, message):
    values = {
        "self_taxed": False,
        "household_taxed": False,
        "total_income": 0,
        "taxable_pension_income": 0,
    }
    with pytest.raises(StageInputError) as raised:
        StageInputs(**(values | kwargs))
    assert raised.value.message == message
    assert raised.value.code == "premium_stage_input"


def test_rate_table_is_a_plain_value():
    assert isinstance(FY25, RateTable)
    assert FY25.with_changes(base_amount=79_200).base_amount == 79_200
    assert FY25.base_amount == 78_000


# --- stage_sentence: why a stored levy has its stage (notices and the premium tab) ---------------


@pytest.mark.parametrize(("stage", "reason", "inputs", "expected"), [
    pytest.param(1, StageReason.PUBLIC_ASSISTANCE, household_exempt(0, public_assistance=True),
                 "生活保護を受給しているため第1段階", id="facts-give-the-stage"),
    pytest.param(1, StageReason.HOUSEHOLD_EXEMPT, household_exempt(2_000_000),
                 "世帯非課税・所得区分のため第1段階", id="stage-set-otherwise"),
    pytest.param(9, StageReason.SELF_TAXED, None, "本人課税・所得区分のため第9段階", id="no-facts"),
])
def test_stage_sentence(stage, reason, inputs, expected):
    assert stage_sentence(stage, reason, inputs, FY25) == expected
