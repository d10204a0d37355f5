"""The certification survey (認定調査): the bodies that survey (a small master), each case's survey
with its assignment, appointment, answers and special notes, every entry or correction kept as a
revision, and the survey files received from contracted bodies with their rejected lines."""

from __future__ import annotations

from django.db import models

from certification.survey.rules import BodyKind, PlaceKind


class SurveyBody(models.Model):
    """A body that makes surveys (調査機関): the city's own surveyors or a contracted body. Its code
    is the one a contracted body's file names it by (a care office: its 事業所番号)."""

    code = models.CharField("調査機関コード", max_length=10, unique=True)
    name = models.CharField("名称", max_length=100)
    kind = models.CharField("種別", max_length=24, choices=BodyKind.choices)
    closed_on = models.DateField("委託終了日", null=True, blank=True)

    class Meta:
        verbose_name = "調査機関"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class Survey(models.Model):
    """The survey of a case: who was asked and when, the appointment, then the answers (the number of
    the chosen option per item code of certification.rules.survey_items), the special notes per
    group (特記事項) and the day of the visit. ``complete`` when every item is answered: the case's
    ``surveyed_on`` is set then. Corrected (before the primary assessment) in place, each entry
    also kept as a ``SurveyRevision``. One survey per case."""

    case = models.OneToOneField("certification.Case", on_delete=models.PROTECT, related_name="survey",
        verbose_name="認定申請案件")
    body = models.ForeignKey(SurveyBody, on_delete=models.PROTECT, related_name="+", verbose_name="調査機関")
    requested_on = models.DateField("調査依頼日")
    requested_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, related_name="+")
    appointment_on = models.DateField("訪問予定日", null=True, blank=True)
    appointment_at = models.TimeField("訪問予定時刻", null=True, blank=True)
    place_kind = models.CharField("調査の実施場所", max_length=12, choices=PlaceKind.choices, blank=True, default="")
    place_note = models.CharField("実施場所の名称等", max_length=100, blank=True, default="")
    surveyor = models.CharField("認定調査員", max_length=50, blank=True, default="")
    surveyed_on = models.DateField("調査実施日", null=True, blank=True)
    answers = models.JSONField("基本調査の回答", default=dict, blank=True)
    notes = models.JSONField("特記事項", default=dict, blank=True)  # group number (str) -> text
    complete = models.BooleanField("全項目入力済", default=False)
    revision = models.PositiveIntegerField("版", default=0)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        verbose_name = "認定調査"
        indexes = [
            # the surveys not yet made (a few thousand of the city's hundreds of thousands): the deadline
            # dashboard's waiting surveys by body read them from this index alone
            models.Index(fields=["case"], include=["body", "requested_on"], condition=models.Q(surveyed_on__isnull=True),
                         name="certsurvey_waiting"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(complete=False) | models.Q(surveyed_on__isnull=False),
                                   name="certsurvey_complete_dated"),
        ]

    def __str__(self) -> str:  # no personal data
        return f"認定調査 {self.pk}"


class EntrySource(models.TextChoices):
    SCREEN = "screen", "画面入力"
    FILE = "file", "ファイル取込"


class SurveyRevision(models.Model):
    """One entry or correction of a survey, as it was saved (append-only): the history of a survey."""

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="revisions")
    revision = models.PositiveIntegerField("版")
    surveyed_on = models.DateField("調査実施日")
    answers = models.JSONField("基本調査の回答")
    notes = models.JSONField("特記事項")
    complete = models.BooleanField("全項目入力済")
    warnings = models.JSONField("確認した警告", default=list)
    source = models.CharField("入力元", max_length=8, choices=EntrySource.choices)
    file = models.ForeignKey("certification.SurveyFile", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+")
    entered_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField("入力日時", auto_now_add=True)

    class Meta:
        verbose_name = "認定調査の入力履歴"
        constraints = [models.UniqueConstraint(fields=["survey", "revision"], name="certsurveyrev_once")]


class SurveyFile(models.Model):
    """A survey file received from a contracted body (docs/subsystems/certification-survey.md). The
    same bytes again are refused by ``sha256``; a file refused whole keeps its reason."""

    sha256 = models.CharField("ハッシュ値", max_length=64, unique=True)
    file_name = models.CharField("ファイル名", max_length=200)
    received_at = models.DateTimeField("受信日時", auto_now_add=True)
    received_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, related_name="+")
    total_lines = models.PositiveIntegerField("行数", default=0)
    applied = models.PositiveIntegerField("取込件数", default=0)
    rejected = models.PositiveIntegerField("エラー件数", default=0)
    refusal = models.CharField("受付不可の理由", max_length=600, blank=True, default="")

    class Meta:
        verbose_name = "認定調査の取込ファイル"

    def __str__(self) -> str:
        return f"認定調査ファイル {self.pk}"


class SurveyFileLine(models.Model):
    """A line of a survey file that was rejected, or kept with consistency warnings: line number and
    the Japanese reason (never a value of the line)."""

    file = models.ForeignKey(SurveyFile, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField("行番号")
    rejected = models.BooleanField("取込不可")
    code = models.CharField("コード", max_length=40)
    message = models.CharField("内容", max_length=600)

    class Meta:
        verbose_name = "認定調査の取込ファイルの行"
        ordering = ["file", "line_no"]
