"""The table of arrears: write-offs (不納欠損) of bill installments whose right of collection has
lapsed (時効, 法 §200)."""

from __future__ import annotations

from django.db import models

from premiums.rules.codes import (
    CollectionMethod,
)


class WriteOff(models.Model):
    """不納欠損: the unpaid part of an installment whose right of collection lapsed by prescription
    (時効, 法 §200) on ``prescribed_on``; it leaves the balance and starts the benefit reduction
    (給付額減額, DOMAIN 4.7) of the person. Written by the prescription batch, once per installment."""

    resident = models.ForeignKey("eligibility.Resident", on_delete=models.PROTECT, related_name="+")
    fiscal_year = models.PositiveSmallIntegerField("年度")
    method = models.CharField("徴収方法", max_length=8, choices=CollectionMethod.choices)
    month = models.DateField("納期の月")
    amount = models.PositiveIntegerField("欠損額")
    prescribed_on = models.DateField("時効完成の翌日")
    batch_run = models.ForeignKey("batches.BatchRun", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField("記録日時", auto_now_add=True)

    class Meta:
        verbose_name = "不納欠損"
        constraints = [
            models.UniqueConstraint(fields=["resident", "fiscal_year", "method", "month"], name="writeoff_once"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="writeoff_positive"),
        ]
