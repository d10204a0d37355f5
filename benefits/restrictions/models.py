"""Benefit restrictions for premium arrears (給付制限, 法 §66, §67, §69): one row per measure taken
against a person, from its advance notice (予告) to its decision, lifting or withdrawal, every
move of it in RestrictionEvent (who, when), the notices issued, and the installments a clerk
excused for a 特別の事情 (施行令 第30条). The arrears facts themselves stay in premiums (read through
its selectors)."""

from __future__ import annotations

from django.db import models

from benefits.rules.restrictions import MEASURE_LABELS, PAYMENT_CHANGE, REDUCTION, SPECIAL_CIRCUMSTANCES, SUSPENSION


class Measure(models.TextChoices):
    PAYMENT_CHANGE = PAYMENT_CHANGE, MEASURE_LABELS[PAYMENT_CHANGE]
    SUSPENSION = SUSPENSION, MEASURE_LABELS[SUSPENSION]
    REDUCTION = REDUCTION, MEASURE_LABELS[REDUCTION]


class RestrictionState(models.TextChoices):
    NOTICED = "noticed", "予告済（弁明の受付中）"
    IN_FORCE = "in_force", "実施中"
    LIFTED = "lifted", "解除済"
    WITHDRAWN = "withdrawn", "取りやめ"


OPEN_STATES = (RestrictionState.NOTICED, RestrictionState.IN_FORCE)

Circumstance = models.TextChoices("Circumstance", [(k, (k, v)) for k, v in SPECIAL_CIRCUMSTANCES.items()])


class Restriction(models.Model):
    """One measure against a person: noticed (予告, with the last day to answer: 弁明書の提出期限),
    decided by a named staff member (in force from ``starts_on``; a reduction until ``ends_on``),
    lifted (paid in full, or a clerk's decision) or withdrawn before its decision. The arrears
    figures are those of the notice (and of the decision, when decided)."""

    resident = models.ForeignKey("eligibility.Resident", on_delete=models.PROTECT, related_name="+",
                                 verbose_name="被保険者")
    measure = models.CharField("措置", max_length=16, choices=Measure.choices)
    state = models.CharField("状態", max_length=12, choices=RestrictionState.choices,
                             default=RestrictionState.NOTICED)
    oldest_due = models.DateField("最も古い未納の納期限", null=True, blank=True)
    arrears = models.PositiveIntegerField("滞納額", default=0)
    prescribed = models.PositiveIntegerField("時効消滅額", default=0)
    noticed_on = models.DateField("予告日")
    reply_by = models.DateField("弁明書の提出期限")
    noticed_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, related_name="+", verbose_name="予告した職員")
    reply_on = models.DateField("弁明書の受付日", null=True, blank=True)
    reply_note = models.CharField("弁明の内容", max_length=400, blank=True, default="")
    months = models.PositiveSmallIntegerField("給付額減額期間（月数）", null=True, blank=True)
    decided_on = models.DateField("決定日", null=True, blank=True)
    decided_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name="決定した職員")
    starts_on = models.DateField("開始日", null=True, blank=True)
    ends_on = models.DateField("終了日", null=True, blank=True)
    closed_on = models.DateField("解除・取りやめの日", null=True, blank=True)
    closed_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name="解除・取りやめた職員")
    close_reason = models.CharField("解除・取りやめの理由", max_length=200, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "給付制限"
        indexes = [models.Index(fields=["resident", "measure"], name="restriction_person"),
                   models.Index(fields=["state", "measure"], name="restriction_open",
                                condition=models.Q(state__in=["noticed", "in_force"]))]
        constraints = [
            models.UniqueConstraint(fields=["resident", "measure"], condition=models.Q(state__in=["noticed", "in_force"]),
                                    name="restriction_open_once"),
            models.CheckConstraint(condition=~models.Q(state="in_force")
                                   | (models.Q(decided_on__isnull=False) & models.Q(decided_by__isnull=False)
                                      & models.Q(starts_on__isnull=False)), name="restriction_decided"),
            models.CheckConstraint(condition=~models.Q(measure="reduction", state="in_force")
                                   | (models.Q(months__gt=0) & models.Q(ends_on__isnull=False)),
                                   name="restriction_reduction_period"),
        ]

    def __str__(self) -> str:
        return f"給付制限 {self.pk}"


class RestrictionEvent(models.Model):
    """Every move of a restriction (append-only): the action, the states before and after, the staff
    member (None: the daily check of payments) and the time."""

    restriction = models.ForeignKey(Restriction, on_delete=models.PROTECT, related_name="events")
    action = models.CharField("操作", max_length=16)
    from_state = models.CharField("変更前の状態", max_length=12, blank=True, default="")
    to_state = models.CharField("変更後の状態", max_length=12)
    actor = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name="職員")
    at = models.DateTimeField("日時", auto_now_add=True)
    note = models.CharField("備考", max_length=400, blank=True, default="")

    class Meta:
        verbose_name = "給付制限の経過"


class NoticeKind(models.TextChoices):
    ADVANCE = "advance", "予告通知書（弁明の機会の付与）"
    DECISION = "decision", "決定通知書"
    LIFT = "lift", "解除通知書"


class RestrictionNotice(models.Model):
    """A notice issued for a restriction (the PDF is rendered again from the data when printed); a
    second issue of a kind is a reprint (再発行)."""

    restriction = models.ForeignKey(Restriction, on_delete=models.PROTECT, related_name="notices")
    kind = models.CharField("通知の種類", max_length=12, choices=NoticeKind.choices)
    issued_on = models.DateField("発行日")
    reprint = models.BooleanField("再発行", default=False)
    issued_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "給付制限の通知"


class ExcusedInstallment(models.Model):
    """A bill installment a clerk found covered by a 特別の事情 (施行令 第30条) or a person of
    施行規則 第98条, from the answer to an advance notice: it no longer counts for 法 §66/§67."""

    resident = models.ForeignKey("eligibility.Resident", on_delete=models.PROTECT, related_name="+")
    fiscal_year = models.PositiveSmallIntegerField("年度")
    month = models.DateField("納期の月")
    reason = models.CharField("特別の事情", max_length=12, choices=Circumstance.choices)
    restriction = models.ForeignKey(Restriction, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    recorded_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "特別の事情による除外"
        constraints = [models.UniqueConstraint(fields=["resident", "fiscal_year", "month"], name="excused_once")]
