"""The tables of the levy (賦課): each person's levy of a fiscal year as revisions (本算定, 仮算定,
更正), their installments, and the queue of persons and years waiting for the re-levy."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models

from premiums.intake.models import PensionFact, TaxFact
from premiums.rates.models import PremiumRateTable
from premiums.rules.codes import (
    CollectionMethod,
    CollectionReason,
    InstallmentKind,
    StageReason,
)

# --- the levy (賦課) ---------------------------------------------------------------------------


class LevySource(models.TextChoices):
    PROVISIONAL = "provisional", "仮算定"
    MAIN = "main", "本算定"
    RELEVY = "relevy", "異動による更正"
    CORRECTION = "correction", "更正（職員）"


class Levy(models.Model):
    """One revision of a person's premium for a fiscal year: the stage with the facts that decided
    it, the amount with its months, the collection method and (in LevyInstallment) the schedule.

    Revisions never change: a correction closes the current row (``recorded_to``) and adds the
    next revision, so what the office had decided at any time can be shown and explained.
    One current revision per person and year (unique constraint). ``notice_number`` (通知書番号)
    stays the same across a year's revisions and is part of every bill's 納付番号."""

    # fewer single-column indexes (a levy writes a million rows: each index costs): levy_history and
    # levy_current_once lead with the resident; rate tables, staff and batch runs are never deleted
    # (PROTECT) nor searched by. Tax and pension facts keep theirs: deleting a person's facts after
    # the retention period checks the levies that name them.
    resident = models.ForeignKey("eligibility.Resident", on_delete=models.PROTECT, related_name="+", db_index=False)
    fiscal_year = models.PositiveSmallIntegerField("年度")
    revision = models.PositiveSmallIntegerField("版")
    notice_number = models.PositiveIntegerField("通知書番号")
    source = models.CharField("賦課の種類", max_length=12, choices=LevySource.choices)
    cause = models.CharField("更正の理由", max_length=200, blank=True, default="")
    recorded_from = models.DateTimeField("記録日時")
    recorded_to = models.DateTimeField("取消日時", null=True, blank=True)
    recorded_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                    db_index=False)
    batch_run = models.ForeignKey("batches.BatchRun", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                  db_index=False)
    # the stage and what decided it
    rate_table = models.ForeignKey(PremiumRateTable, on_delete=models.PROTECT, related_name="+", db_index=False)
    tax_fact = models.ForeignKey(TaxFact, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    stage = models.PositiveSmallIntegerField("所得段階")
    stage_reason = models.CharField("段階の判定理由", max_length=24, choices=StageReason.choices)
    adjusted_income = models.BigIntegerField("判定に用いた合計所得金額")
    measure = models.BigIntegerField("判定に用いた所得額")
    # the amount
    annual_amount = models.PositiveIntegerField("年額保険料（12か月）")
    reduction = models.PositiveIntegerField("公費による軽減額", default=0)
    first_month = models.DateField("賦課の開始月", null=True, blank=True)
    months = models.PositiveSmallIntegerField("賦課月数")
    amount = models.PositiveIntegerField("保険料額")
    exemption = models.PositiveIntegerField("減免額", default=0)
    # collection
    pension_fact = models.ForeignKey(PensionFact, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    collection_method = models.CharField("徴収方法", max_length=8, choices=CollectionMethod.choices)
    collection_reason = models.CharField("徴収方法の理由", max_length=20, choices=CollectionReason.choices)
    pension_from = models.DateField("特別徴収の開始月", null=True, blank=True)
    provisional_amount = models.PositiveIntegerField("仮徴収額", null=True, blank=True)
    overpaid = models.PositiveIntegerField("過納額", default=0)
    february_deduction = models.PositiveIntegerField("2月の特別徴収額", default=0)

    class Meta:
        verbose_name = "賦課"
        indexes = [
            models.Index(fields=["resident", "fiscal_year", "revision"], name="levy_history"),
            models.Index(fields=["fiscal_year", "notice_number"], name="levy_notice_number",
                         condition=models.Q(recorded_to__isnull=True)),
        ]
        constraints = [
            models.UniqueConstraint(fields=["resident", "fiscal_year"], condition=models.Q(recorded_to__isnull=True),
                                    name="levy_current_once"),
            models.UniqueConstraint(fields=["resident", "fiscal_year", "revision"], name="levy_revision_once"),
            models.CheckConstraint(condition=models.Q(months__lte=12), name="levy_months"),
            models.CheckConstraint(condition=models.Q(recorded_to__isnull=True)
                                   | models.Q(recorded_to__gte=models.F("recorded_from")),
                                   name="levy_recorded_order"),
        ]


class LevyInstallment(models.Model):
    """One installment of a levy revision: a bill (普通徴収 期 or 随時) or a pension deduction
    (特別徴収 仮徴収 / 本徴収). A revision's installments are written with it and never change."""

    # indexed by levyinstallment_once (levy, method, month)
    levy = models.ForeignKey(Levy, on_delete=models.PROTECT, related_name="installments", db_index=False)
    method = models.CharField("徴収方法", max_length=8, choices=CollectionMethod.choices)
    kind = models.CharField("区分", max_length=12, choices=InstallmentKind.choices)
    number = models.PositiveSmallIntegerField("期別")
    month = models.DateField("対象月")  # first day of the installment's month
    due_date = models.DateField("納期限・支払日")
    amount = models.PositiveIntegerField("金額")

    class Meta:
        verbose_name = "納期（賦課）"
        constraints = [
            models.UniqueConstraint(fields=["levy", "method", "month"], name="levyinstallment_once"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="levyinstallment_positive"),
        ]


class LevyPendingCause(models.TextChoices):
    QUALIFICATION = "qualification", "資格の異動"
    TAX = "tax", "課税情報の更正"
    REDUCTION = "reduction", "減免の決定"
    STAFF = "staff", "職員による再計算"
    PENSION = "pension", "特別徴収の不能（普通徴収へ切替）"


class LevyPending(models.Model):
    """A person's year to be levied again (更正): written by the consumers of qualification events,
    by the tax intake's corrections and by reduction decisions, consumed by the re-levy batch
    (``premiums.relevy``). One open row per person and year: a later cause widens ``since`` to
    the earliest day and adds its cause."""

    resident = models.ForeignKey("eligibility.Resident", on_delete=models.PROTECT, related_name="+")
    fiscal_year = models.PositiveSmallIntegerField("年度")
    since = models.DateField("異動の効力発生日")
    causes = ArrayField(models.CharField(max_length=16, choices=LevyPendingCause.choices), verbose_name="理由")
    created_at = models.DateTimeField("登録日時", auto_now_add=True)
    processed_at = models.DateTimeField("処理日時", null=True, blank=True)
    batch_run = models.ForeignKey("batches.BatchRun", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = "再賦課の対象"
        constraints = [
            models.UniqueConstraint(fields=["resident", "fiscal_year"], condition=models.Q(processed_at__isnull=True),
                                    name="levypending_open_once"),
        ]
