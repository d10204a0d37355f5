"""Primary results (一次判定, DOMAIN.md 3.6): each result recorded for a case, from the national
software's result file or the development estimator, with the software's version; and each result
file imported, with its bad lines (case numbers and reasons only)."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models

from certification.assessment.port import AdapterKind
from certification.rules.levels import Level


def _minutes(label: str) -> models.DecimalField:
    return models.DecimalField(label, max_digits=5, decimal_places=1)


class ResultImport(models.Model):
    """A result file of the national software as it was imported: its name, digest, counts and
    bad lines (``[{"line": 3, "case_number": "2026-000001", "reasons": [...]}]``)."""

    file_name = models.CharField("ファイル名", max_length=200)
    sha256 = models.CharField("ハッシュ値", max_length=64)
    lines = models.PositiveIntegerField("明細の行数", default=0)
    recorded = models.PositiveIntegerField("記録した件数", default=0)
    bad_lines = models.JSONField("取り込めなかった行", default=list)
    imported_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField("取込日時", auto_now_add=True)

    class Meta:
        verbose_name = "一次判定結果の取込"


class PrimaryResult(models.Model):
    """One primary result of a case; the latest one is the case's (Case.primary_level, assessed_on)."""

    case = models.ForeignKey("certification.Case", on_delete=models.PROTECT, related_name="primary_results",
        verbose_name="認定申請案件")
    kind = models.CharField("判定の方法", max_length=12, choices=AdapterKind.choices)
    software_version = models.CharField("ソフトの版", max_length=40)
    meal = _minutes("食事")
    excretion = _minutes("排泄")
    transfer = _minutes("移動")
    hygiene = _minutes("清潔保持")
    indirect = _minutes("間接生活介助")
    bpsd = _minutes("BPSD関連")
    training = _minutes("機能訓練関連")
    medical = _minutes("医療関連")
    dementia_addition = _minutes("認知症加算")
    total = _minutes("要介護認定等基準時間")
    group1 = _minutes("第1群")
    group2 = _minutes("第2群")
    group3 = _minutes("第3群")
    group4 = _minutes("第4群")
    group5 = _minutes("第5群")
    level = models.CharField("一次判定", max_length=2, choices=Level.choices)
    warnings = ArrayField(models.CharField(max_length=60), default=list, blank=True, verbose_name="警告")
    imported = models.ForeignKey(ResultImport, on_delete=models.PROTECT, null=True, blank=True, related_name="results")
    created_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("記録日時", auto_now_add=True)

    class Meta:
        verbose_name = "一次判定の結果"
        indexes = [models.Index(fields=["case", "created_at"], name="certprimary_case")]
        constraints = [
            models.CheckConstraint(condition=~models.Q(kind=AdapterKind.NATIONAL) | models.Q(imported__isnull=False),
                                   name="certprimary_national_imported"),
        ]
