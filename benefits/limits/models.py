"""Facility cost limits (負担限度額認定): one row per application, received on arrival (day and
receiver), holding what the applicant DECLARED (預貯金等, the spouse, 非課税年金, 老齢福祉年金) as given,
and, once a named staff member decides it, the decision: the stage (or the refusal), the validity
(the month of application, or 8月1日 for a renewal, to 7月31日) and the facts it read (tax fact ids,
household). Never deleted; a later certification ends an earlier one's validity (``valid_to``).
In the change trail (benefits/trail.py)."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models

from benefits.rules.limits import REFUSAL_LABELS, SERVICE_LABELS, STAGE_LABELS


class LimitApplication(models.Model):
    resident = models.ForeignKey("eligibility.Resident", on_delete=models.PROTECT, related_name="+",
                                 verbose_name="被保険者")
    received_on = models.DateField("受付日")
    received_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, related_name="+",
                                    verbose_name="受け付けた職員")
    renewal = models.BooleanField("更新申請（8月1日から）", default=False)
    service = models.CharField("利用するサービス", max_length=16, choices=list(SERVICE_LABELS.items()))
    # as declared by the applicant (never guessed)
    assets = models.BigIntegerField("申告された預貯金等の額（本人）")
    has_spouse = models.BooleanField("配偶者の有無")
    spouse = models.ForeignKey("eligibility.Resident", on_delete=models.PROTECT, related_name="+", null=True,
                               blank=True, verbose_name="配偶者（市内に住所がある場合）")
    spouse_taxed_declared = models.BooleanField("配偶者の課税（市外の配偶者の申告）", null=True, blank=True)
    spouse_assets = models.BigIntegerField("申告された預貯金等の額（配偶者）", default=0)
    non_taxed_pensions = models.BigIntegerField("非課税年金（遺族年金・障害年金）の年額", default=0)
    old_age_welfare_pension = models.BooleanField("老齢福祉年金の受給", default=False)
    entered_at = models.DateTimeField("入力日時", auto_now_add=True)
    # the decision
    decided_at = models.DateTimeField("決定日時", null=True, blank=True)
    decided_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, related_name="+", null=True, blank=True,
                                   verbose_name="決定した職員")
    stage = models.CharField("利用者負担段階", max_length=2, choices=list(STAGE_LABELS.items()), blank=True,
                             default="")
    refusal = models.CharField("却下の理由", max_length=16, choices=list(REFUSAL_LABELS.items()), blank=True,
                               default="")
    valid_from = models.DateField("適用年月日", null=True, blank=True)
    valid_to = models.DateField("有効期限", null=True, blank=True)
    income_figure = models.BigIntegerField("年金収入額とその他の合計所得金額の合計", null=True, blank=True)
    asset_limit = models.BigIntegerField("預貯金等の基準額", null=True, blank=True)
    tax_year = models.IntegerField("課税年度", null=True, blank=True)
    tax_fact_ids = ArrayField(models.BigIntegerField(), verbose_name="参照した課税情報", default=list, blank=True)
    household_id = models.BigIntegerField("世帯番号", null=True, blank=True)

    class Meta:
        verbose_name = "負担限度額認定"
        indexes = [models.Index(fields=["resident", "received_on"], name="benlimit_person")]
        constraints = [
            models.CheckConstraint(condition=models.Q(assets__gte=0) & models.Q(spouse_assets__gte=0)
                                   & models.Q(non_taxed_pensions__gte=0), name="benlimit_amounts"),
            models.CheckConstraint(condition=models.Q(decided_at__isnull=True)
                                   | ~models.Q(stage="") | ~models.Q(refusal=""), name="benlimit_outcome"),
            models.CheckConstraint(condition=models.Q(valid_to__isnull=True) | models.Q(valid_from__isnull=True)
                                   | models.Q(valid_to__gte=models.F("valid_from")), name="benlimit_validity"),
        ]

    def __str__(self) -> str:
        return f"負担限度額認定 {self.pk}"

    @property
    def certified(self) -> bool:
        return bool(self.decided_at and self.stage)
