"""What the certification notices print: plain values (no models, no database)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from kaigo.documents import CardHolder, InsurerInfo


@dataclass(frozen=True)
class NoticeMeta:
    issued_on: date
    case_number: str  # the case's number (no personal data)
    reprint: bool = False
    serial: str = ""


@dataclass(frozen=True)
class ResultNotice:
    """要介護認定等結果通知書: the decision, its validity and what the board attached, the reason of
    a 非該当 or of a changed level, and the 教示."""

    holder: CardHolder
    insurer: InsurerInfo
    meta: NoticeMeta
    kind_label: str  # 新規申請, 更新申請, ...
    applied_on: date
    decided_on: date
    level_label: str
    valid_from: date | None
    valid_to: date | None
    board_opinion: str = ""
    services: list[str] = field(default_factory=list)  # labels of the designated service types
    reason: str = ""  # why 非該当, or why the level differs from before / from the primary result
    not_applicable: bool = False


@dataclass(frozen=True)
class PostponementNotice:
    """認定延期通知書 (法 §27 第11項 ただし書): the reason and the expected day of the decision."""

    holder: CardHolder
    insurer: InsurerInfo
    meta: NoticeMeta
    kind_label: str
    applied_on: date
    postponed_on: date
    reason: str
    expected_by: date
