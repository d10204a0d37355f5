"""The facility cost limits rule (法 §51の3, §61の3; 施行規則 §83の5, §83の6; 告示 第413号・第414号), as
tables of cases worked from the law's text: F = 公的年金等の収入金額 + 遺族・障害年金 (from 2016-08) +
その他の合計所得金額; 第2段階 F ≤ 80万 (80.9万 from 2025-08); 第3段階① F ≤ 120万 (from 2021-08); the
declared 預貯金等 (with the spouse's when married) at or below the stage's limit: 1,000万/650万/550万/500万
single, +1,000万 with a spouse (from 2021-08; 1,000万/2,000万 for every stage before, and for a 第2号
at every time)."""

from __future__ import annotations

from datetime import date

import pytest

from benefits.rules.limits import (
    Applicant,
    Refusal,
    Room,
    Service,
    Stage,
    daily_benefit,
    daily_limit,
    decide,
    income_figure,
    limits_stage,
    tax_year_of,
    validity,
)

D = date(2026, 8, 1)  # 80.9万 in force
OLD = date(2024, 8, 1)  # 80万 in force
PRE2021 = date(2020, 8, 1)
PRE2016 = date(2015, 8, 1)

STAGE_CASES = [
    # (id, applicant, day, stage, refusal)
    ("public-assistance-no-asset-test", Applicant(public_assistance=True, household_taxed=True, assets=50_000_000), D,
     Stage.FIRST, ""),
    ("household-taxed", Applicant(household_taxed=True), D, None, Refusal.HOUSEHOLD_TAXED),
    ("spouse-taxed", Applicant(has_spouse=True, spouse_taxed=True), D, None, Refusal.SPOUSE_TAXED),
    ("spouse-taxed-flag-without-spouse-ignored", Applicant(spouse_taxed=True), D, Stage.SECOND, ""),
    ("old-age-welfare-pension", Applicant(old_age_welfare_pension=True, pension_income=2_000_000), D, Stage.FIRST, ""),
    # 第2段階 / 第3段階① at 80.9万 (2025-08 on)
    ("809000-second", Applicant(pension_income=809_000), D, Stage.SECOND, ""),
    ("809001-third1", Applicant(pension_income=809_001), D, Stage.THIRD_1, ""),
    # before 2025-08: 80万
    ("800000-second-2024", Applicant(pension_income=800_000), OLD, Stage.SECOND, ""),
    ("800001-third1-2024", Applicant(pension_income=800_001), OLD, Stage.THIRD_1, ""),
    ("2025-07-31-still-80man", Applicant(pension_income=805_000), date(2025, 7, 31), Stage.THIRD_1, ""),
    ("2025-08-01-80.9man", Applicant(pension_income=805_000), date(2025, 8, 1), Stage.SECOND, ""),
    # 第3段階① / ② at 120万 (from 2021-08)
    ("1200000-third1", Applicant(pension_income=1_000_000, other_income=200_000), D, Stage.THIRD_1, ""),
    ("1200001-third2", Applicant(pension_income=1_000_000, other_income=200_001), D, Stage.THIRD_2, ""),
    ("before-2021-one-third-stage", Applicant(pension_income=1_000_000), PRE2021, Stage.THIRD_2, ""),
    # 非課税年金 counted from 2016-08, not before
    ("non-taxed-pension-counted", Applicant(pension_income=500_000, non_taxed_pensions=309_001), D, Stage.THIRD_1, ""),
    ("non-taxed-pension-before-2016", Applicant(pension_income=500_000, non_taxed_pensions=400_000), PRE2016,
     Stage.SECOND, ""),
    # assets at the limit (certified) and one yen over (refused), single
    ("stage1-single-10m", Applicant(old_age_welfare_pension=True, assets=10_000_000), D, Stage.FIRST, ""),
    ("stage1-single-over", Applicant(old_age_welfare_pension=True, assets=10_000_001), D, None, Refusal.ASSETS_OVER),
    ("stage2-single-6.5m", Applicant(assets=6_500_000), D, Stage.SECOND, ""),
    ("stage2-single-over", Applicant(assets=6_500_001), D, None, Refusal.ASSETS_OVER),
    ("stage3a-single-5.5m", Applicant(pension_income=1_000_000, assets=5_500_000), D, Stage.THIRD_1, ""),
    ("stage3a-single-over", Applicant(pension_income=1_000_000, assets=5_500_001), D, None, Refusal.ASSETS_OVER),
    ("stage3b-single-5m", Applicant(pension_income=1_500_000, assets=5_000_000), D, Stage.THIRD_2, ""),
    ("stage3b-single-over", Applicant(pension_income=1_500_000, assets=5_000_001), D, None, Refusal.ASSETS_OVER),
    # couples: the two together against +1,000万
    ("stage1-couple-20m", Applicant(old_age_welfare_pension=True, has_spouse=True, assets=10_000_000,
                                    spouse_assets=10_000_000), D, Stage.FIRST, ""),
    ("stage1-couple-over", Applicant(old_age_welfare_pension=True, has_spouse=True, assets=10_000_000,
                                     spouse_assets=10_000_001), D, None, Refusal.ASSETS_OVER),
    ("stage2-couple-16.5m", Applicant(has_spouse=True, assets=16_500_000), D, Stage.SECOND, ""),
    ("stage2-couple-over", Applicant(has_spouse=True, assets=16_000_000, spouse_assets=500_001), D, None,
     Refusal.ASSETS_OVER),
    ("stage3a-couple-15.5m", Applicant(pension_income=1_000_000, has_spouse=True, spouse_assets=15_500_000), D,
     Stage.THIRD_1, ""),
    ("stage3a-couple-over", Applicant(pension_income=1_000_000, has_spouse=True, spouse_assets=15_500_001), D, None,
     Refusal.ASSETS_OVER),
    ("stage3b-couple-15m", Applicant(pension_income=1_500_000, has_spouse=True, assets=15_000_000), D,
     Stage.THIRD_2, ""),
    ("stage3b-couple-over", Applicant(pension_income=1_500_000, has_spouse=True, assets=15_000_001), D, None,
     Refusal.ASSETS_OVER),
    ("spouse-assets-ignored-without-spouse", Applicant(spouse_assets=50_000_000), D, Stage.SECOND, ""),
    # second class: 1,000万 / 2,000万 at every stage
    ("second-class-stage2-10m", Applicant(second_class=True, assets=10_000_000), D, Stage.SECOND, ""),
    ("second-class-stage2-over", Applicant(second_class=True, assets=10_000_001), D, None, Refusal.ASSETS_OVER),
    ("second-class-couple-20m", Applicant(second_class=True, pension_income=1_500_000, has_spouse=True,
                                          assets=20_000_000), D, Stage.THIRD_2, ""),
    ("second-class-couple-over", Applicant(second_class=True, has_spouse=True, assets=20_000_001), D, None,
     Refusal.ASSETS_OVER),
    # before 2021-08: 1,000万 / 2,000万 at every stage
    ("pre2021-stage2-10m", Applicant(assets=10_000_000), PRE2021, Stage.SECOND, ""),
    ("pre2021-stage2-over", Applicant(assets=10_000_001), PRE2021, None, Refusal.ASSETS_OVER),
    ("no-table-before-2015-08", Applicant(), date(2015, 7, 31), None, Refusal.NO_TABLE),
]


@pytest.mark.parametrize("applicant,day,stage,refusal", [c[1:] for c in STAGE_CASES], ids=[c[0] for c in STAGE_CASES])
def test_stage(applicant, day, stage, refusal):
    result = limits_stage(applicant, day)
    assert (result.stage, result.refusal) == (stage, refusal)


def test_the_income_figure_adds_pension_non_taxed_pension_and_other_income():
    a = Applicant(pension_income=600_000, non_taxed_pensions=150_000, other_income=59_000)
    assert income_figure(a, D) == 809_000
    assert income_figure(a, PRE2016) == 659_000


SERVICE_CASES = [
    # (id, service, care, support, refusal)
    ("care-welfare", Service.WELFARE, True, False, ""),
    ("care-health", Service.HEALTH, True, False, ""),
    ("care-medical", Service.MEDICAL, True, False, ""),
    ("care-short", Service.SHORT_WELFARE, True, False, ""),
    ("support-short-health", Service.SHORT_HEALTH, False, True, ""),
    ("support-facility-refused", Service.WELFARE, False, True, Refusal.NOT_FACILITY),
    ("care-group-home-refused", Service.GROUP_HOME, True, False, Refusal.NOT_FACILITY),
    ("care-specified-refused", Service.SPECIFIED, True, False, Refusal.NOT_FACILITY),
    ("not-certified", Service.WELFARE, False, False, Refusal.NOT_CERTIFIED),
]


@pytest.mark.parametrize("service,care,support,refusal", [c[1:] for c in SERVICE_CASES],
                         ids=[c[0] for c in SERVICE_CASES])
def test_service_and_certification(service, care, support, refusal):
    result = decide(Applicant(), D, service=service, care=care, support=support)
    assert result.refusal == refusal
    assert (result.stage is None) == bool(refusal)


VALIDITY_CASES = [
    # (received, valid_from, valid_to, tax year)
    (date(2026, 8, 1), date(2026, 8, 1), date(2027, 7, 31), 2026),
    (date(2026, 8, 31), date(2026, 8, 1), date(2027, 7, 31), 2026),
    (date(2026, 12, 15), date(2026, 12, 1), date(2027, 7, 31), 2026),
    (date(2027, 1, 5), date(2027, 1, 1), date(2027, 7, 31), 2026),
    (date(2027, 7, 31), date(2027, 7, 1), date(2027, 7, 31), 2026),
]


@pytest.mark.parametrize("received,start,end,tax_year", VALIDITY_CASES, ids=[str(c[0]) for c in VALIDITY_CASES])
def test_validity_from_the_month_of_application_to_july(received, start, end, tax_year):
    assert validity(received) == (start, end)
    assert tax_year_of(start) == tax_year


def test_a_renewal_taken_in_june_or_july_is_for_the_coming_year():
    assert validity(date(2027, 6, 20), renewal=True) == (date(2027, 8, 1), date(2028, 7, 31))
    assert tax_year_of(date(2027, 8, 1)) == 2027


DAILY_CASES = [
    # (stage, item, limit) 2024-08 table (DOMAIN.md 4.6)
    (Stage.FIRST, Room.MEAL_FACILITY, 300), (Stage.SECOND, Room.MEAL_FACILITY, 390),
    (Stage.THIRD_1, Room.MEAL_FACILITY, 650), (Stage.THIRD_2, Room.MEAL_FACILITY, 1_360),
    (Stage.SECOND, Room.MEAL_SHORT_STAY, 600), (Stage.THIRD_1, Room.MEAL_SHORT_STAY, 1_000),
    (Stage.THIRD_2, Room.MEAL_SHORT_STAY, 1_300),
    (Stage.FIRST, Room.UNIT_PRIVATE, 880), (Stage.THIRD_1, Room.UNIT_PRIVATE, 1_370),
    (Stage.FIRST, Room.PRIVATE_WELFARE, 380), (Stage.SECOND, Room.PRIVATE_WELFARE, 480),
    (Stage.THIRD_2, Room.PRIVATE_WELFARE, 880), (Stage.FIRST, Room.SHARED_WELFARE, 0),
    (Stage.SECOND, Room.SHARED_HEALTH, 430),
]


@pytest.mark.parametrize("stage,item,limit", DAILY_CASES)
def test_daily_limits(stage, item, limit):
    assert daily_limit(stage, item, date(2026, 8, 1)) == limit


def test_daily_limits_before_the_table_are_unknown():
    assert daily_limit(Stage.FIRST, Room.MEAL_FACILITY, date(2024, 7, 31)) is None


@pytest.mark.parametrize("price,benefit", [(1_445, 1_055), (1_500, 1_055), (1_000, 610), (300, 0)])
def test_daily_benefit_is_the_lower_of_standard_and_price_less_the_limit(price, benefit):
    # 第2段階 施設の食費: 基準費用額 1,445 − 390
    assert daily_benefit(Stage.SECOND, Room.MEAL_FACILITY, D, price=price) == benefit
