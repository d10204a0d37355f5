"""Premium tables stored in the database: the rate tables (保険料率表) and the collection plans
(徴収計画) by fiscal year, editable by head office and approved by the section chief. The pure
rules (premiums.rules) never read these models: premiums.rates.selectors.rate_table_for and
collection_plan_for convert the approved rows into premiums.rules.tables.RateTable and
CollectionPlan. See docs/subsystems/premium-rate-tables.md."""

from __future__ import annotations

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, IntegerRangeField, RangeOperators
from django.db import models

from premiums.rules.codes import (
    PensionKind,
    RoundingMode,
    StageGroup,
)


class FiscalYearRange(models.Func):
    """int4range(valid_from, valid_to, '[]'): both fiscal years inclusive, NULL upper = open."""

    function = "int4range"
    template = "%(function)s(%(expressions)s, '[]')"
    output_field = IntegerRangeField()


class RateTableStatus(models.TextChoices):
    DRAFT = "draft", "作成中"
    APPROVED = "approved", "承認済"


def fiscal_year_version_constraints(prefix: str) -> list:
    """The constraints of a table in force for a range of fiscal years and approved by the section
    chief (rate tables, collection plans), named ``<prefix>_...``."""
    return [
        models.CheckConstraint(condition=models.Q(valid_to__isnull=True)
                               | models.Q(valid_to__gte=models.F("valid_from")),
                               name=f"{prefix}_years_order"),
        models.CheckConstraint(condition=models.Q(status=RateTableStatus.DRAFT)
                               | models.Q(approved_at__isnull=False),
                               name=f"{prefix}_approved_at"),
        # approved versions never cover the same fiscal year twice (btree_gist: eligibility 0003)
        ExclusionConstraint(
            name=f"{prefix}_no_overlap",
            expressions=[(FiscalYearRange("valid_from", "valid_to"), RangeOperators.OVERLAPS)],
            condition=models.Q(status=RateTableStatus.APPROVED),
        ),
    ]


class PremiumRateTable(models.Model):
    """保険料率表 of a range of fiscal years (年度, both ends inclusive; ``valid_to`` NULL = open).

    A draft is edited by head office; the section chief approves it after the pure RateTable's
    own validation. Approved tables never overlap in fiscal years (exclusion constraint) and are
    not edited any more: a change is a new table for the next fiscal year.
    """

    name = models.CharField("名称", max_length=100)
    valid_from = models.PositiveSmallIntegerField("適用開始年度")
    valid_to = models.PositiveSmallIntegerField("適用終了年度", null=True, blank=True)
    base_amount = models.PositiveIntegerField("基準額（年額）")
    annual_rounding_unit = models.PositiveIntegerField("年額の端数処理単位", default=1)
    annual_rounding_mode = models.CharField("年額の端数処理方法", max_length=8, choices=RoundingMode.choices,
                                            default=RoundingMode.DOWN)
    proration_rounding_unit = models.PositiveIntegerField("月割額の端数処理単位", default=1)
    proration_rounding_mode = models.CharField("月割額の端数処理方法", max_length=8, choices=RoundingMode.choices,
                                               default=RoundingMode.DOWN)
    public_assistance_stage = models.PositiveSmallIntegerField("生活保護受給者の段階", default=1)
    old_age_welfare_pension_stage = models.PositiveSmallIntegerField("老齢福祉年金受給者の段階", default=1)
    income_adjustment = models.PositiveIntegerField("所得調整額", default=100_000)
    income_adjustment_taxed = models.BooleanField("本人課税の段階にも所得調整を適用", default=True)
    count_non_taxable_pension = models.BooleanField("非課税年金を算入", default=False)
    status = models.CharField("状態", max_length=8, choices=RateTableStatus.choices, default=RateTableStatus.DRAFT)
    copied_from = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    approved_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    approved_at = models.DateTimeField("承認日時", null=True, blank=True)

    class Meta:
        verbose_name = "保険料率表"
        constraints = [
            *fiscal_year_version_constraints("premiumratetable"),
            models.CheckConstraint(condition=models.Q(base_amount__gt=0), name="premiumratetable_base_positive"),
            models.CheckConstraint(condition=models.Q(annual_rounding_unit__gte=1)
                                   & models.Q(proration_rounding_unit__gte=1),
                                   name="premiumratetable_rounding_unit"),
        ]

    def __str__(self) -> str:
        return self.name


class PremiumStage(models.Model):
    """One income stage (所得段階) of a rate table: premiums.rules.tables.Stage as a row."""

    table = models.ForeignKey(PremiumRateTable, on_delete=models.CASCADE, related_name="stages")
    number = models.PositiveSmallIntegerField("段階")
    group = models.CharField("区分", max_length=20, choices=StageGroup.choices)
    income_upper = models.BigIntegerField("所得の上限", null=True, blank=True)
    upper_inclusive = models.BooleanField("上限を含む（以下）")
    multiplier = models.DecimalField("保険料率", max_digits=6, decimal_places=4)
    reduced_multiplier = models.DecimalField("軽減後の保険料率", max_digits=6, decimal_places=4,
                                             null=True, blank=True)
    label = models.CharField("表示名", max_length=40, blank=True, default="")

    class Meta:
        verbose_name = "保険料段階"
        ordering = ["table", "number"]
        constraints = [
            models.UniqueConstraint(fields=["table", "number"], name="premiumstage_number_once"),
            models.CheckConstraint(condition=models.Q(number__gte=1), name="premiumstage_number_positive"),
            models.CheckConstraint(condition=models.Q(multiplier__gt=0), name="premiumstage_multiplier_positive"),
            models.CheckConstraint(condition=models.Q(reduced_multiplier__isnull=True)
                                   | (models.Q(reduced_multiplier__gt=0)
                                      & models.Q(reduced_multiplier__lte=models.F("multiplier"))),
                                   name="premiumstage_reduced_multiplier"),
            models.CheckConstraint(condition=models.Q(income_upper__isnull=True) | models.Q(income_upper__gte=0),
                                   name="premiumstage_upper_positive"),
        ]

    def __str__(self) -> str:
        return self.label or f"第{self.number}段階"


class PremiumCollectionPlan(models.Model):
    """徴収計画 of a range of fiscal years: premiums.rules.tables.CollectionPlan as a row (the
    普通徴収 installments and the 特別徴収 parameters). Drafted, approved and never overlapping
    like PremiumRateTable."""

    name = models.CharField("名称", max_length=100)
    valid_from = models.PositiveSmallIntegerField("適用開始年度")
    valid_to = models.PositiveSmallIntegerField("適用終了年度", null=True, blank=True)
    # 普通徴収 (BillingPlan)
    billing_due_months = ArrayField(models.PositiveSmallIntegerField(), verbose_name="普通徴収の納期の月")
    billing_due_day = models.PositiveSmallIntegerField("納期限の日（空欄は月末）", null=True, blank=True)
    billing_due_day_overrides = models.JSONField("月ごとの納期限の日", default=list, blank=True)  # [[12, 25]]
    billing_unit = models.PositiveIntegerField("各期の端数単位", default=100)
    billing_provisional_periods = models.PositiveSmallIntegerField("普通徴収の仮算定期の数", default=0)
    # 特別徴収 (PensionDeductionPlan)
    pension_minimum_annual = models.PositiveIntegerField("特別徴収の対象となる年金額の下限（年額）")
    pension_excluded_kinds = ArrayField(models.CharField(max_length=20, choices=PensionKind.choices),
                                        verbose_name="特別徴収の対象外の年金", default=list, blank=True)
    pension_listing_lead_months = models.PositiveSmallIntegerField("対象者情報から特別徴収開始までの月数")
    pension_final_unit = models.PositiveIntegerField("本徴収の端数単位", default=100)
    pension_levelling_unit = models.PositiveIntegerField("平準化の端数単位", default=100)
    pension_payment_day = models.PositiveSmallIntegerField("年金支払日", default=15)
    status = models.CharField("状態", max_length=8, choices=RateTableStatus.choices, default=RateTableStatus.DRAFT)
    copied_from = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    approved_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    approved_at = models.DateTimeField("承認日時", null=True, blank=True)

    class Meta:
        verbose_name = "徴収計画"
        constraints = [
            *fiscal_year_version_constraints("premiumcollectionplan"),
        ]

    def __str__(self) -> str:
        return self.name
