"""The files premiums receives from other systems (the tax office's inhabitant-tax file, the
pension insurers' files, the collecting agents' payment files), their rejected lines, and the
facts the levy is computed from: tax facts (課税情報) and pension listings (特別徴収対象者情報),
each kept as revisions."""

from __future__ import annotations

from django.db import models

from premiums.rules.codes import (
    PensionKind,
)

# --- inbound files of the premiums (tax, pension, payments) -----------------------------------


class InboundKind(models.TextChoices):
    TAX = "tax", "住民税課税情報"
    PENSION = "pension", "特別徴収（年金保険者）"
    PAYMENT = "payment", "収納データ"


class InboundFile(models.Model):
    """A received file of one of the premium exchanges. The same bytes again are refused by
    ``sha256``; each line's rejection is an InboundLineError (line number, code, Japanese
    reason: never a value of the line)."""

    kind = models.CharField("種類", max_length=16, choices=InboundKind.choices)
    sha256 = models.CharField("ハッシュ値", max_length=64, unique=True)
    file_name = models.CharField("ファイル名", max_length=200)
    fiscal_year = models.PositiveSmallIntegerField("年度", null=True, blank=True)
    month = models.DateField("対象年月", null=True, blank=True)  # first day of the month
    notice = models.CharField("通知内容", max_length=4, blank=True, default="")
    received_at = models.DateTimeField("受信日時", auto_now_add=True)
    received_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    total_lines = models.PositiveIntegerField("行数", default=0)
    applied = models.PositiveIntegerField("反映件数", default=0)
    rejected = models.PositiveIntegerField("エラー件数", default=0)
    duplicates = models.PositiveIntegerField("受信済の件数", default=0)
    # a file refused whole (encoding, header, trailer, ...): why, in Japanese (never a value of a
    # line); nothing of it was applied. Empty for an accepted file.
    refusal = models.CharField("受付不可の理由", max_length=600, blank=True, default="")

    class Meta:
        verbose_name = "連携ファイル（保険料）"

    @property
    def refused(self) -> bool:
        return bool(self.refusal)

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk}"


class InboundLineError(models.Model):
    file = models.ForeignKey(InboundFile, on_delete=models.CASCADE, related_name="line_errors")
    line_no = models.PositiveIntegerField("行番号")
    code = models.CharField("エラーコード", max_length=40)
    message = models.CharField("内容", max_length=300)

    class Meta:
        verbose_name = "連携ファイルのエラー行"
        ordering = ["file", "line_no"]
        constraints = [models.UniqueConstraint(fields=["file", "line_no"], name="inboundlineerror_once")]


# --- the facts the levy is computed from -------------------------------------------------------


class TaxFact(models.Model):
    """住民税課税情報 of one person for one fiscal year (賦課期日 4/1), as the municipal tax system
    sent it. A correction (更正) closes the current row (``recorded_to``) and adds a new one:
    the levy keeps the id of the row it used, so every stage can be traced to its facts."""

    resident = models.ForeignKey("eligibility.Resident", on_delete=models.PROTECT, related_name="+")
    fiscal_year = models.PositiveSmallIntegerField("年度")
    serial = models.CharField("連番", max_length=12, unique=True)
    file = models.ForeignKey(InboundFile, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    correction = models.BooleanField("更正", default=False)
    household_no = models.BigIntegerField("世帯番号")
    head = models.BooleanField("世帯主", default=False)
    self_taxed = models.BooleanField("本人課税")
    household_taxed = models.BooleanField("世帯課税")
    total_income = models.BigIntegerField("合計所得金額")
    pension_misc_income = models.BigIntegerField("公的年金等に係る雑所得", default=0)
    taxable_pension_income = models.BigIntegerField("課税年金収入額", default=0)
    salary_income = models.BigIntegerField("給与所得", default=0)
    special_deduction = models.BigIntegerField("特別控除額", default=0)
    non_taxable_pension_income = models.BigIntegerField("非課税年金収入額", default=0)
    public_assistance = models.BooleanField("生活保護", default=False)
    old_age_welfare_pension = models.BooleanField("老齢福祉年金", default=False)
    recorded_from = models.DateTimeField("記録日時")
    recorded_to = models.DateTimeField("取消日時", null=True, blank=True)

    class Meta:
        verbose_name = "課税情報"
        constraints = [
            models.UniqueConstraint(fields=["resident", "fiscal_year"], condition=models.Q(recorded_to__isnull=True),
                                    name="taxfact_current_once"),
            models.CheckConstraint(condition=models.Q(household_taxed=True) | models.Q(self_taxed=False),
                                   name="taxfact_taxed_in_taxed_household"),
            models.CheckConstraint(condition=models.Q(pension_misc_income__gte=0) & models.Q(taxable_pension_income__gte=0)
                                   & models.Q(salary_income__gte=0) & models.Q(special_deduction__gte=0)
                                   & models.Q(non_taxable_pension_income__gte=0),
                                   name="taxfact_amounts_not_negative"),
        ]


class PensionFact(models.Model):
    """The pension a 年金保険者 listed for 特別徴収 (特別徴収対象者情報 / 追加候補者情報) for a fiscal
    year, matched to the person. One current row per person and year (the first listing; a
    later listing of another pension is reported, not applied)."""

    resident = models.ForeignKey("eligibility.Resident", on_delete=models.PROTECT, related_name="+")
    fiscal_year = models.PositiveSmallIntegerField("年度")
    serial = models.CharField("連番", max_length=12, unique=True)
    file = models.ForeignKey(InboundFile, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    listed_in = models.DateField("対象者情報の年月")  # first day of the month
    insurer_code = models.CharField("特別徴収義務者コード", max_length=3)
    pension_kind = models.CharField("年金種別", max_length=20, choices=PensionKind.choices)
    annual_amount = models.PositiveIntegerField("年金額（年額）")
    withholdable = models.BooleanField("特別徴収可", default=True)
    recorded_from = models.DateTimeField("記録日時")
    recorded_to = models.DateTimeField("取消日時", null=True, blank=True)

    class Meta:
        verbose_name = "特別徴収対象者情報"
        constraints = [
            models.UniqueConstraint(fields=["resident", "fiscal_year"], condition=models.Q(recorded_to__isnull=True),
                                    name="pensionfact_current_once"),
        ]
