"""Care-need levels (要介護状態区分等) and the level that a 要介護認定等基準時間 falls in.

The bands are those of 要介護認定等に係る介護認定審査会による審査及び判定の基準等に関する省令
(平成11年厚生省令第58号) 第1条 (要介護1-5) and 第2条 (要支援1・2), DOMAIN.md 3.1. The codes are the
要介護状態区分コード of the national federation's interface (国保連, DOMAIN.md 3.1, 6.4).
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models


class Level(models.TextChoices):
    """要介護状態区分 and 非該当, by the federation's code."""

    NOT_APPLICABLE = "01", "非該当"
    SUPPORT_1 = "12", "要支援1"
    SUPPORT_2 = "13", "要支援2"
    CARE_1 = "21", "要介護1"
    CARE_2 = "22", "要介護2"
    CARE_3 = "23", "要介護3"
    CARE_4 = "24", "要介護4"
    CARE_5 = "25", "要介護5"


SUPPORT_LEVELS = frozenset({Level.SUPPORT_1, Level.SUPPORT_2})
CARE_LEVELS = frozenset({Level.CARE_1, Level.CARE_2, Level.CARE_3, Level.CARE_4, Level.CARE_5})
CERTIFIED_LEVELS = SUPPORT_LEVELS | CARE_LEVELS  # a level that gives benefits (not 非該当)

# (lower bound in minutes, level) from the highest down: 省令第58号 第1条 第1項 第1号-第5号 and 第2条.
# Between 32 and 50 minutes the band is 要支援2 or 要介護1 (below).
_BANDS: tuple[tuple[Decimal, Level], ...] = (
    (Decimal(110), Level.CARE_5),
    (Decimal(90), Level.CARE_4),
    (Decimal(70), Level.CARE_3),
    (Decimal(50), Level.CARE_2),
    (Decimal(32), Level.CARE_1),  # or 要支援2, see level_for_minutes
    (Decimal(25), Level.SUPPORT_1),
)


def level_for_minutes(minutes: Decimal, *, unstable_or_cognitive: bool) -> Level:
    """The level whose band holds ``minutes`` (要介護認定等基準時間).

    省令第58号 第1条第1項第1号 (要介護1): 32分以上50分未満 (or equivalent) — for a person whose state is
    not expected to be maintained or improved by preventive care, i.e. with a decline of cognitive
    function or an unstable condition (``unstable_or_cognitive``); 第2条第2号 (要支援2): the same band
    otherwise. 第2条第1号 (要支援1): 25分以上32分未満. Below 25 minutes: 非該当.
    """
    if minutes < 0:
        raise ValueError("minutes must not be negative")
    for bound, level in _BANDS:
        if minutes >= bound:
            if level == Level.CARE_1 and not unstable_or_cognitive:
                return Level.SUPPORT_2
            return level
    return Level.NOT_APPLICABLE


def is_same_level(before: str | None, after: str) -> bool:
    """Whether a renewal keeps exactly the previous level (施行規則 第41条 (更新認定の有効期間): 「直前の要介護度と
    同じ要介護度と判定された者」, read as the exact level; DOMAIN.md 3.9 note)."""
    return before is not None and before == after
