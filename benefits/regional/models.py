"""Regional support (地域支援事業): the basic checklists entered for a person and the decisions that
make a person a project participant (事業対象者). A checklist is never rewritten: a new one is
entered; a participant status is ended (``ended_on``) instead of deleted. Both are in the change
trail (benefits/trail.py)."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models


class ChecklistPlace(models.TextChoices):
    COUNTER = "counter", "区役所等の窓口"
    CENTER = "center", "地域包括支援センター"


class Checklist(models.Model):
    """One basic checklist (基本チェックリスト) of a person: the 25 answers as the person gave them
    (1 = はい, 0 = いいえ; No.12 from the BMI), the height and weight, the criteria it met
    (benefits.rules.checklist.CRITERIA keys, computed on entry), who entered it and when."""

    resident = models.ForeignKey("eligibility.Resident", on_delete=models.PROTECT, related_name="+",
                                 verbose_name="被保険者")
    checked_on = models.DateField("実施日")
    place = models.CharField("実施場所", max_length=8, choices=ChecklistPlace.choices)
    answers = models.CharField("回答（問1から25）", max_length=25)
    height_cm = models.DecimalField("身長（cm）", max_digits=4, decimal_places=1)
    weight_kg = models.DecimalField("体重（kg）", max_digits=4, decimal_places=1)
    matched = ArrayField(models.CharField(max_length=16), verbose_name="該当した基準", default=list, blank=True)
    entered_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, related_name="+",
                                   verbose_name="入力した職員")
    entered_at = models.DateTimeField("入力日時", auto_now_add=True)

    class Meta:
        verbose_name = "基本チェックリスト"
        indexes = [models.Index(fields=["resident", "checked_on"], name="benchecklist_person")]
        constraints = [
            models.CheckConstraint(condition=models.Q(answers__regex=r"^[01]{25}$"), name="benchecklist_answers"),
            models.CheckConstraint(condition=models.Q(height_cm__gt=0) & models.Q(weight_kg__gt=0),
                                   name="benchecklist_body"),
        ]

    def __str__(self) -> str:
        return f"基本チェックリスト {self.pk}"


class ParticipantEnd(models.TextChoices):
    CERTIFIED = "certified", "要介護・要支援の認定"
    LOST = "lost", "第1号被保険者の資格の喪失"
    WITHDRAWN = "withdrawn", "本人の申出等"
    EXPIRED = "expired", "有効期間の満了"


class Participant(models.Model):
    """A project participant status (事業対象者): decided by a named staff member from a checklist
    that met a criterion, with the day it was confirmed (確認日), the day it applies from
    (適用開始日) and, when the city's rule sets one, its last day; ended (``ended_on``, with its
    reason) instead of deleted."""

    resident = models.ForeignKey("eligibility.Resident", on_delete=models.PROTECT, related_name="+",
                                 verbose_name="被保険者")
    checklist = models.OneToOneField(Checklist, on_delete=models.PROTECT, related_name="participant",
                                     verbose_name="基本チェックリスト")
    confirmed_on = models.DateField("確認日")
    valid_from = models.DateField("適用開始日")
    valid_to = models.DateField("有効期間の終了日", null=True, blank=True)
    ended_on = models.DateField("終了日", null=True, blank=True)
    end_reason = models.CharField("終了の事由", max_length=12, choices=ParticipantEnd.choices, blank=True,
                                  default="")
    decided_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, related_name="+",
                                   verbose_name="決定した職員")
    decided_at = models.DateTimeField("決定日時", auto_now_add=True)

    class Meta:
        verbose_name = "事業対象者"
        indexes = [models.Index(fields=["resident", "valid_from"], name="benparticipant_person")]
        constraints = [
            models.CheckConstraint(condition=models.Q(valid_to__isnull=True)
                                   | models.Q(valid_to__gte=models.F("valid_from")), name="benparticipant_validity"),
            models.CheckConstraint(condition=(models.Q(ended_on__isnull=True) & models.Q(end_reason=""))
                                   | (models.Q(ended_on__isnull=False) & ~models.Q(end_reason="")),
                                   name="benparticipant_end_reason"),
            # one status not ended per person at a time (a second decision is refused by the service;
            # two clerks at once: this index)
            models.UniqueConstraint(fields=["resident"], condition=models.Q(ended_on__isnull=True),
                                    name="benparticipant_one_open"),
        ]

    def __str__(self) -> str:
        return f"事業対象者 {self.pk}"


class Enrolment(models.Model):
    """A person's enrolment in one of the city's 総合事業 services (benefits.rules.comprehensive
    CITY_SERVICES), from ``start`` to ``end`` (None: open), entered by a named clerk."""

    resident = models.ForeignKey("eligibility.Resident", on_delete=models.PROTECT, related_name="+",
                                 verbose_name="被保険者")
    service_code = models.CharField("サービスコード", max_length=6)
    start = models.DateField("利用開始日")
    end = models.DateField("利用終了日", null=True, blank=True)
    enrolled_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, related_name="+",
                                    verbose_name="登録した職員")
    enrolled_at = models.DateTimeField("登録日時", auto_now_add=True)

    class Meta:
        verbose_name = "総合事業の利用登録"
        indexes = [models.Index(fields=["resident", "service_code"], name="benenrol_person")]
        constraints = [models.CheckConstraint(condition=models.Q(end__isnull=True) | models.Q(end__gte=models.F("start")),
                                              name="benenrol_period")]


class MonthlyUsage(models.Model):
    """The units a person used of one service in one month (its first day), recorded once per
    person, month and service (a correction is a new line of another kind, not built)."""

    resident = models.ForeignKey("eligibility.Resident", on_delete=models.PROTECT, related_name="+",
                                 verbose_name="被保険者")
    month = models.DateField("サービス提供月")
    service_code = models.CharField("サービスコード", max_length=6)
    units = models.PositiveIntegerField("単位数")
    recorded_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, related_name="+",
                                    verbose_name="記録した職員")
    recorded_at = models.DateTimeField("記録日時")

    class Meta:
        verbose_name = "総合事業の月別利用実績"
        constraints = [
            models.UniqueConstraint(fields=["resident", "month", "service_code"], name="benusage_once"),
            models.CheckConstraint(condition=models.Q(month__day=1), name="benusage_month_first"),
        ]
