"""Reads of the premium tables: the approved rate table (保険料率表) and collection plan
(徴収計画) of a fiscal year as the pure objects of premiums.rules.tables, which the levy passes
to the rules. No personal data: no access log. See docs/subsystems/premium-rate-tables.md."""

from __future__ import annotations

from django.db.models import Q

from premiums.rates.models import PremiumCollectionPlan, PremiumRateTable, RateTableStatus
from premiums.rules.codes import PensionKind, RoundingMode, StageGroup
from premiums.rules.errors import RateTableError
from premiums.rules.tables import (
    BillingPlan,
    CollectionPlan,
    PensionDeductionPlan,
    RateTable,
    Rounding,
    Stage,
)


def to_rule_table(table: PremiumRateTable, stages=None) -> RateTable:
    """The stored table as premiums.rules.tables.RateTable (validated by its own checks:
    RateTableError when malformed). ``stages``: the table's PremiumStage rows, if loaded."""
    rows = sorted(stages if stages is not None else table.stages.all(), key=lambda s: s.number)
    return RateTable(
        name=table.name,
        valid_from=table.valid_from,
        valid_to=table.valid_to,
        base_amount=table.base_amount,
        stages=tuple(
            Stage(
                number=s.number,
                group=StageGroup(s.group),
                income_upper=s.income_upper,
                upper_inclusive=s.upper_inclusive,
                multiplier=s.multiplier,
                reduced_multiplier=s.reduced_multiplier,
                label=s.label,
            )
            for s in rows
        ),
        annual_rounding=Rounding(table.annual_rounding_unit, RoundingMode(table.annual_rounding_mode)),
        proration_rounding=Rounding(table.proration_rounding_unit, RoundingMode(table.proration_rounding_mode)),
        public_assistance_stage=table.public_assistance_stage,
        old_age_welfare_pension_stage=table.old_age_welfare_pension_stage,
        income_adjustment=table.income_adjustment,
        income_adjustment_taxed=table.income_adjustment_taxed,
        count_non_taxable_pension=table.count_non_taxable_pension,
    )


def _covering(fiscal_year: int) -> Q:
    return Q(valid_from__lte=fiscal_year) & (Q(valid_to__isnull=True) | Q(valid_to__gte=fiscal_year))


def rate_table_for(fiscal_year: int) -> RateTable:
    """The approved rate table covering ``fiscal_year`` as the pure RateTable (what the levy
    calls). RateTableError (code premium_rate_table_missing) when no approved table covers it."""
    return rate_table_row_for(fiscal_year)[1]


def rate_table_row_for(fiscal_year: int) -> tuple[int, RateTable]:
    """The id of the approved rate table covering ``fiscal_year`` (kept on each levy row) and the
    table as the pure RateTable."""
    table = (
        PremiumRateTable.objects.filter(_covering(fiscal_year), status=RateTableStatus.APPROVED)
        .prefetch_related("stages").first()
    )
    if table is None:
        raise RateTableError(
            f"{fiscal_year}年度に適用する保険料率表がありません。", code="premium_rate_table_missing"
        )
    return table.pk, to_rule_table(table)


def approved_rate_tables() -> list[RateTable]:
    """Every approved table as the pure RateTable, by first fiscal year."""
    return [
        to_rule_table(t)
        for t in PremiumRateTable.objects.filter(status=RateTableStatus.APPROVED)
        .order_by("valid_from").prefetch_related("stages")
    ]


def to_rule_plan(plan: PremiumCollectionPlan) -> CollectionPlan:
    """The stored plan as premiums.rules.tables.CollectionPlan (validated by its own checks)."""
    return CollectionPlan(
        name=plan.name,
        valid_from=plan.valid_from,
        valid_to=plan.valid_to,
        billing=BillingPlan(
            due_months=tuple(plan.billing_due_months),
            due_day=plan.billing_due_day,
            due_day_overrides=tuple((int(m), int(d)) for m, d in plan.billing_due_day_overrides),
            unit=plan.billing_unit,
        ),
        pension=PensionDeductionPlan(
            minimum_annual_pension=plan.pension_minimum_annual,
            excluded_kinds=frozenset(PensionKind(k) for k in plan.pension_excluded_kinds),
            listing_lead_months=plan.pension_listing_lead_months,
            final_unit=plan.pension_final_unit,
            levelling_unit=plan.pension_levelling_unit,
            payment_day=plan.pension_payment_day,
        ),
    )


def collection_plan_for(fiscal_year: int) -> CollectionPlan:
    """The approved collection plan covering ``fiscal_year`` as the pure CollectionPlan.
    RateTableError (code premium_rate_table_missing) when none covers it."""
    plan = PremiumCollectionPlan.objects.filter(_covering(fiscal_year), status=RateTableStatus.APPROVED).first()
    if plan is None:
        raise RateTableError(f"{fiscal_year}年度に適用する徴収計画がありません。",
                             code="premium_rate_table_missing")
    return to_rule_plan(plan)


def rate_table_list() -> list[PremiumRateTable]:
    """Every stored rate table, approved and draft, newest fiscal years first (for the screens)."""
    return list(PremiumRateTable.objects.select_related("created_by", "approved_by")
                .order_by("-valid_from", "-id"))


def collection_plan_list() -> list[PremiumCollectionPlan]:
    """Every stored collection plan, newest fiscal years first."""
    return list(PremiumCollectionPlan.objects.select_related("created_by", "approved_by")
                .order_by("-valid_from", "-id"))
