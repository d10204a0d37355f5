"""Certifications (認定): the decided level and validity of a person, one row per decision, with
the board's opinion and designated service types. A later event (a new decision, 取消 法 §31,
失効 on loss of qualification) ends a row (``ended_on``) instead of rewriting it: the rows of a
person are their certification history, and an as-of view reads them by date."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models

from certification.rules.levels import Level


class CertificationEnd(models.TextChoices):
    SUPERSEDED = "superseded", "新たな認定（更新・区分変更）"
    REVOKED = "revoked", "認定の取消（法第31条）"
    LAPSED = "lapsed", "資格喪失による失効"
    EXPIRED = "expired", "有効期間の満了"


class Certification(models.Model):
    """One decided certification of a person (認定): level, validity period and what the board
    attached to it. 非該当 is recorded too (a decision with no validity period)."""

    resident = models.ForeignKey("eligibility.Resident", on_delete=models.PROTECT, related_name="+")
    case = models.OneToOneField("certification.Case", on_delete=models.PROTECT, related_name="certification")
    level = models.CharField("要介護状態区分", max_length=2, choices=Level.choices)
    valid_from = models.DateField("有効期間の開始日", null=True, blank=True)
    valid_to = models.DateField("有効期間の終了日", null=True, blank=True)
    decided_on = models.DateField("認定日")
    board_opinion = models.CharField("審査会の意見", max_length=400, blank=True, default="")
    designated_services = ArrayField(models.CharField(max_length=40), verbose_name="サービスの種類の指定",
                                     default=list, blank=True)
    ended_on = models.DateField("終了日", null=True, blank=True)
    end_reason = models.CharField("終了の事由", max_length=16, choices=CertificationEnd.choices, blank=True,
                                  default="")
    decided_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "認定"
        indexes = [
            models.Index(fields=["resident", "valid_from"], name="cert_person"),
            models.Index(fields=["valid_to"], name="cert_valid_to", condition=models.Q(ended_on__isnull=True)),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(level="01")
                                   | (models.Q(valid_from__isnull=False) & models.Q(valid_to__isnull=False)
                                      & models.Q(valid_to__gte=models.F("valid_from"))),
                                   name="cert_validity"),
            models.CheckConstraint(condition=(models.Q(ended_on__isnull=True) & models.Q(end_reason=""))
                                   | (models.Q(ended_on__isnull=False) & ~models.Q(end_reason="")),
                                   name="cert_end_reason"),
        ]

    def __str__(self) -> str:
        return f"認定 {self.pk}"
