"""The tables of collection (収納): payments of installments (by any channel, the deductions of
pensions included), the deductions a pension insurer reported not made, the store 速報 awaiting
their 確報, and the decisions on overpayments (還付・充当)."""

from __future__ import annotations

from django.db import models

from premiums.intake.models import InboundFile
from premiums.rules.codes import (
    CollectionMethod,
)

# --- payments (収納), refunds (還付) and offsets (充当) ------------------------------------------------


class PaymentChannel(models.TextChoices):
    COUNTER = "counter", "窓口"
    BANK = "bank", "金融機関窓口"
    TRANSFER = "transfer", "口座振替"
    CONVENIENCE = "convenience", "コンビニエンスストア"
    PENSION = "pension", "特別徴収（年金天引き）"
    OFFSET = "offset", "充当"


class Payment(models.Model):
    """Money received for a person's premium of a fiscal year, applied to one installment (the
    bill's 期 or the pension month: ``method`` and ``month``). Installments change with every levy
    revision; payments do not: the balance of an installment is what the current revision asks for
    that method and month minus the payments of that method and month. Rows are never changed:
    a correction is a negative payment of the same installment."""

    resident = models.ForeignKey("eligibility.Resident", on_delete=models.PROTECT, related_name="+")
    fiscal_year = models.PositiveSmallIntegerField("年度")
    method = models.CharField("徴収方法", max_length=8, choices=CollectionMethod.choices)
    month = models.DateField("納期の月")
    channel = models.CharField("収納方法", max_length=12, choices=PaymentChannel.choices)
    amount = models.IntegerField("金額")
    paid_on = models.DateField("納付日")
    booked_on = models.DateField("収納日")
    payment_number = models.CharField("納付番号", max_length=16, blank=True, default="")
    agent_code = models.CharField("収納機関コード", max_length=5, blank=True, default="")
    serial = models.CharField("受付番号", max_length=20, blank=True, default="")
    file = models.ForeignKey(InboundFile, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    recorded_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField("記録日時", auto_now_add=True)
    note = models.CharField("備考", max_length=200, blank=True, default="")

    class Meta:
        verbose_name = "収納"
        indexes = [models.Index(fields=["resident", "fiscal_year"], name="payment_person_year")]
        constraints = [
            # one collecting agent's receipt is counted once, whatever file brings it again
            models.UniqueConstraint(fields=["agent_code", "serial"], condition=~models.Q(serial=""),
                                    name="payment_receipt_once"),
            models.CheckConstraint(condition=~models.Q(amount=0), name="payment_not_zero"),
        ]


class DeductionStop(models.Model):
    """A pension deduction the 年金保険者 reported as not made (特別徴収結果通知: 未徴収): from this
    month on the year's deductions stop, and the re-levy bills what they would have collected
    (普通徴収への切替). Written by the results intake, with the person's year queued for the
    re-levy (cause ``pension``)."""

    resident = models.ForeignKey("eligibility.Resident", on_delete=models.PROTECT, related_name="+")
    fiscal_year = models.PositiveSmallIntegerField("年度")
    month = models.DateField("特別徴収されなかった月")
    result = models.CharField("処理結果", max_length=12)  # premiums.pension_feed.format.DeductionResult
    file = models.ForeignKey(InboundFile, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("記録日時", auto_now_add=True)

    class Meta:
        verbose_name = "特別徴収の不能"
        constraints = [models.UniqueConstraint(fields=["resident", "fiscal_year", "month"],
                                               name="deduction_stop_once")]


class PreliminaryPayment(models.Model):
    """A convenience-store 速報 (preliminary report of a payment): the store took the money, the
    confirmed record (確報) with the money itself follows some days later and only that becomes a
    Payment. Until then the installment is "paid, awaiting 確報": no reminder is issued for it and
    the premium tab says so. Confirmed when a 確報 of the same 納付番号, amount, 納付日 and
    collecting agent arrives."""

    resident = models.ForeignKey("eligibility.Resident", on_delete=models.PROTECT, related_name="+")
    fiscal_year = models.PositiveSmallIntegerField("年度")
    month = models.DateField("納期の月")
    amount = models.IntegerField("金額")
    paid_on = models.DateField("納付日")
    payment_number = models.CharField("納付番号", max_length=16)
    agent_code = models.CharField("収納機関コード", max_length=5)
    serial = models.CharField("受付番号", max_length=20)
    file = models.ForeignKey(InboundFile, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("記録日時", auto_now_add=True)
    confirmed_by = models.ForeignKey(Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                     verbose_name="確報")

    class Meta:
        verbose_name = "コンビニ速報"
        indexes = [models.Index(fields=["resident", "fiscal_year", "month"], name="preliminary_installment"),
                   models.Index(fields=["payment_number"], name="preliminary_number",
                                condition=models.Q(confirmed_by__isnull=True))]
        constraints = [models.UniqueConstraint(fields=["agent_code", "serial"], name="preliminary_receipt_once")]


class SettlementKind(models.TextChoices):
    REFUND = "refund", "還付"
    OFFSET = "offset", "充当"


class Settlement(models.Model):
    """A decision on an overpayment (過誤納金) of a fiscal year: refunded to the payer (還付) or
    applied to another open installment of the same person (充当; the Payment it creates is
    ``offset_payment``). Who decided and when is kept; decisions are never edited."""

    resident = models.ForeignKey("eligibility.Resident", on_delete=models.PROTECT, related_name="+")
    fiscal_year = models.PositiveSmallIntegerField("過納の年度")
    kind = models.CharField("種類", max_length=8, choices=SettlementKind.choices)
    amount = models.PositiveIntegerField("金額")
    offset_payment = models.OneToOneField(Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reason = models.CharField("理由", max_length=200, blank=True, default="")
    decided_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField("決定日時", auto_now_add=True)

    class Meta:
        verbose_name = "還付・充当"
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="settlement_positive"),
            models.CheckConstraint(condition=models.Q(kind="refund", offset_payment__isnull=True)
                                   | models.Q(kind="offset", offset_payment__isnull=False),
                                   name="settlement_offset_payment"),
        ]
