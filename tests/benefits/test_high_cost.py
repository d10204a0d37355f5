"""高額介護サービス費 (施行令 §22の2の2, §29の2の2; DOMAIN.md 4.2): tables of cases worked by hand from
the rule's text — the household's co-payments summed, the excess over the cap of the category
allocated in proportion to each member's co-payment with the fraction of a yen dropped, the
individual cap of 15,000 where it applies, and the residue."""

from __future__ import annotations

from datetime import date

import pytest

from benefits.rules.high_cost import Member, category_of, high_cost_refunds

AUG_2026, JUL_2021, AUG_2021 = date(2026, 8, 1), date(2021, 7, 1), date(2021, 8, 1)


@pytest.mark.parametrize(("month", "members", "refunds"), [
    # one person, taxed household: 50,000 − 44,400 = 5,600
    pytest.param(AUG_2026, [("a", 50_000, "taxed")], {"a": 5_600}, id="taxed-single"),
    # at or below the cap: nothing
    pytest.param(AUG_2026, [("a", 44_400, "taxed")], {"a": 0}, id="taxed-at-cap"),
    pytest.param(AUG_2026, [("a", 0, "taxed")], {"a": 0}, id="nothing-used"),
    # 課税所得690万円以上: 150,000 − 140,100 = 9,900
    pytest.param(AUG_2026, [("a", 150_000, "taxable_690")], {"a": 9_900}, id="690-single"),
    # 380万円以上690万円未満: 150,000 − 93,000 = 57,000
    pytest.param(AUG_2026, [("a", 150_000, "taxable_380")], {"a": 57_000}, id="380-single"),
    # before 2021-08 the same person had the taxed household's 44,400: 150,000 − 44,400 = 105,600
    pytest.param(JUL_2021, [("a", 150_000, "taxable_690")], {"a": 105_600}, id="690-before-2021-08"),
    pytest.param(AUG_2021, [("a", 150_000, "taxable_690")], {"a": 9_900}, id="690-from-2021-08"),
    # three taxed members, 20,000 each: 60,000 − 44,400 = 15,600, a third each = 5,200
    pytest.param(AUG_2026, [("a", 20_000, "taxed"), ("b", 20_000, "taxed"), ("c", 20_000, "taxed")],
                 {"a": 5_200, "b": 5_200, "c": 5_200}, id="taxed-three-equal"),
    # two taxed members 30,000 and 10,000: 40,000 < 44,400: nothing although one alone used 30,000
    pytest.param(AUG_2026, [("a", 30_000, "taxed"), ("b", 10_000, "taxed")], {"a": 0, "b": 0}, id="household-below"),
    # exempt household, 30,000 + 10,000 = 40,000 − 24,600 = 15,400: a 30,000/40,000 = 11,550, b 3,850
    pytest.param(AUG_2026, [("a", 30_000, "exempt"), ("b", 10_000, "exempt")], {"a": 11_550, "b": 3_850},
                 id="exempt-two"),
    # exempt, one with the individual cap: 20,000 + 10,000 = 30,000 − 24,600 = 5,400;
    # shares a 3,600, b 1,800; a's individual: 20,000 − 15,000 = 5,000 > 3,600 -> 5,000
    pytest.param(AUG_2026, [("a", 20_000, "exempt_low"), ("b", 10_000, "exempt")], {"a": 5_000, "b": 1_800},
                 id="exempt-low-individual-wins"),
    # alone with the individual cap: 30,000 − 24,600 = 5,400 < 30,000 − 15,000 = 15,000 -> 15,000
    pytest.param(AUG_2026, [("a", 30_000, "exempt_low")], {"a": 15_000}, id="exempt-low-single"),
    # the individual cap below the household's: 16,000 alone: household 0, individual 1,000
    pytest.param(AUG_2026, [("a", 16_000, "exempt_low")], {"a": 1_000}, id="exempt-low-under-household-cap"),
    # the share wins over the individual cap: a 60,000 (low), b 0: 60,000 − 24,600 = 35,400 (all a's);
    # individual 45,000 -> 45,000
    pytest.param(AUG_2026, [("a", 60_000, "exempt_low"), ("b", 0, "exempt")], {"a": 45_000, "b": 0},
                 id="exempt-low-large"),
    # 生活保護: 15,000 individual only: 20,000 − 15,000 = 5,000
    pytest.param(AUG_2026, [("a", 20_000, "public_assistance")], {"a": 5_000}, id="public-assistance"),
    # 境界層: the household's cap 15,000: 20,000 − 15,000 = 5,000
    pytest.param(AUG_2026, [("a", 20_000, "borderline")], {"a": 5_000}, id="borderline"),
    # fractions dropped: 10,000 + 10,000 + 10,001 = 30,001 − 24,600 = 5,401;
    # 5,401 × 10,000 / 30,001 = 1,800.27 -> 1,800; × 10,001 / 30,001 = 1,800.45 -> 1,800; 1 yen not paid
    pytest.param(AUG_2026, [("a", 10_000, "exempt"), ("b", 10_000, "exempt"), ("c", 10_001, "exempt")],
                 {"a": 1_800, "b": 1_800, "c": 1_800}, id="residue-dropped"),
    # 7,000 + 3,000 = 10,000 over a taxed 44,400? no: 47,000 + 3,000 = 50,000 − 44,400 = 5,600;
    # 5,600 × 47,000 / 50,000 = 5,264, × 3,000 / 50,000 = 336: exact
    pytest.param(AUG_2026, [("a", 47_000, "taxed"), ("b", 3_000, "taxed")], {"a": 5_264, "b": 336}, id="exact-shares"),
])
def test_high_cost_refund(month, members, refunds):
    assert high_cost_refunds([Member(*m) for m in members], month=month) == refunds


def test_the_residue_to_the_largest_co_payment_where_the_insurer_so_decides():
    members = [Member("a", 10_000, "exempt"), Member("b", 10_000, "exempt"), Member("c", 10_001, "exempt")]
    assert high_cost_refunds(members, month=AUG_2026, residue="largest") == {"a": 1_800, "b": 1_800, "c": 1_801}
    # equals: the first of them
    equal = [Member("a", 10_000, "exempt"), Member("b", 10_000, "exempt"), Member("c", 10_000, "exempt"),
             Member("d", 1, "exempt")]
    # 30,001 − 24,600 = 5,401: 1,800 (5,401 × 10,000 / 30,001 = 1,800.27) × 3 + 0 (0.18) = 5,400; +1 to a
    assert high_cost_refunds(equal, month=AUG_2026, residue="largest") == {"a": 1_801, "b": 1_800, "c": 1_800, "d": 0}


@pytest.mark.parametrize(("facts", "month", "category"), [
    ({"public_assistance": True}, AUG_2026, "public_assistance"),
    ({"borderline": True}, AUG_2026, "borderline"),
    ({"household_taxed": True, "top_taxable_income": 6_900_000}, AUG_2026, "taxable_690"),
    ({"household_taxed": True, "top_taxable_income": 6_899_999}, AUG_2026, "taxable_380"),
    ({"household_taxed": True, "top_taxable_income": 3_800_000}, AUG_2026, "taxable_380"),
    ({"household_taxed": True, "top_taxable_income": 3_799_999}, AUG_2026, "taxed"),
    ({"old_age_welfare_pension": True, "pension_and_other_income": 2_000_000}, AUG_2026, "exempt_low"),
    ({"pension_and_other_income": 809_000}, AUG_2026, "exempt_low"),  # 80.9万円 以下
    ({"pension_and_other_income": 809_001}, AUG_2026, "exempt"),
    ({"pension_and_other_income": 805_000}, date(2025, 7, 1), "exempt"),  # the line was 80万円 until 2025-07
    ({"pension_and_other_income": 805_000}, date(2025, 8, 1), "exempt_low"),
    ({"pension_and_other_income": 800_000}, date(2025, 7, 1), "exempt_low"),
])
def test_income_category(facts, month, category):
    base = {"public_assistance": False, "borderline": False, "household_taxed": False, "top_taxable_income": 0,
            "old_age_welfare_pension": False, "pension_and_other_income": 0}
    assert category_of(month=month, **{**base, **facts}) == category


def test_a_month_before_the_tables_is_refused():
    with pytest.raises(ValueError):
        high_cost_refunds([Member("a", 50_000, "taxed")], month=date(2017, 7, 1))
