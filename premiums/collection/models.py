"""The tables of collection (収納): payments of installments (by any channel, the deductions of
pensions included), the deductions a pension insurer reported not made, the store 速報 awaiting
their 確報, and the decisions on overpayments (還付・充当)."""

from __future__ import annotations

from django.db import models

from kaigo.crypto.fields import EncryptedTextField
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
    receipt = models.ForeignKey("CounterReceipt", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="payments", verbose_name="領収証書")

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


class CounterReceipt(models.Model):
    """One payment taken at the counter (窓口) for one or several installments and their late
    charges: what its 領収証書 prints (the Payment and LateChargePayment rows name it). Never changed."""

    resident = models.ForeignKey("eligibility.Resident", on_delete=models.PROTECT, related_name="+")
    paid_on = models.DateField("納付日")
    amount = models.PositiveIntegerField("領収金額")
    # the part beyond what the installments asked for, taken as an overpayment on the clerk's
    # explicit confirmation (recorded_by, recorded_at); 0: none
    overpaid = models.PositiveIntegerField("過納として受け付けた額", default=0)
    recorded_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("記録日時", auto_now_add=True)

    class Meta:
        verbose_name = "窓口収納（領収証書）"
        indexes = [models.Index(fields=["resident"], name="counterreceipt_person")]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="counterreceipt_positive")]


class LateChargePayment(models.Model):
    """Money received for the late charge (延滞金) of one bill installment (fiscal year, method,
    month), apart from the premium: at the counter with the installment, or the part of a paid bill
    beyond its installment (a 納付書 printed with its late charge). Rows are never changed: a
    correction is a negative row."""

    resident = models.ForeignKey("eligibility.Resident", on_delete=models.PROTECT, related_name="+")
    fiscal_year = models.PositiveSmallIntegerField("年度")
    method = models.CharField("徴収方法", max_length=8, choices=CollectionMethod.choices)
    month = models.DateField("納期の月")
    channel = models.CharField("収納方法", max_length=12, choices=PaymentChannel.choices)
    amount = models.IntegerField("金額")
    paid_on = models.DateField("納付日")
    booked_on = models.DateField("収納日")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name="同時に収納した保険料")
    receipt = models.ForeignKey(CounterReceipt, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="late_charges", verbose_name="領収証書")
    recorded_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField("記録日時", auto_now_add=True)

    class Meta:
        verbose_name = "延滞金の収納"
        indexes = [models.Index(fields=["resident", "fiscal_year"], name="latechargepayment_person")]
        constraints = [models.CheckConstraint(condition=~models.Q(amount=0), name="latechargepayment_not_zero")]


class ExemptionStatus(models.TextChoices):
    APPLIED = "applied", "申請中"
    APPROVED = "approved", "承認"
    REJECTED = "rejected", "却下"


class LateChargeExemption(models.Model):
    """減免 of the late charge (延滞金) of one bill installment: asked for by a clerk with the reason
    (やむを得ない理由: 災害, 病気, …, by the 条例), decided by the section chief (never the clerk who
    asked), recorded with the decision's reason. ``amount`` None: the whole charge, however it grows;
    else that many yen."""

    resident = models.ForeignKey("eligibility.Resident", on_delete=models.PROTECT, related_name="+")
    fiscal_year = models.PositiveSmallIntegerField("年度")
    method = models.CharField("徴収方法", max_length=8, choices=CollectionMethod.choices)
    month = models.DateField("納期の月")
    amount = models.PositiveIntegerField("減免額", null=True, blank=True)
    reason = models.CharField("申請の理由", max_length=200)
    status = models.CharField("状態", max_length=8, choices=ExemptionStatus.choices, default=ExemptionStatus.APPLIED)
    applied_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, related_name="+")
    applied_at = models.DateTimeField("申請日時", auto_now_add=True)
    decided_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField("決定日時", null=True, blank=True)
    decision_reason = models.CharField("決定の理由", max_length=200, blank=True, default="")

    class Meta:
        verbose_name = "延滞金の減免"
        indexes = [models.Index(fields=["resident", "fiscal_year"], name="latechargeexempt_person"),
                   models.Index(fields=["status"], name="latechargeexempt_open",
                                condition=models.Q(status="applied"))]


class HeldStatus(models.TextChoices):
    HELD = "held", "保留中"
    APPLIED = "applied", "過納として収納"
    RETURNED = "returned", "返戻"


class HeldPayment(models.Model):
    """A payment of a payment file held for a clerk's decision (保留) instead of being applied: its
    amount is beyond what the person's year still owes by more than the configured margin
    (settings.KAIGO_PAYMENT_HOLD_MARGIN; premiums.intake.services.payment_file_receive). A clerk
    applies it as an overpayment (a Payment, then the ordinary 還付・充当) or returns it (返戻: the
    money goes back through the collecting agent, nothing is booked); who decided, when and why is
    kept, and a decided row is never changed again."""

    file = models.ForeignKey(InboundFile, on_delete=models.PROTECT, related_name="+")
    line_no = models.PositiveIntegerField("行番号")
    resident = models.ForeignKey("eligibility.Resident", on_delete=models.PROTECT, related_name="+")
    fiscal_year = models.PositiveSmallIntegerField("年度")
    method = models.CharField("徴収方法", max_length=8, choices=CollectionMethod.choices)
    month = models.DateField("納期の月")
    channel = models.CharField("収納方法", max_length=12, choices=PaymentChannel.choices)
    amount = models.PositiveIntegerField("金額")
    open_amount = models.IntegerField("保留時の年度の未納額")
    paid_on = models.DateField("納付日")
    booked_on = models.DateField("収納日")
    payment_number = models.CharField("納付番号", max_length=16)
    agent_code = models.CharField("収納機関コード", max_length=5)
    serial = models.CharField("受付番号", max_length=20)
    held_at = models.DateTimeField("保留日時", auto_now_add=True)
    status = models.CharField("状態", max_length=8, choices=HeldStatus.choices, default=HeldStatus.HELD)
    decided_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField("判断日時", null=True, blank=True)
    reason = models.CharField("判断の理由", max_length=200, blank=True, default="")
    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = "保留中の収納"
        indexes = [models.Index(fields=["status", "id"], name="heldpayment_open")]
        constraints = [
            # a receipt is held once, whatever file brings it again (as Payment's payment_receipt_once)
            models.UniqueConstraint(fields=["agent_code", "serial"], name="heldpayment_receipt_once"),
            models.UniqueConstraint(fields=["file", "line_no"], name="heldpayment_line_once"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="heldpayment_positive"),
            models.CheckConstraint(condition=models.Q(status="applied", payment__isnull=False)
                                   | ~models.Q(status="applied") & models.Q(payment__isnull=True),
                                   name="heldpayment_applied_payment"),
            models.CheckConstraint(condition=models.Q(status="held", decided_by__isnull=True)
                                   | ~models.Q(status="held") & models.Q(decided_by__isnull=False),
                                   name="heldpayment_decided_by"),
        ]


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
    # a refund's account (還付先口座), entered by the clerk: bank and branch codes (全銀協 codes, public)
    # in clear; the account number and the holder's name encrypted with the person's data key
    bank_code = models.CharField("金融機関コード", max_length=4, blank=True, default="")
    branch_code = models.CharField("支店コード", max_length=3, blank=True, default="")
    account_type = models.CharField("預金種目", max_length=1, blank=True, default="")
    account_number = EncryptedTextField("口座番号", null=True, blank=True)
    account_holder = EncryptedTextField("口座名義（カナ）", null=True, blank=True)

    encryption_person_field = "resident_id"

    def encryption_person_id(self) -> int:
        return self.resident_id

    class Meta:
        verbose_name = "還付・充当"
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="settlement_positive"),
            models.CheckConstraint(condition=models.Q(kind="refund", offset_payment__isnull=True)
                                   | models.Q(kind="offset", offset_payment__isnull=False),
                                   name="settlement_offset_payment"),
        ]


class TransferStatus(models.TextChoices):
    SENT = "sent", "振込依頼済"
    DONE = "done", "振込済"
    FAILED = "failed", "振込不能"


class BankTransferFile(models.Model):
    """A 総合振込 file written for the bank (kaigo.bank): the refunds it pays. Its lines keep each
    refund's result from the bank's return."""

    transfer_date = models.DateField("振込指定日")
    records = models.PositiveIntegerField("件数")
    total = models.PositiveBigIntegerField("合計金額")
    sha256 = models.CharField("SHA-256", max_length=64)
    created_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    result_received_at = models.DateTimeField("結果受信日時", null=True, blank=True)

    class Meta:
        verbose_name = "振込ファイル"


class BankTransferLine(models.Model):
    """One refund in a transfer file (its data record's 顧客コード1 is this row's id)."""

    file = models.ForeignKey(BankTransferFile, on_delete=models.PROTECT, related_name="lines")
    settlement = models.OneToOneField(Settlement, on_delete=models.PROTECT, related_name="transfer",
                                      verbose_name="還付")
    resident = models.ForeignKey("eligibility.Resident", on_delete=models.PROTECT, related_name="+")
    amount = models.PositiveIntegerField("振込金額")
    status = models.CharField("状態", max_length=8, choices=TransferStatus.choices, default=TransferStatus.SENT)
    result_code = models.CharField("振込結果コード", max_length=1, blank=True, default="")

    class Meta:
        verbose_name = "振込"
