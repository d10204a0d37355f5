"""Premium rules: annual amount per stage, rounding and monthly proration
(premiums/rules/amount.py, tables.Rounding). Pure functions, no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from premiums.rules import (
    NATIONAL_STANDARD_FY2025_2026,
    Rounding,
    RoundingMode,
    annual_amount,
    period_amount,
    prorated_amount,
    prorated_total,
)

FY25 = NATIONAL_STANDARD_FY2025_2026
DOWN, UP, HALF = RoundingMode.DOWN, RoundingMode.UP, RoundingMode.HALF_UP
YEN = Rounding(1, DOWN)
D = date


# --- rounding ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "mode", "expected"),
    [
        pytest.param(Decimal("22265.055"), 1, DOWN, 22_265, id="1-down"),
        pytest.param(Decimal("22265.055"), 1, UP, 22_266, id="1-up"),
        pytest.param(Decimal("22265.055"), 1, HALF, 22_265, id="1-half-up-below-half"),
        pytest.param(Decimal("22265.5"), 1, HALF, 22_266, id="1-half-up-exact-half"),
        pytest.param(Decimal("22265.055"), 10, DOWN, 22_260, id="10-down"),
        pytest.param(Decimal("22265.055"), 10, UP, 22_270, id="10-up"),
        pytest.param(Decimal("22265.055"), 10, HALF, 22_270, id="10-half-up"),
        pytest.param(Decimal("22265.055"), 100, DOWN, 22_200, id="100-down"),
        pytest.param(Decimal("22265.055"), 100, UP, 22_300, id="100-up"),
        pytest.param(Decimal("22265.055"), 100, HALF, 22_300, id="100-half-up"),
        pytest.param(22_249, 100, HALF, 22_200, id="100-half-up-below"),
        pytest.param(22_250, 100, HALF, 22_300, id="100-half-up-exact-half"),
        pytest.param(22_200, 100, UP, 22_200, id="100-up-already-round"),
        pytest.param(Fraction(25_935, 2), 1, DOWN, 12_967, id="fraction-down"),
        pytest.param(Fraction(25_935, 2), 1, HALF, 12_968, id="fraction-half-up"),
        pytest.param(Fraction(1, 3), 1, UP, 1, id="fraction-third-up"),
    ],
)
def test_rounding(value, unit, mode, expected):
    assert Rounding(unit, mode).apply(value) == expected


@pytest.mark.parametrize(
    ("rounding", "label"),
    [
        pytest.param(Rounding(1, DOWN), "1円未満切捨て", id="1-down"),
        pytest.param(Rounding(10, UP), "10円未満切上げ", id="10-up"),
        pytest.param(Rounding(100, HALF), "100円未満四捨五入", id="100-half-up"),
    ],
)
def test_rounding_label(rounding, label):
    assert rounding.label == label


def test_rounding_refuses_float():
    with pytest.raises(TypeError):
        YEN.apply(22265.055)


# --- annual amount per stage (national standard, assumed 基準額 78,000円) ----------------------

# stage: (annual, standard before reduction, reduction)
STANDARD_AMOUNTS = [
    pytest.param(1, 22_230, 35_490, 13_260, id="stage1-0.285-of-0.455"),
    pytest.param(2, 37_830, 53_430, 15_600, id="stage2-0.485-of-0.685"),
    pytest.param(3, 53_430, 53_820, 390, id="stage3-0.685-of-0.69"),
    pytest.param(4, 70_200, 70_200, 0, id="stage4-0.9"),
    pytest.param(5, 78_000, 78_000, 0, id="stage5-base"),
    pytest.param(6, 93_600, 93_600, 0, id="stage6-1.2"),
    pytest.param(7, 101_400, 101_400, 0, id="stage7-1.3"),
    pytest.param(8, 117_000, 117_000, 0, id="stage8-1.5"),
    pytest.param(9, 132_600, 132_600, 0, id="stage9-1.7"),
    pytest.param(10, 148_200, 148_200, 0, id="stage10-1.9"),
    pytest.param(11, 163_800, 163_800, 0, id="stage11-2.1"),
    pytest.param(12, 179_400, 179_400, 0, id="stage12-2.3"),
    pytest.param(13, 187_200, 187_200, 0, id="stage13-2.4"),
]


@pytest.mark.parametrize(("stage", "annual", "standard", "reduction"), STANDARD_AMOUNTS)
def test_annual_amount_national_standard(stage, annual, standard, reduction):
    breakdown = annual_amount(stage, FY25)
    assert (breakdown.annual, breakdown.standard_amount, breakdown.reduction) == (
        annual,
        standard,
        reduction,
    )
    assert breakdown.base_amount == 78_000
    assert breakdown.label == f"第{stage}段階"


def test_steps_of_a_reduced_stage():
    assert annual_amount(1, FY25).steps == (
        "基準額（年額） 78,000円",
        "第1段階の保険料率 0.455: 78,000円 × 0.455 = 35,490円",
        "公費による軽減後の保険料率 0.285: 78,000円 × 0.285 = 22,230円",
        "軽減前の年額 35,490円、軽減額 13,260円",
        "年額保険料 22,230円",
    )


def test_steps_of_a_plain_stage():
    assert annual_amount(5, FY25).steps == (
        "基準額（年額） 78,000円",
        "第5段階の保険料率 1.0: 78,000円 × 1.0 = 78,000円",
        "年額保険料 78,000円",
    )


# An odd base amount (78,123円) so that rounding matters; (stage, rounding) -> (annual, standard)
ODD = replace(FY25, base_amount=78_123)
ROUNDED = [
    # stage 1: 78,123 × 0.285 = 22,265.055 ; × 0.455 = 35,545.965
    pytest.param(1, Rounding(1, DOWN), 22_265, 35_545, id="stage1-1-down"),
    pytest.param(1, Rounding(1, HALF), 22_265, 35_546, id="stage1-1-half-up"),
    pytest.param(1, Rounding(10, HALF), 22_270, 35_550, id="stage1-10-half-up"),
    pytest.param(1, Rounding(100, DOWN), 22_200, 35_500, id="stage1-100-down"),
    pytest.param(1, Rounding(100, UP), 22_300, 35_600, id="stage1-100-up"),
    # stage 6: 78,123 × 1.2 = 93,747.6
    pytest.param(6, Rounding(1, DOWN), 93_747, 93_747, id="stage6-1-down"),
    pytest.param(6, Rounding(1, HALF), 93_748, 93_748, id="stage6-1-half-up"),
    pytest.param(6, Rounding(10, DOWN), 93_740, 93_740, id="stage6-10-down"),
    pytest.param(6, Rounding(100, HALF), 93_700, 93_700, id="stage6-100-half-up"),
    # stage 13: 78,123 × 2.4 = 187,495.2
    pytest.param(13, Rounding(100, UP), 187_500, 187_500, id="stage13-100-up"),
]


@pytest.mark.parametrize(("stage", "rounding", "annual", "standard"), ROUNDED)
def test_annual_amount_rounding_from_the_table(stage, rounding, annual, standard):
    breakdown = annual_amount(stage, replace(ODD, annual_rounding=rounding))
    assert (breakdown.annual, breakdown.standard_amount) == (annual, standard)
    assert breakdown.reduction == standard - annual
    assert breakdown.rounding == rounding


def test_steps_show_the_rounding():
    assert annual_amount(1, replace(ODD, annual_rounding=Rounding(10, DOWN))).steps == (
        "基準額（年額） 78,123円",
        "第1段階の保険料率 0.455: 78,123円 × 0.455 = 35,545.965円",
        "公費による軽減後の保険料率 0.285: 78,123円 × 0.285 = 22,265.055円",
        "10円未満切捨て: 22,265.055円 → 22,260円",
        "軽減前の年額 35,540円、軽減額 13,280円",
        "年額保険料 22,260円",
    )


# --- proration: gain and loss in each month of FY2025 (DOMAIN 2.6) -----------------------------
# Stage 6 = 93,600円 (7,800円 a month); stage 1 = 22,230円 (1,852.5円 a month, 1円未満切捨て).

GAINS = [  # 資格取得日 -> months to March, stage 6, stage 1
    pytest.param(D(2025, 4, 1), 12, 93_600, 22_230, id="gain-apr"),
    pytest.param(D(2025, 5, 15), 11, 85_800, 20_377, id="gain-may"),
    pytest.param(D(2025, 6, 30), 10, 78_000, 18_525, id="gain-jun-last-day"),
    pytest.param(D(2025, 7, 1), 9, 70_200, 16_672, id="gain-jul-first-day"),
    pytest.param(D(2025, 8, 15), 8, 62_400, 14_820, id="gain-aug"),
    pytest.param(D(2025, 9, 14), 7, 54_600, 12_967, id="gain-sep-domain-example"),
    pytest.param(D(2025, 10, 15), 6, 46_800, 11_115, id="gain-oct"),
    pytest.param(D(2025, 11, 15), 5, 39_000, 9_262, id="gain-nov"),
    pytest.param(D(2025, 12, 31), 4, 31_200, 7_410, id="gain-dec"),
    pytest.param(D(2026, 1, 15), 3, 23_400, 5_557, id="gain-jan"),
    pytest.param(D(2026, 2, 28), 2, 15_600, 3_705, id="gain-feb"),
    pytest.param(D(2026, 3, 31), 1, 7_800, 1_852, id="gain-mar-last-day"),
]

LOSSES = [  # 資格喪失日 -> months from April, stage 6, stage 1
    pytest.param(D(2025, 4, 2), 0, 0, 0, id="loss-apr"),
    pytest.param(D(2025, 5, 1), 1, 7_800, 1_852, id="loss-may-first-day"),
    pytest.param(D(2025, 6, 15), 2, 15_600, 3_705, id="loss-jun"),
    pytest.param(D(2025, 7, 15), 3, 23_400, 5_557, id="loss-jul"),
    pytest.param(D(2025, 8, 15), 4, 31_200, 7_410, id="loss-aug"),
    pytest.param(D(2025, 9, 15), 5, 39_000, 9_262, id="loss-sep"),
    pytest.param(D(2025, 10, 15), 6, 46_800, 11_115, id="loss-oct"),
    pytest.param(D(2025, 11, 30), 7, 54_600, 12_967, id="loss-nov-last-day"),
    pytest.param(D(2025, 12, 15), 8, 62_400, 14_820, id="loss-dec"),
    pytest.param(D(2026, 1, 15), 9, 70_200, 16_672, id="loss-jan"),
    pytest.param(D(2026, 2, 15), 10, 78_000, 18_525, id="loss-feb"),
    pytest.param(D(2026, 3, 31), 11, 85_800, 20_377, id="loss-mar"),
]


@pytest.mark.parametrize(("gained_on", "months", "stage6", "stage1"), GAINS)
def test_proration_gain_in_each_month(gained_on, months, stage6, stage1):
    assert period_amount(93_600, gained_on, None, 2025, rounding=YEN) == stage6
    assert period_amount(22_230, gained_on, None, 2025, rounding=YEN) == stage1
    assert prorated_amount(93_600, months, rounding=YEN) == stage6
    assert prorated_amount(22_230, months, rounding=YEN) == stage1


@pytest.mark.parametrize(("lost_on", "months", "stage6", "stage1"), LOSSES)
def test_proration_loss_in_each_month(lost_on, months, stage6, stage1):
    assert period_amount(93_600, D(2020, 1, 1), lost_on, 2025, rounding=YEN) == stage6
    assert period_amount(22_230, D(2020, 1, 1), lost_on, 2025, rounding=YEN) == stage1
    assert prorated_amount(93_600, months, rounding=YEN) == stage6
    assert prorated_amount(22_230, months, rounding=YEN) == stage1


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        pytest.param(D(2025, 6, 10), D(2025, 11, 20), 39_000, id="gain-jun-loss-nov-5-months"),
        pytest.param(D(2025, 6, 1), D(2025, 6, 30), 0, id="gain-and-loss-same-month"),
        pytest.param(D(2026, 4, 1), None, 0, id="gain-next-year"),
        pytest.param(D(2025, 3, 31), D(2026, 4, 1), 93_600, id="whole-year"),
    ],
)
def test_period_amount(start, end, expected):
    assert period_amount(93_600, start, end, 2025, rounding=YEN) == expected


@pytest.mark.parametrize(
    ("annual", "months", "rounding", "expected"),
    [
        pytest.param(22_230, 7, Rounding(1, DOWN), 12_967, id="12967.5-1-down"),
        pytest.param(22_230, 7, Rounding(1, HALF), 12_968, id="12967.5-1-half-up"),
        pytest.param(22_230, 7, Rounding(100, DOWN), 12_900, id="12967.5-100-down"),
        pytest.param(22_230, 7, Rounding(10, UP), 12_970, id="12967.5-10-up"),
        pytest.param(22_265, 12, Rounding(100, DOWN), 22_265, id="whole-year-is-the-annual-amount"),
        pytest.param(22_265, 0, Rounding(100, UP), 0, id="no-month"),
    ],
)
def test_proration_rounding(annual, months, rounding, expected):
    assert prorated_amount(annual, months, rounding=rounding) == expected


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        # 生活保護 from October: Apr-Sep at stage 6, Oct-Mar at stage 1
        pytest.param([(93_600, 6), (22_230, 6)], 57_915, id="assistance-from-october"),
        pytest.param([(78_000, 4), (22_230, 8)], 40_820, id="assistance-from-august"),
        # rounded once: 5,557.5 + 40,072.5 = 45,630 (rounding each part would give 45,629)
        pytest.param([(22_230, 3), (53_430, 9)], 45_630, id="rounded-once"),
        pytest.param([(22_230, 3), (53_430, 0)], 5_557, id="empty-part-ignored"),
    ],
)
def test_prorated_total_mixed_stages(parts, expected):
    assert prorated_total(parts, rounding=YEN) == expected


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda: prorated_amount(93_600, 13, rounding=YEN), id="13-months"),
        pytest.param(lambda: prorated_amount(93_600, -1, rounding=YEN), id="negative-months"),
        pytest.param(lambda: prorated_amount(-1, 6, rounding=YEN), id="negative-amount"),
        pytest.param(
            lambda: prorated_total([(93_600, 7), (22_230, 6)], rounding=YEN),
            id="13-months-in-parts",
        ),
    ],
)
def test_proration_refuses_impossible_months(call):
    with pytest.raises(ValueError):
        call()
