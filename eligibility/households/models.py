"""Dated household membership (世帯の所属期間): one row per stretch of a resident's belonging to one
household, as the registry intake reports it (転入・出生・世帯変更 open a stretch, 転出・死亡・世帯変更
close it). ``Resident.household`` stays the current household; these rows answer "who belonged to
which household on a day" for the per-household rules (負担割合, 高額介護サービス費)."""

from __future__ import annotations

from django.db import models


class MembershipCause(models.TextChoices):
    """Why a stretch began or ended (the registry's kind of change, or the backfill)."""

    BACKFILL = "backfill", "記録開始前から"
    JOIN = "join", "世帯への加入"
    BIRTH = "birth", "出生"
    MOVE_IN = "move_in", "転入"
    HOUSEHOLD_CHANGE = "household_change", "世帯変更"
    MOVE_OUT = "move_out", "転出"
    DEATH = "death", "死亡"


class HouseholdMembership(models.Model):
    """A resident's membership of one household on the days ``start <= day < end``. ``start`` NULL:
    since before the records (the backfill of residents registered before the history was kept);
    ``end`` NULL: still a member. ``end`` is the day of the change (転出日, 死亡日, the 世帯変更's
    異動日): the person belongs to the new household from that day."""

    resident = models.ForeignKey("eligibility.Resident", on_delete=models.CASCADE,
                                 related_name="household_memberships", verbose_name="宛名")
    household = models.ForeignKey("eligibility.Household", on_delete=models.PROTECT, related_name="memberships",
                                  verbose_name="世帯")
    start = models.DateField("所属開始日", null=True, blank=True)
    end = models.DateField("所属終了日", null=True, blank=True)
    start_cause = models.CharField("開始事由", max_length=20, choices=MembershipCause.choices)
    end_cause = models.CharField("終了事由", max_length=20, choices=MembershipCause.choices, blank=True, default="")
    recorded_at = models.DateTimeField("記録日時", auto_now_add=True)

    class Meta:
        verbose_name = "世帯の所属期間"
        indexes = [
            models.Index(fields=["resident", "start"], name="membership_resident"),
            models.Index(fields=["household", "start"], name="membership_household"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["resident"], condition=models.Q(end__isnull=True),
                                    name="membership_one_open"),
            models.CheckConstraint(condition=models.Q(end__isnull=True) | models.Q(start__isnull=True)
                                   | models.Q(end__gt=models.F("start")), name="membership_end_after_start"),
        ]

    def __str__(self) -> str:
        return f"世帯の所属期間 {self.pk}"
