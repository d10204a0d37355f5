"""What the cards print besides the holder and the insurer (kaigo.documents): plain values prepared
by eligibility.cards.selectors (no models, no database)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class CareInfo:
    """Certification facts printed on the card; every box is blank when its value is None."""

    care_level: str | None = None  # 要介護状態区分等, e.g. "要介護2"
    certified_on: date | None = None  # 認定年月日
    valid_from: date | None = None  # 認定の有効期間
    valid_to: date | None = None
    board_opinion: str | None = None  # 認定審査会の意見及びサービスの種類の指定
    benefit_restriction: str | None = None  # 給付制限 (内容・期間)
    care_manager: str | None = None  # 居宅介護支援事業者 / 介護予防支援事業者 / 地域包括支援センター
    facility: str | None = None  # 介護保険施設等 (種類・名称・入所/退所年月日)
    # Optional extras of 様式第1号 (added after the first interface; None = blank box).
    limit_units_per_month: int | None = None  # 区分支給限度基準額 (単位/月), period = 有効期間
    kind_limit: str | None = None  # うち種類支給限度基準額
    care_manager_notified_on: date | None = None  # 届出年月日 of the care manager


@dataclass(frozen=True)
class DocumentMeta:
    """Issue facts: reprint prints 「再交付」 prominently; serial is the issue number printed small."""

    issued_on: date
    reprint: bool = False
    serial: str = ""
