"""The review board (介護認定審査会): its panels (合議体), members with their terms, sessions with the
members attending, and the cases assigned to a session in order. The rules are in
certification.board.rules; every write is a service of certification.board.services."""

from __future__ import annotations

from django.db import models

from certification.board.rules import MemberField


class Panel(models.Model):
    """A panel of the board (合議体, 施行令 §9 第1項) and its size (定数, 第2項: 5 as the standard)."""

    name = models.CharField("合議体の名称", max_length=40, unique=True)
    size = models.PositiveSmallIntegerField("委員の定数", default=5)
    reduced_reason = models.CharField("定数を5人未満とする理由", max_length=200, blank=True, default="")
    created_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "合議体"
        constraints = [models.CheckConstraint(condition=models.Q(size__gte=3), name="boardpanel_size")]

    def __str__(self) -> str:
        return self.name


class BoardMember(models.Model):
    """A member of the board (委員, 法 §15 第2項: appointed by the mayor), their field and term
    (施行令 §6). Not a resident's personal data; still, names never go to a log line."""

    name = models.CharField("氏名", max_length=60)
    field = models.CharField("分野", max_length=8, choices=MemberField.choices)
    profession = models.CharField("職種", max_length=40)
    panel = models.ForeignKey(Panel, on_delete=models.PROTECT, null=True, blank=True, related_name="members",
                              verbose_name="所属する合議体")
    term_start = models.DateField("任期の開始日")
    term_end = models.DateField("任期の終了日")
    predecessor = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                    verbose_name="前任者（補欠の委員）")
    ended_on = models.DateField("退任日", null=True, blank=True)
    created_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "審査会委員"
        constraints = [
            models.CheckConstraint(condition=models.Q(term_end__gte=models.F("term_start")), name="boardmember_term"),
        ]

    def __str__(self) -> str:  # no name
        return f"委員 {self.pk}"


class BoardSession(models.Model):
    """A session of a panel (審査会の開催): day, time, place, the members attending (a quorum of
    the panel, 施行令 §9) and the cases it takes at most."""

    panel = models.ForeignKey(Panel, on_delete=models.PROTECT, related_name="sessions")
    held_on = models.DateField("開催日")
    starts_at = models.TimeField("開始時刻", null=True, blank=True)
    place = models.CharField("開催場所", max_length=100)
    capacity = models.PositiveSmallIntegerField("審査件数の上限")
    attending = models.ManyToManyField(BoardMember, through="SessionAttendance", related_name="+")
    created_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "審査会の開催"
        constraints = [
            models.UniqueConstraint(fields=["panel", "held_on"], name="boardsession_panel_day"),
            models.CheckConstraint(condition=models.Q(capacity__gte=1), name="boardsession_capacity"),
        ]
        indexes = [models.Index(fields=["held_on"], name="boardsession_day")]

    def __str__(self) -> str:
        return f"審査会 {self.pk}"


class SessionAttendance(models.Model):
    session = models.ForeignKey(BoardSession, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(BoardMember, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "出席委員"
        constraints = [models.UniqueConstraint(fields=["session", "member"], name="boardattendance_once")]


class SessionCase(models.Model):
    """A case assigned to a session, with its order number in the session (the materials name a
    case by it and its case number only). Unassigned, the row stays with when, who and why."""

    session = models.ForeignKey(BoardSession, on_delete=models.PROTECT, related_name="cases")
    case = models.ForeignKey("certification.Case", on_delete=models.PROTECT, related_name="+")
    sequence = models.PositiveSmallIntegerField("審査順")
    assigned_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField("割当の取消日時", null=True, blank=True)
    removed_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    remove_reason = models.CharField("取消の理由", max_length=200, blank=True, default="")

    class Meta:
        verbose_name = "審査会の審査案件"
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=models.Q(removed_at__isnull=True),
                                    name="boardcase_one_session"),
            models.UniqueConstraint(fields=["session", "sequence"], condition=models.Q(removed_at__isnull=True),
                                    name="boardcase_sequence"),
            models.CheckConstraint(condition=models.Q(removed_at__isnull=True) | ~models.Q(remove_reason=""),
                                   name="boardcase_remove_reason"),
        ]
        indexes = [models.Index(fields=["session", "sequence"], name="boardcase_session")]
