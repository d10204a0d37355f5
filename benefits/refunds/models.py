"""高額介護サービス費 (high-cost care service refund): the register of received first applications,
each month's computed refunds per person with what they were computed from, and the decisions by a
named staff member (docs/subsystems/benefits-high-cost.md)."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models


class HighCostApplication(models.Model):
    """The register of received application forms (高額介護サービス費支給申請書): a person's first
    refund needs one; the later months are paid without (申請は初回のみ). Registered when the paper
    arrives (received date and the receiving staff member), so that no form is lost."""

    resident = models.OneToOneField("eligibility.Resident", on_delete=models.PROTECT, related_name="+")
    received_on = models.DateField("受付日")
    received_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, related_name="+")
    first_month = models.DateField("申請のあったサービス提供年月")  # first day of the month
    note = models.CharField("備考", max_length=200, blank=True, default="")
    registered_at = models.DateTimeField("登録日時", auto_now_add=True)

    class Meta:
        verbose_name = "高額介護サービス費支給申請書の受付"

    def __str__(self) -> str:
        return f"高額介護サービス費支給申請 {self.pk}"


class HighCostDecision(models.Model):
    """The decision of a service month's refunds (支給決定) by a named staff member: the lines it
    covers point to it (HighCostRefund.decision)."""

    service_month = models.DateField("サービス提供年月")
    decided_on = models.DateField("決定日")
    decided_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField("決定日時", auto_now_add=True)
    lines = models.PositiveIntegerField("件数", default=0)
    total = models.BigIntegerField("支給額の合計（差額）", default=0)

    class Meta:
        verbose_name = "高額介護サービス費の支給決定"

    def __str__(self) -> str:
        return f"高額介護サービス費の支給決定 {self.pk}"


class HighCostRefund(models.Model):
    """One computation of a person's refund for a service month. ``amount`` is the refund due as
    computed; ``difference`` what this computation adds to the previous one of the same person and
    month (the first: the amount), the only thing to pay (or, negative, to recover). A run writes a
    line only where the amount or what it was computed from changed, so a repeated run writes
    nothing. Traceable: the benefit records (``record_ids``), the household members and the tax
    facts (``tax_fact_ids``) it was computed from."""

    service_month = models.DateField("サービス提供年月")  # first day of the month
    resident = models.ForeignKey("eligibility.Resident", on_delete=models.PROTECT, related_name="+", db_index=False)
    seq = models.PositiveSmallIntegerField("計算の回数")
    run = models.ForeignKey("batches.BatchRun", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    household_id = models.BigIntegerField("世帯番号", null=True, blank=True)  # None: no household recorded
    category = models.CharField("所得区分", max_length=20)
    copayment = models.PositiveIntegerField("利用者負担額")
    household_total = models.PositiveIntegerField("利用者負担世帯合算額")
    household_cap = models.PositiveIntegerField("世帯の上限額", null=True, blank=True)
    amount = models.IntegerField("支給額")
    difference = models.IntegerField("前回との差額")
    members = ArrayField(models.BigIntegerField(), verbose_name="合算した世帯員")
    record_ids = ArrayField(models.BigIntegerField(), verbose_name="計算に用いた給付実績")
    tax_fact_ids = ArrayField(models.BigIntegerField(), verbose_name="計算に用いた課税情報")
    computed_at = models.DateTimeField("計算日時", auto_now_add=True)
    decision = models.ForeignKey(HighCostDecision, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="refunds")

    class Meta:
        verbose_name = "高額介護サービス費の計算結果"
        constraints = [models.UniqueConstraint(fields=["resident", "service_month", "seq"], name="highcostrefund_once")]
        indexes = [models.Index(fields=["service_month"], name="highcostrefund_month")]

    def __str__(self) -> str:
        return f"高額介護サービス費の計算結果 {self.pk}"
