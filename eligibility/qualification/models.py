"""Qualification (資格管理): the facility master, the facility stays a clerk decides, and the
bitemporal periods derived from them and from the residence spells (eligibility.residents.models).
Codes are in eligibility/codes.py, the date rules in eligibility/qualification/rules.py."""

from __future__ import annotations

from datetime import date

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeOperators
from django.db import models

from eligibility.codes import FacilityCategory, FacilityKind, StayKind
from eligibility.residents.models import Resident


class DateRange(models.Func):
    """daterange(start, end): the valid time of a period, for the exclusion constraint."""

    function = "daterange"
    output_field = DateRangeField()


class Facility(models.Model):
    """A facility the registry's addresses may point to (施設マスタ): decides whether a move
    needs a clerk's judgement about 適用除外 or 住所地特例. Not personal data.

    ``kind`` follows from ``category`` (eligibility.codes.FACILITY_CATEGORY_KIND; the services set
    both). A facility is never deleted: stays and registry lines name it; it is closed
    (``closed_on``, 廃止日: the first day it no longer takes anyone in)."""

    code = models.CharField("施設コード", max_length=10, primary_key=True)
    name = models.CharField("施設名", max_length=100)
    kind = models.CharField("種別", max_length=16, choices=FacilityKind.choices)
    category = models.CharField("施設種別", max_length=24, choices=FacilityCategory.choices, blank=True,
                                default="", db_default="")
    municipality = models.CharField("所在市町村コード", max_length=6)
    address = models.CharField("所在地", max_length=200, blank=True, default="", db_default="")
    office_number = models.CharField("介護保険事業所番号", max_length=10, blank=True, default="", db_default="")
    opened_on = models.DateField("開設日", null=True, blank=True)
    closed_on = models.DateField("廃止日", null=True, blank=True)
    closed_reason = models.CharField("廃止の理由", max_length=200, blank=True, default="", db_default="")

    class Meta:
        verbose_name = "施設"
        constraints = [
            models.CheckConstraint(condition=models.Q(closed_on__isnull=True) | models.Q(opened_on__isnull=True)
                                   | models.Q(closed_on__gt=models.F("opened_on")), name="facility_closed_after_open"),
            models.CheckConstraint(condition=models.Q(closed_on__isnull=True) | ~models.Q(closed_reason=""),
                                   name="facility_closing_has_reason"),
        ]

    def open_on(self, day: date) -> bool:
        """Whether the facility takes people in on ``day`` (opened, not yet closed)."""
        return (self.opened_on is None or self.opened_on <= day) and (self.closed_on is None or day < self.closed_on)

    def __str__(self) -> str:
        return f"{self.name}（{self.get_kind_display()}）"


class FacilityStay(models.Model):
    """A stay decided by a clerk: in an exemption facility, or under the special-address rule."""

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="facility_stays")
    kind = models.CharField("種別", max_length=16, choices=StayKind.choices)
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, null=True, blank=True)
    start = models.DateField("開始日")
    end = models.DateField("終了日", null=True, blank=True)
    decided_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "施設入所（適用除外・住所地特例）"
        indexes = [models.Index(fields=["resident"], name="facilitystay_resident")]


class QualificationSource(models.TextChoices):
    INTAKE = "intake", "住基異動"
    NOTIFICATION = "notification", "届出"
    BIRTHDAY_RUN = "birthday_run", "65歳到達処理"
    CORRECTION = "correction", "訂正"
    WORK_QUEUE = "work_queue", "要確認案件の処理"
    GENERATED = "generated", "合成データ"
    RECOMPUTE = "recompute", "再計算"
    MANUAL_MOVE = "manual_move", "転出・転居の手入力"


class QualificationPeriod(models.Model):
    """A period of insured status, bitemporal.

    valid time: [start, end) where ``end`` is the loss date (資格喪失日: the first day not insured);
    record time: [recorded_from, recorded_to) - when the office held this row as true. A correction
    never overwrites: it closes the current rows (recorded_to) and adds the new revision. The current
    rows of one person never overlap (exclusion constraint, migration 0004).
    """

    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="qualification_periods")
    insured_class = models.CharField("被保険者区分", max_length=1)
    start = models.DateField("資格取得日")
    end = models.DateField("資格喪失日", null=True, blank=True)
    gain_reason = models.CharField("取得事由", max_length=2)
    loss_reason = models.CharField("喪失事由", max_length=2, blank=True, default="")
    revision = models.PositiveIntegerField("版", default=1)
    recorded_from = models.DateTimeField("記録日時")
    recorded_to = models.DateTimeField("取消日時", null=True, blank=True)
    source = models.CharField("記録元", max_length=16, choices=QualificationSource.choices)
    recorded_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    batch_run = models.ForeignKey("batches.BatchRun", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = "資格期間"
        indexes = [
            models.Index(fields=["resident", "start"], name="qualification_current",
                         condition=models.Q(recorded_to__isnull=True)),
            models.Index(fields=["resident", "recorded_from"], name="qualification_history"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__isnull=True) | models.Q(end__gt=models.F("start")),
                                   name="qualification_end_after_start"),
            models.CheckConstraint(condition=models.Q(insured_class__in=["1", "2"]), name="qualification_class"),
            # the current rows of one person never overlap in valid time
            ExclusionConstraint(
                name="qualification_no_overlap",
                expressions=[("resident", RangeOperators.EQUAL),
                             (DateRange("start", "end"), RangeOperators.OVERLAPS)],
                condition=models.Q(recorded_to__isnull=True),
            ),
            models.CheckConstraint(condition=models.Q(recorded_to__isnull=True)
                                   | models.Q(recorded_to__gte=models.F("recorded_from")),
                                   name="qualification_recorded_order"),
        ]
