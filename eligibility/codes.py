"""Reference data of eligibility: the code sets other apps and eligibility's own sub-packages use.

Public (docs/README.md, "Dependency direction"): another app reads residents' and qualification's
codes from here, never from ``eligibility.models``. A status that only its own table and services
use stays beside its model (e.g. ``eligibility.intake.models.ChangeStatus``).

The qualification codes are those of the vendor code set in DOMAIN.md 1.2-1.4 (S1), except the
project-own ones marked below (documented in docs/subsystems/qualification-rules.md). This
module imports nothing from the app, so models, rules and forms can all use it.
"""

from __future__ import annotations

import re

from django.db import models

# --- residents (宛名) ---------------------------------------------------------------------------


class Ward(models.TextChoices):
    KAWASAKI = "kawasaki", "川崎区"
    SAIWAI = "saiwai", "幸区"
    NAKAHARA = "nakahara", "中原区"
    TAKATSU = "takatsu", "高津区"
    MIYAMAE = "miyamae", "宮前区"
    TAMA = "tama", "多摩区"
    ASAO = "asao", "麻生区"

    @property
    def organisation(self) -> str:
        """The ward office that serves this ward (kaigo.staff.roles.Organisation value)."""
        return f"ward_{self.value}"


class Sex(models.TextChoices):
    MALE = "1", "男"
    FEMALE = "2", "女"


class Relation(models.TextChoices):
    HEAD = "head", "世帯主"
    SPOUSE = "spouse", "妻・夫"
    CHILD = "child", "子"
    PARENT = "parent", "父・母"
    OTHER = "other", "その他"


class ResidenceStatus(models.TextChoices):
    RESIDENT = "resident", "住民"
    MOVED_OUT = "moved_out", "転出"
    DECEASED = "deceased", "死亡"


# --- municipalities (全国地方公共団体コード) ------------------------------------------------------

# This city and its wards: a move inside the city is a 転居, never a 転入 or 転出; a facility here is
# "in the city" for the special-address rule (住所地特例).
OWN_MUNICIPALITY_BASES = ("14130", "14131", "14132", "14133", "14134", "14135", "14136", "14137")


def municipality_check_digit(first_five: str) -> int:
    """Check digit of a local government code (全国地方公共団体コード): weights 6,5,4,3,2,
    remainder mod 11, the last digit of 11 - remainder (川崎市 14130 -> 5, 千代田区 13101 -> 6)."""
    if not re.fullmatch(r"[0-9]{5}", first_five):
        raise ValueError("five digits expected")
    total = sum(int(d) * w for d, w in zip(first_five, (6, 5, 4, 3, 2), strict=True))
    return (11 - total % 11) % 10


def municipality_code(first_five: str) -> str:
    return first_five + str(municipality_check_digit(first_five))


OWN_MUNICIPALITY_CODES = frozenset(municipality_code(b) for b in OWN_MUNICIPALITY_BASES)

# Abroad (国外), where a 転入 came from or a 転出 goes. The national code list (全国地方公共団体コード)
# has no code for abroad: the registry feed writes 999999, which can never be a real code (the
# check digit of 99999 is 7). Project convention, documented in docs/subsystems/registry-feed.md.
ABROAD_CODE = "999999"


# --- qualification (資格管理) ---------------------------------------------------------------------


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


class FacilityKind(models.TextChoices):
    EXEMPTION = "exemption", "適用除外施設"
    SPECIAL = "special", "住所地特例対象施設"
    OTHER = "other", "その他の施設"


class StayKind(models.TextChoices):
    EXEMPTION = "exemption", "適用除外施設入所"
    SELF_SPECIAL = "self_special", "住所地特例（自市町村の被保険者）"
    OTHER_SPECIAL = "other_special", "住所地特例（他市町村の被保険者）"


# --- cards (証類) -----------------------------------------------------------------------------------


class CardKind(models.TextChoices):
    INSURANCE_CARD = "card", "介護保険被保険者証"
    QUALIFICATION_CERTIFICATE = "qualification", "介護保険資格者証"
    ELIGIBILITY_CERTIFICATE = "eligibility", "受給資格証明書"


# --- the registry intake's work queue (要確認案件) ------------------------------------------------


class WorkKind(models.TextChoices):
    EXEMPTION = "exemption", "適用除外施設への入所の可能性"
    SELF_SPECIAL = "self_special", "住所地特例（他市町村の施設への転出）の可能性"
    OTHER_SPECIAL = "other_special", "住所地特例（他市町村の被保険者の施設入所）の可能性"
    PAST_DATED = "past_dated", "過去日付の異動"
    CONFLICT = "conflict", "登録内容との不一致"
