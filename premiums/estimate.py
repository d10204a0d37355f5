"""The counter's premium estimate (保険料の試算): the rules on facts a resident tells, with the
year's approved rate table; nothing is stored."""

from __future__ import annotations

from dataclasses import dataclass

from premiums.rules.amount import AmountBreakdown, annual_amount, prorated_amount
from premiums.rules.stage import StageDecision, StageInputs, stage_of
from premiums.selectors import rate_table_for


@dataclass(frozen=True)
class Estimate:
    fiscal_year: int
    table_name: str
    stage: StageDecision
    breakdown: AmountBreakdown
    months: int
    amount: int


def premium_estimate(data: dict) -> Estimate:
    table = rate_table_for(data["fiscal_year"])
    inputs = StageInputs(
        self_taxed=data["self_taxed"], household_taxed=data["household_taxed"], total_income=data["total_income"],
        taxable_pension_income=data.get("taxable_pension_income") or 0,
        pension_misc_income=data.get("pension_misc_income") or 0, salary_income=data.get("salary_income") or 0,
        special_deduction=data.get("special_deduction") or 0, public_assistance=data["public_assistance"],
        old_age_welfare_pension=data["old_age_welfare_pension"])
    stage = stage_of(inputs, table)
    breakdown = annual_amount(stage.stage, table)
    amount = prorated_amount(breakdown.annual, data["months"], rounding=table.proration_rounding)
    return Estimate(data["fiscal_year"], table.name, stage, breakdown, data["months"], amount)
