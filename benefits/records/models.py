"""Benefit records (給付実績) received monthly from the national federation (国保連): the files, their
rejected lines, and the records per person, provider, service month, service type and payment
route (docs/subsystems/benefits-records.md)."""

from __future__ import annotations

from django.db import models

from benefits.records.format import PaymentRoute


class RecordFile(models.Model):
    """A received benefit-record file of one processing month (審査年月). The same bytes again are
    refused by ``sha256``; a file refused whole keeps its reason (``refusal``) and nothing else;
    each rejected line of an accepted file is a RecordLineError."""

    month = models.DateField("審査年月")  # first day of the month
    sha256 = models.CharField("ハッシュ値", max_length=64, unique=True)
    file_name = models.CharField("ファイル名", max_length=200)
    received_at = models.DateTimeField("受信日時", auto_now_add=True)
    received_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    total_lines = models.PositiveIntegerField("行数", default=0)
    applied = models.PositiveIntegerField("取込件数", default=0)
    rejected = models.PositiveIntegerField("エラー件数", default=0)
    reimbursed = models.PositiveIntegerField("償還払いの件数", default=0)
    total_cost = models.BigIntegerField("費用合計の合計", default=0)
    refusal = models.CharField("受付不可の理由", max_length=600, blank=True, default="")

    class Meta:
        verbose_name = "給付実績ファイル"
        indexes = [models.Index(fields=["month"], name="recordfile_month")]

    @property
    def refused(self) -> bool:
        return bool(self.refusal)

    def __str__(self) -> str:
        return f"給付実績ファイル {self.pk}"


class RecordLineError(models.Model):
    """A rejected line: its number, code and Japanese reason (never a value of the line)."""

    file = models.ForeignKey(RecordFile, on_delete=models.CASCADE, related_name="line_errors")
    line_no = models.PositiveIntegerField("行番号")
    code = models.CharField("エラーコード", max_length=40)
    message = models.CharField("内容", max_length=300)

    class Meta:
        verbose_name = "給付実績ファイルのエラー行"
        ordering = ["file", "line_no"]
        constraints = [models.UniqueConstraint(fields=["file", "line_no"], name="recordlineerror_once")]


class BenefitRecord(models.Model):
    """One benefit record: what a provider was paid (or, 償還払い, what the insurer refunded the
    person) for one person, service month and service type. Money in yen; the unit price in
    hundredths of a yen. Written only by the file import (COPY), never changed: its provenance is
    the file and line."""

    file = models.ForeignKey(RecordFile, on_delete=models.PROTECT, related_name="+")
    line_no = models.PositiveIntegerField("行番号")
    # no index of its own: the unique key below leads with the resident
    resident = models.ForeignKey("eligibility.Resident", on_delete=models.PROTECT, related_name="+", db_index=False)
    provider_number = models.CharField("事業所番号", max_length=10)
    service_month = models.DateField("サービス提供年月")  # first day of the month
    service_type = models.CharField("サービス種類コード", max_length=2)
    route = models.CharField("給付区分", max_length=12, choices=PaymentRoute.choices)
    units = models.PositiveIntegerField("単位数")
    unit_price = models.PositiveSmallIntegerField("単位数単価（銭）")
    total_cost = models.PositiveIntegerField("費用合計")
    benefit_rate = models.PositiveSmallIntegerField("給付率")
    insurer_amount = models.PositiveIntegerField("保険給付額")
    public_amount = models.PositiveIntegerField("公費負担額")
    copayment = models.PositiveIntegerField("利用者負担額")
    level = models.CharField("要介護状態区分", max_length=2)  # the certification in force in the month (the higher one)

    class Meta:
        verbose_name = "給付実績"
        constraints = [
            models.UniqueConstraint(fields=["resident", "service_month", "provider_number", "service_type", "route"],
                                    name="benefitrecord_once"),
            models.CheckConstraint(condition=models.Q(total_cost=models.F("insurer_amount") + models.F("public_amount")
                                                      + models.F("copayment")), name="benefitrecord_amounts_add_up"),
        ]
        indexes = [models.Index(fields=["service_month"], name="benefitrecord_month")]
