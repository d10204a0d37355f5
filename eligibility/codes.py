"""Code sets of qualification (資格管理): insured class and the reasons of gain, loss and change.

Values are the codes of the vendor code set in DOMAIN.md 1.2-1.4 (S1), except the project-own
ones marked below (documented in docs/subsystems/qualification-rules.md). This module imports
nothing from the app, so models, rules and forms can all use it.
"""

from __future__ import annotations

from django.db import models


class InsuredClass(models.TextChoices):
    FIRST = "1", "第1号被保険者"
    SECOND = "2", "第2号被保険者"


class GainReason(models.TextChoices):
    """資格取得事由 (DOMAIN 1.2)."""

    MOVE_IN = "01", "転入"
    AGE_65 = "02", "年齢到達"
    FOREIGN_RESIDENT = "03", "外国人"
    SECOND_CLASS_APPLICATION = "04", "２号申請"
    OTHER_SPECIAL_ENDED = "07", "他特例居住"
    EXEMPTION_ENDED = "08", "除外者居住"
    EX_OFFICIO = "18", "職権取得"
    OTHER = "49", "その他"


class LossReason(models.TextChoices):
    """資格喪失事由 (DOMAIN 1.3)."""

    MOVE_OUT = "51", "転出"
    DEATH = "52", "死亡"
    EXEMPTION = "53", "除外者"
    SELF_SPECIAL_ENDED = "55", "自特例解除"
    NATIONALITY_LOST = "57", "国籍喪失"
    OTHER_SPECIAL = "58", "他特例者"
    EX_OFFICIO = "68", "職権喪失"
    OTHER = "99", "その他"


class ChangeReason(models.TextChoices):
    """資格変更事由 (DOMAIN 1.4). S1 and C1 are project-own codes (not in the vendor code set)."""

    MOVE_WITHIN = "21", "転居"
    NAME = "22", "氏名変更"
    FIRST_CLASS_REACHED = "31", "１号到達"
    SPECIAL_ADDRESS = "S1", "住所地特例適用"  # project-own
    CORRECTION = "C1", "訂正"  # project-own
    OTHER = "48", "その他"
