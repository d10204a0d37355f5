"""The co-payment ratio (利用者負担割合) of each person, one row per stretch of days with one ratio,
and the certificates (負担割合証) queued and printed. A recalculation never rewrites a row: it marks
the rows it supersedes (``replaced_at``) and adds the new ones, so a person's rows are the history
of their ratio with the reason and the cause of each. Income figures are not copied: a row keeps the
ids of the tax facts (premiums' 課税情報) it was computed from."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models

from benefits.rules.copayment_ratio import REASON_LABELS


class RatioCause(models.TextChoices):
    YEARLY = "yearly", "年次判定"
    CERTIFICATION = "certification", "新たな認定"
    HOUSEHOLD_CHANGE = "household_change", "世帯構成の変更"
    TAX_CORRECTION = "tax_correction", "課税情報の更正"


class RatioDetermination(models.Model):
    """The ratio of a person on the days ``valid_from``..``valid_to`` (both included) of the year
    starting ``period_start`` (8月1日), decided from the 住民税 facts of that fiscal year and the
    household on ``reference_day``."""

    resident = models.ForeignKey("eligibility.Resident", on_delete=models.PROTECT, related_name="+",
                                 verbose_name="被保険者")
    period_start = models.DateField("適用年度の開始日")
    valid_from = models.DateField("適用開始日")
    valid_to = models.DateField("適用終了日")
    ratio = models.PositiveSmallIntegerField("負担割合（割）")
    reason = models.CharField("判定の理由", max_length=24, choices=list(REASON_LABELS.items()))
    cause = models.CharField("判定の契機", max_length=20, choices=RatioCause.choices)
    reference_day = models.DateField("判定基準日")
    household_id = models.BigIntegerField("世帯番号", null=True, blank=True)
    first_class_members = models.PositiveSmallIntegerField("世帯の第1号被保険者数", default=0)
    tax_fact_ids = ArrayField(models.BigIntegerField(), verbose_name="判定に用いた課税情報", default=list, blank=True)
    batch_run = models.ForeignKey("batches.BatchRun", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    event_id = models.BigIntegerField("契機のイベント", null=True, blank=True)
    decided_at = models.DateTimeField("判定日時")
    replaced_at = models.DateTimeField("再判定により置換えた日時", null=True, blank=True)

    class Meta:
        verbose_name = "負担割合の判定"
        indexes = [
            models.Index(fields=["resident", "valid_from"], name="ratio_person"),
            models.Index(fields=["batch_run", "resident"], name="ratio_run"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["resident", "valid_from"], condition=models.Q(replaced_at__isnull=True),
                                    name="ratio_current_once"),
            models.CheckConstraint(condition=models.Q(ratio__gte=1) & models.Q(ratio__lte=3), name="ratio_one_to_three"),
            models.CheckConstraint(condition=models.Q(valid_to__gte=models.F("valid_from"))
                                   & models.Q(valid_from__gte=models.F("period_start")), name="ratio_valid_days"),
        ]

    def __str__(self) -> str:
        return f"負担割合の判定 {self.pk}"


class CertificateKind(models.TextChoices):
    YEARLY = "yearly", "年次一斉交付"
    NEW = "new", "新規交付"
    CHANGE = "change", "変更による再交付"


class RatioCertificate(models.Model):
    """A 負担割合証 to print for a determination (queued by the yearly run or a recalculation),
    printed in a batch (``printed_at``). One per determination."""

    determination = models.OneToOneField(RatioDetermination, on_delete=models.PROTECT, related_name="certificate")
    kind = models.CharField("交付の種類", max_length=10, choices=CertificateKind.choices)
    queued_at = models.DateTimeField("印刷待ちにした日時")
    batch_run = models.ForeignKey("batches.BatchRun", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    printed_at = models.DateTimeField("印刷日時", null=True, blank=True)
    printed_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = "負担割合証の交付"
        indexes = [models.Index(fields=["id"], condition=models.Q(printed_at__isnull=True), name="ratiocert_queued")]

    def __str__(self) -> str:
        return f"負担割合証 {self.pk}"
