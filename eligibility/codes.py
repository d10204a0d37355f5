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


class FacilityCategory(models.TextChoices):
    """The facility's category in the facility master (施設種別), which decides its
    ``FacilityKind`` (``FACILITY_CATEGORY_KIND``):

    - 住所地特例対象施設, 介護保険法 §13 第1項 各号: 一 介護保険施設 (§8 第25項: 指定介護老人福祉施設
      = 特別養護老人ホーム of 30 places or more (§8 第27項), 介護老人保健施設, 介護医療院); 二 特定施設
      (§8 第11項: 有料老人ホーム and the facilities of 施行規則 §15, 軽費老人ホーム; not a 地域密着型特定施設);
      三 養護老人ホーム (老人福祉法 §20の4, admitted by 措置).
    - 適用除外施設, 介護保険法施行法 §11 and 介護保険法施行規則 §170: 指定障害者支援施設 (生活介護 and
      施設入所支援), 障害者支援施設 admitted by 措置 (身体障害者福祉法・知的障害者福祉法), 医療型障害児入所施設,
      指定発達支援医療機関, 療養介護を行う病院, 国立のぞみの園, 国立ハンセン病療養所, 救護施設 (生活保護法),
      the 労災 special care facilities (労働者災害補償保険法 §29 第1項第2号).
    - その他: a facility the registry's addresses may name that changes nothing of qualification:
      地域密着型介護老人福祉施設 (29 places or fewer, §8 第22項: not a 介護保険施設), グループホーム.
    """

    # 住所地特例対象施設 (法 §13 第1項)
    NURSING_HOME = "nursing_home", "介護老人福祉施設（特別養護老人ホーム・定員30人以上）"
    HEALTH_FACILITY = "health_facility", "介護老人保健施設"
    CARE_MEDICAL = "care_medical", "介護医療院"
    PAID_HOME = "paid_home", "有料老人ホーム（サービス付き高齢者向け住宅を含む）"
    LOW_COST_HOME = "low_cost_home", "軽費老人ホーム（ケアハウス）"
    PROTECTIVE_HOME = "protective_home", "養護老人ホーム"
    # 適用除外施設 (施行法 §11, 施行規則 §170)
    DISABILITY_SUPPORT = "disability_support", "指定障害者支援施設（生活介護・施設入所支援）"
    DISABILITY_MEASURE = "disability_measure", "障害者支援施設（措置による入所）"
    MEDICAL_CHILD = "medical_child", "医療型障害児入所施設・指定発達支援医療機関"
    MEDICAL_CARE_HOSPITAL = "medical_care_hospital", "療養介護を行う病院"
    NOZOMI = "nozomi", "国立重度知的障害者総合施設のぞみの園"
    HANSEN = "hansen", "国立ハンセン病療養所"
    RELIEF = "relief", "救護施設（生活保護法）"
    WORK_INJURY = "work_injury", "労災特別介護施設"
    # その他
    COMMUNITY_NURSING_HOME = "community_nursing_home", "地域密着型介護老人福祉施設（定員29人以下）"
    GROUP_HOME = "group_home", "認知症対応型共同生活介護（グループホーム）"
    OTHER = "other", "その他の施設"


FACILITY_CATEGORY_KIND: dict[str, str] = {
    **{c: FacilityKind.SPECIAL for c in ("nursing_home", "health_facility", "care_medical", "paid_home",
                                         "low_cost_home", "protective_home")},
    **{c: FacilityKind.EXEMPTION for c in ("disability_support", "disability_measure", "medical_child",
                                           "medical_care_hospital", "nozomi", "hansen", "relief", "work_injury")},
    **{c: FacilityKind.OTHER for c in ("community_nursing_home", "group_home", "other")},
}

# The 介護保険施設 (法 §8 第25項): each has its 介護保険事業所番号 (指定 §86, 許可 §94, §107), so the
# master requires it; for the other categories it is recorded when the facility has one.
OFFICE_NUMBER_REQUIRED: frozenset[str] = frozenset({"nursing_home", "health_facility", "care_medical"})


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
