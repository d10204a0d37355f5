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

    resident = models.ForeignKey("eligibility.Resident", on_delete=models.PROTECT, related_name="+",
                                 verbose_name="被保険者")
    case = models.OneToOneField("certification.Case", on_delete=models.PROTECT, related_name="certification",
                                verbose_name="認定申請案件")
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
    end_note = models.CharField("終了の理由（取消等）", max_length=200, blank=True, default="")
    decided_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, related_name="+", verbose_name="認定した職員")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "認定"
        indexes = [
            models.Index(fields=["resident", "valid_from"], name="cert_person"),
            # the renewal due list's range, with what the list reads: an index-only scan (issue 18 "Speed")
            models.Index(fields=["valid_to"], name="cert_valid_to", condition=models.Q(ended_on__isnull=True),
                         include=["resident", "level", "id"]),
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


class BoardResult(models.Model):
    """The board's result (二次判定) entered for a case: the level (a change from the primary result
    only with its reason), the months of validity within the range of the case's kind, the board's
    opinion and the designated service types (法 §37). One per case; entered again (replaced) after
    a re-review moves the case back. The certification itself is made by the decision (認定)."""

    case = models.OneToOneField("certification.Case", on_delete=models.PROTECT, related_name="board_result",
        verbose_name="認定申請案件")
    level = models.CharField("二次判定の結果", max_length=2, choices=Level.choices)
    level_reason = models.CharField("一次判定からの変更の理由", max_length=400, blank=True, default="")
    months = models.PositiveSmallIntegerField("有効期間（月数）", null=True, blank=True)
    board_opinion = models.CharField("審査会の意見", max_length=400, blank=True, default="")
    designated_services = ArrayField(models.CharField(max_length=40), verbose_name="サービスの種類の指定",
                                     default=list, blank=True)
    reviewed_on = models.DateField("二次判定日")
    entered_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "二次判定の結果"
        constraints = [
            models.CheckConstraint(condition=models.Q(level="01") | models.Q(months__isnull=False),
                                   name="certboard_months"),
        ]


class NoticeKind(models.TextChoices):
    RESULT = "result", "要介護認定等結果通知書"
    POSTPONEMENT = "postponement", "認定延期通知書"


class NoticeIssue(models.Model):
    """One issue (print) of a certification notice: what, for which case or certification, when, by
    whom; a second issue of the same is a reprint (再発行). The PDF is drawn again from the data."""

    resident = models.ForeignKey("eligibility.Resident", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey("certification.Case", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="notices")
    certification = models.ForeignKey(Certification, on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="notices")
    kind = models.CharField("通知の種類", max_length=24, choices=NoticeKind.choices)
    issued_on = models.DateField("発行日")
    reprint = models.BooleanField("再発行", default=False)
    issued_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "認定の通知の発行"
        indexes = [models.Index(fields=["resident", "kind"], name="certnotice_person")]
