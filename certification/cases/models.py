"""Certification cases (認定申請案件): the application, its key dates (DOMAIN.md 3.3), every move of
its state machine as an event, and every paper registered on arrival."""

from __future__ import annotations

from django.db import models
from django.db.models import ExpressionWrapper, F, Value
from django.db.models.functions import Coalesce

from certification.rules.cases import DECISION_DAYS, CaseKind, CaseState, Move, PaperKind
from certification.rules.levels import Level
from eligibility.codes import Ward

CASE_NUMBER_SEQUENCE = "certification_case_number"
_OPEN = [CaseState.RECEIVED, CaseState.IN_PROGRESS, CaseState.ASSESSED, CaseState.SCHEDULED, CaseState.REVIEWED]
_CLOSED = [CaseState.WITHDRAWN, CaseState.ENDED, CaseState.DISMISSED]  # closed without a decision


class ApplicantKind(models.TextChoices):
    """Who submitted the application (申請者; 申請代行 by 施行規則 第35条第2項 and 法 §27 第1項 後段)."""

    SELF = "self", "本人"
    FAMILY = "family", "家族"
    CARE_MANAGER = "care_manager", "居宅介護支援事業者"
    SUPPORT_CENTRE = "support_centre", "地域包括支援センター"
    FACILITY = "facility", "介護保険施設"
    OTHER = "other", "その他（成年後見人等）"


class SpecifiedDisease(models.TextChoices):
    """特定疾病 (施行令 第2条, 16 diseases): a 第2号被保険者 is certified only for a need caused by one."""

    CANCER = "01", "がん（末期）"
    RHEUMATOID = "02", "関節リウマチ"
    ALS = "03", "筋萎縮性側索硬化症"
    OPLL = "04", "後縦靱帯骨化症"
    OSTEOPOROSIS = "05", "骨折を伴う骨粗鬆症"
    PRESENILE_DEMENTIA = "06", "初老期における認知症"
    PARKINSON = "07", "進行性核上性麻痺、大脳皮質基底核変性症及びパーキンソン病"
    SPINOCEREBELLAR = "08", "脊髄小脳変性症"
    SPINAL_STENOSIS = "09", "脊柱管狭窄症"
    PROGERIA = "10", "早老症"
    MSA = "11", "多系統萎縮症"
    DIABETIC = "12", "糖尿病性神経障害、糖尿病性腎症及び糖尿病性網膜症"
    CEREBROVASCULAR = "13", "脳血管疾患"
    ASO = "14", "閉塞性動脈硬化症"
    COPD = "15", "慢性閉塞性肺疾患"
    OSTEOARTHRITIS = "16", "両側の膝関節又は股関節に著しい変形を伴う変形性関節症"


class Case(models.Model):
    """One application for certification (or an insurer-initiated change) and its progress.

    ``state`` moves only through certification.cases.services (the table in
    certification.rules.cases); each move is a ``CaseEvent``. The key dates are kept on the case
    itself, set by the service of each stage, so that the deadline dashboard reads one table."""

    number = models.CharField("案件番号", max_length=12, unique=True)
    resident = models.ForeignKey("eligibility.Resident", on_delete=models.PROTECT, related_name="+",
                                 verbose_name="被保険者（宛名番号）")
    ward = models.CharField("担当区", max_length=16, choices=Ward.choices)
    kind = models.CharField("申請の種類", max_length=16, choices=CaseKind.choices)
    state = models.CharField("状態", max_length=12, choices=CaseState.choices, default=CaseState.RECEIVED)
    second_class = models.BooleanField("第2号被保険者", default=False)
    specified_disease = models.CharField("特定疾病", max_length=2, choices=SpecifiedDisease.choices, blank=True,
                                         default="")
    applicant_kind = models.CharField("申請者", max_length=16, choices=ApplicantKind.choices,
                                      default=ApplicantKind.SELF)
    # the office of a proxy (an organisation, not a person); a family member is named by relation only
    proxy_office = models.CharField("申請代行の事業所等", max_length=100, blank=True, default="")
    previous = models.ForeignKey("certification.Certification", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name="前回の認定")
    # key dates (DOMAIN.md 3.3)
    applied_on = models.DateField("申請日")
    survey_requested_on = models.DateField("調査依頼日", null=True, blank=True)
    surveyed_on = models.DateField("調査実施日", null=True, blank=True)
    opinion_requested_on = models.DateField("意見書依頼日", null=True, blank=True)
    opinion_received_on = models.DateField("意見書受領日", null=True, blank=True)
    assessed_on = models.DateField("一次判定日", null=True, blank=True)
    primary_level = models.CharField("一次判定の結果", max_length=2, choices=Level.choices, blank=True, default="")
    board_on = models.DateField("審査会開催日", null=True, blank=True)
    decided_on = models.DateField("認定日（二次判定日）", null=True, blank=True)
    notified_on = models.DateField("通知発送日", null=True, blank=True)
    postponed_on = models.DateField("延期通知日", null=True, blank=True)
    postponement_reason = models.CharField("延期理由", max_length=200, blank=True, default="")
    expected_by = models.DateField("処理見込期間（見込日）", null=True, blank=True)
    closed_on = models.DateField("終了日", null=True, blank=True)
    close_reason = models.CharField("終了の理由", max_length=200, blank=True, default="")
    received_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, related_name="+",
                                    verbose_name="受付職員")
    received_at = models.DateTimeField("受付日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        verbose_name = "認定申請案件"
        indexes = [
            models.Index(fields=["resident", "applied_on"], name="certcase_person"),
            models.Index(fields=["ward", "state", "applied_on"], name="certcase_ward_state"),
            models.Index(fields=["state", "applied_on"], name="certcase_state"),
            # the work list's order (certification.cases.selectors: the 30th day, or once postponed
            # the expected day), of the open cases only: a page is read from it without a sort
            models.Index(Coalesce("expected_by", ExpressionWrapper(F("applied_on") + Value(DECISION_DAYS),
                                                                   output_field=models.DateField())),
                         "applied_on", "id", name="certcase_open_urgency", condition=models.Q(state__in=_OPEN),
                         include=["ward", "state", "number", "resident_id", "kind", "second_class", "postponed_on",
                                  "expected_by"]),
        ]
        constraints = [
            # one open case per person at a time (a 区分変更 during a pending renewal is refused)
            models.UniqueConstraint(fields=["resident"], condition=models.Q(state__in=[
                CaseState.RECEIVED, CaseState.IN_PROGRESS, CaseState.ASSESSED, CaseState.SCHEDULED,
                CaseState.REVIEWED]), name="certcase_one_open"),
            models.CheckConstraint(condition=models.Q(second_class=False) | ~models.Q(specified_disease=""),
                                   name="certcase_second_class_disease"),
            models.CheckConstraint(condition=(models.Q(state__in=_CLOSED) & models.Q(closed_on__isnull=False))
                                   | (~models.Q(state__in=_CLOSED) & models.Q(closed_on__isnull=True)),
                                   name="certcase_closed_on"),
            models.CheckConstraint(condition=~models.Q(state=CaseState.DECIDED) | models.Q(decided_on__isnull=False),
                                   name="certcase_decided_on"),
            models.CheckConstraint(condition=models.Q(postponed_on__isnull=True)
                                   | (~models.Q(postponement_reason="") & models.Q(expected_by__isnull=False)),
                                   name="certcase_postponement"),
        ]

    def __str__(self) -> str:  # no personal data
        return f"案件 {self.number}"


class CaseEvent(models.Model):
    """One move of a case's state machine: from, move, to, who and when. Append-only."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    move = models.CharField("操作", max_length=16, choices=Move.choices)
    from_state = models.CharField("変更前", max_length=12, choices=CaseState.choices)
    to_state = models.CharField("変更後", max_length=12, choices=CaseState.choices)
    actor = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    at = models.DateTimeField("日時", auto_now_add=True)
    note = models.CharField("備考", max_length=200, blank=True, default="")

    class Meta:
        verbose_name = "案件の経過"
        indexes = [models.Index(fields=["case", "at"], name="certcaseevent_case")]


class ReceivedPaper(models.Model):
    """A paper that arrived for a case, registered on arrival (受付簿): what, when, who received it.
    A paper registered by mistake is cancelled with a reason, never deleted."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="papers", verbose_name="認定申請案件")
    kind = models.CharField("書類", max_length=24, choices=PaperKind.choices)
    received_on = models.DateField("受領日")
    received_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, related_name="+",
                                    verbose_name="受領職員")
    received_at = models.DateTimeField("登録日時", auto_now_add=True)
    note = models.CharField("備考", max_length=200, blank=True, default="")
    cancelled_at = models.DateTimeField("取消日時", null=True, blank=True)
    cancel_reason = models.CharField("取消の理由", max_length=200, blank=True, default="")

    class Meta:
        verbose_name = "受領書類"
        indexes = [models.Index(fields=["case", "kind"], name="certpaper_case")]
        constraints = [
            models.CheckConstraint(condition=models.Q(cancelled_at__isnull=True) | ~models.Q(cancel_reason=""),
                                   name="certpaper_cancel_reason"),
        ]




