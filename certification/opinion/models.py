"""The doctor's opinion (主治医意見書, 法 §27 第3項): the small master of medical institutions and
doctors, each opinion asked of a doctor for a case with its tracking (依頼, 督促, 受領), the items
the primary assessment reads, and the fee paid for it (意見書作成料, one per received opinion)."""

from __future__ import annotations

from django.db import models

from certification.cases.models import SpecifiedDisease
from certification.opinion.rules import (
    CognitiveAbility,
    Communication,
    DementiaRank,
    Eating,
    FeeKind,
    Setting,
    ShortTermMemory,
    Stability,
)


class Institution(models.Model):
    """A medical institution (医療機関) whose doctors write opinions."""

    code = models.CharField("医療機関コード", max_length=10, unique=True)
    name = models.CharField("医療機関の名称", max_length=100)
    active = models.BooleanField("依頼先として使用", default=True)

    class Meta:
        verbose_name = "医療機関"

    def __str__(self) -> str:
        return self.name


class Doctor(models.Model):
    """A doctor (主治医) of an institution."""

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="doctors")
    name = models.CharField("医師の氏名", max_length=60)
    active = models.BooleanField("依頼先として使用", default=True)
    created_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("登録日時", auto_now_add=True)

    class Meta:
        verbose_name = "主治医"
        constraints = [models.UniqueConstraint(fields=["institution", "name"], name="certdoctor_unique")]

    def __str__(self) -> str:
        return f"{self.institution.name} {self.name}"


class Opinion(models.Model):
    """One opinion asked of a doctor for a case: requested, reminded (督促) when late, received with
    its items, or cancelled (another doctor asked instead). At most one open request per case."""

    case = models.ForeignKey("certification.Case", on_delete=models.PROTECT, related_name="opinions",
        verbose_name="認定申請案件")
    doctor = models.ForeignKey(Doctor, on_delete=models.PROTECT, related_name="opinions")
    requested_on = models.DateField("依頼日")
    requested_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, related_name="+")
    # set by the daily job when the opinion is due for a reminder; cleared by the reminder
    reminder_due_on = models.DateField("督促対象となった日", null=True, blank=True)
    reminded_on = models.DateField("最後の督促日", null=True, blank=True)
    reminders = models.PositiveSmallIntegerField("督促の回数", default=0)
    received_on = models.DateField("受領日", null=True, blank=True)
    received_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    cancelled_on = models.DateField("依頼の取消日", null=True, blank=True)
    cancel_reason = models.CharField("取消の理由", max_length=200, blank=True, default="")
    # the items the primary assessment reads (DOMAIN.md 3.6)
    written_on = models.DateField("記入日", null=True, blank=True)
    dementia_rank = models.CharField("認知症高齢者の日常生活自立度", max_length=2, choices=DementiaRank.choices,
                                     blank=True, default="")
    short_term_memory = models.CharField("短期記憶", max_length=8, choices=ShortTermMemory.choices, blank=True,
                                         default="")
    cognitive_ability = models.CharField("日常の意思決定を行うための認知能力", max_length=12,
                                         choices=CognitiveAbility.choices, blank=True, default="")
    communication = models.CharField("自分の意思の伝達能力", max_length=12, choices=Communication.choices,
                                     blank=True, default="")
    eating = models.CharField("食事行為", max_length=8, choices=Eating.choices, blank=True, default="")
    stability = models.CharField("症状の安定性", max_length=8, choices=Stability.choices, blank=True, default="")
    # 第2号: the 特定疾病 the doctor's diagnosis confirms (施行令 第2条); empty for 第1号
    specified_disease = models.CharField("特定疾病の診断", max_length=2, choices=SpecifiedDisease.choices,
                                         blank=True, default="")
    created_at = models.DateTimeField("登録日時", auto_now_add=True)

    class Meta:
        verbose_name = "主治医意見書"
        indexes = [
            models.Index(fields=["case"], name="certopinion_case"),
            models.Index(fields=["received_on", "reminder_due_on"], name="certopinion_open"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=models.Q(received_on__isnull=True,
                                                                        cancelled_on__isnull=True),
                                    name="certopinion_one_open"),
            models.CheckConstraint(condition=models.Q(received_on__isnull=True) | models.Q(cancelled_on__isnull=True),
                                   name="certopinion_received_or_cancelled"),
            models.CheckConstraint(condition=models.Q(received_on__isnull=True)
                                   | (~models.Q(dementia_rank="") & ~models.Q(stability="")),
                                   name="certopinion_received_items"),
        ]


class OpinionFee(models.Model):
    """The fee paid for a received opinion (意見書作成料), by the fee table and tax rate in force on
    the day it was received: one per opinion."""

    opinion = models.OneToOneField(Opinion, on_delete=models.PROTECT, related_name="fee")
    kind = models.CharField("区分", max_length=20, choices=FeeKind.choices)
    setting = models.CharField("在宅・施設", max_length=8, choices=Setting.choices)
    base = models.PositiveIntegerField("作成料（税抜）")
    tax_rate = models.DecimalField("消費税率", max_digits=4, decimal_places=3)
    tax = models.PositiveIntegerField("消費税額")
    total = models.PositiveIntegerField("支払額（税込）")
    table_from = models.DateField("適用した料金表の開始日")
    recorded_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("記録日時", auto_now_add=True)

    class Meta:
        verbose_name = "意見書作成料"
        constraints = [models.CheckConstraint(condition=models.Q(total=models.F("base") + models.F("tax")),
                                              name="certopinionfee_total")]
