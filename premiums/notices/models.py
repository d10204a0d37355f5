"""The table of the notices printed (the print event: the PDF itself is never stored)."""

from __future__ import annotations

from django.db import models

from premiums.levy.models import Levy


class NoticeKind(models.TextChoices):
    DECISION = "decision", "保険料額決定通知書"
    PROVISIONAL = "provisional", "仮算定通知書"  # April: the 仮徴収 of a 仮算定 revision (LevySource.PROVISIONAL)
    CHANGE = "change", "保険料額変更通知書"
    PAYMENT_SLIP = "payment_slip", "納付書"
    PENSION_START = "pension_start", "特別徴収開始通知書"
    PENSION_STOP = "pension_stop", "特別徴収中止通知書"  # a correction that stops deductions the revision before made
    REMINDER = "reminder", "督促状"
    DEMAND = "demand", "催告書"
    # the notices of a reduction's decision (PremiumNotice.reduction names it)
    REDUCTION = "reduction", "減免決定通知書"
    DEFERRAL = "deferral", "徴収猶予決定通知書"
    DEFERRAL_END = "deferral_end", "徴収猶予取消通知書"
    REDUCTION_REJECTION = "reduction_reject", "減免（徴収猶予）申請却下通知書"


class PremiumNotice(models.Model):
    """A notice printed for a person (one row per print, a reprint marked as such): what the
    premium tab lists as 'notices sent'. The PDF itself is not stored: it is drawn again from
    the levy revision it names, or for the notices of a reduction's decision from the reduction
    (``reduction``; ``levy`` is then the year's revision whose 通知書番号 it printed, if any)."""

    resident = models.ForeignKey("eligibility.Resident", on_delete=models.PROTECT, related_name="+")
    fiscal_year = models.PositiveSmallIntegerField("年度")
    kind = models.CharField("種類", max_length=16, choices=NoticeKind.choices)
    levy = models.ForeignKey(Levy, on_delete=models.PROTECT, null=True, blank=True, related_name="notices")
    installment_month = models.DateField("対象の納期の月", null=True, blank=True)  # reminders, demand letters
    reduction = models.ForeignKey("Reduction", on_delete=models.PROTECT, null=True, blank=True, related_name="notices",
                                  verbose_name="減免・徴収猶予")
    issued_on = models.DateField("発行日")
    reprint = models.BooleanField("再発行", default=False)
    issued_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    batch_run = models.ForeignKey("batches.BatchRun", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField("記録日時", auto_now_add=True)

    class Meta:
        verbose_name = "保険料の通知"
        indexes = [models.Index(fields=["resident", "fiscal_year"], name="premiumnotice_person")]
