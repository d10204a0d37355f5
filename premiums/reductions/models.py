"""The table of reductions (減免), the 境界層措置 and deferrals (徴収猶予): the application with its
evidence and the section chief's decision."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models


class ReductionKind(models.TextChoices):
    """減免の事由 (条例; DOMAIN 2.10) and the 境界層措置."""

    DISASTER = "disaster", "災害による減免"
    INCOME_LOSS = "income_loss", "収入の著しい減少による減免"
    BREADWINNER = "breadwinner", "生計維持者の死亡・障害・長期入院による減免"
    DETENTION = "detention", "刑事施設等への拘禁による免除"
    BORDERLINE = "borderline", "境界層措置"
    DEFERRAL = "deferral", "徴収猶予"


class ReductionStatus(models.TextChoices):
    APPLIED = "applied", "申請中"
    APPROVED = "approved", "承認"
    REJECTED = "rejected", "却下"


class Evidence(models.TextChoices):
    """添付書類 (codes only: the documents themselves are paper in the file)."""

    DISASTER_CERTIFICATE = "disaster_certificate", "罹災証明書"
    INCOME_PROOF = "income_proof", "収入の減少を証する書類"
    DEATH_OR_HOSPITAL = "death_or_hospital", "死亡・入院等を証する書類"
    DETENTION_CERTIFICATE = "detention_certificate", "在監（拘禁）証明書"
    BORDERLINE_CERTIFICATE = "borderline_certificate", "境界層該当証明書"


class Reduction(models.Model):
    """An application for a reduction (減免), the 境界層措置 or a deferral (徴収猶予) of a fiscal
    year and its decision.

    Taken at the counter (申請), decided by the section chief (承認: the months and the share
    remitted, or the stage applied; 却下 with its reason). An approval puts the year on the
    re-levy queue; the levy applies approved reductions month by month. An approved deferral
    changes no amount: it records the 猶予期限 to which the bills due within its months move
    (premiums.rules.deferral)."""

    resident = models.ForeignKey("eligibility.Resident", on_delete=models.PROTECT, related_name="+")
    fiscal_year = models.PositiveSmallIntegerField("年度")
    kind = models.CharField("事由", max_length=16, choices=ReductionKind.choices)
    status = models.CharField("状態", max_length=10, choices=ReductionStatus.choices, default=ReductionStatus.APPLIED)
    applied_on = models.DateField("申請日")
    evidence = ArrayField(models.CharField(max_length=24, choices=Evidence.choices), verbose_name="添付書類",
                          default=list, blank=True)
    first_month = models.DateField("適用開始月")
    last_month = models.DateField("適用終了月")
    rate = models.DecimalField("減免の割合", max_digits=4, decimal_places=3, null=True, blank=True)
    stage = models.PositiveSmallIntegerField("適用する段階（境界層）", null=True, blank=True)
    deferred_until = models.DateField("猶予期限（徴収猶予）", null=True, blank=True)
    ended_at = models.DateTimeField("徴収猶予の取消日時", null=True, blank=True)
    ended_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name="徴収猶予を取り消した職員")
    end_reason = models.CharField("徴収猶予の取消の理由", max_length=200, blank=True, default="")
    received_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField("受付日時", auto_now_add=True)
    decided_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField("決定日時", null=True, blank=True)
    rejection_reason = models.CharField("却下の理由", max_length=200, blank=True, default="")

    class Meta:
        verbose_name = "減免"
        indexes = [models.Index(fields=["resident", "fiscal_year"], name="reduction_person_year")]
        constraints = [
            models.CheckConstraint(condition=models.Q(last_month__gte=models.F("first_month")),
                                   name="reduction_months_order"),
            models.CheckConstraint(condition=models.Q(status="applied")
                                   | (models.Q(decided_by__isnull=False) & models.Q(decided_at__isnull=False)),
                                   name="reduction_decided_by"),
            models.CheckConstraint(condition=~models.Q(status="approved") | models.Q(stage__isnull=False)
                                   | (models.Q(rate__gt=0) & models.Q(rate__lte=1))
                                   | (models.Q(kind="deferral") & models.Q(deferred_until__isnull=False)),
                                   name="reduction_grant"),
        ]
