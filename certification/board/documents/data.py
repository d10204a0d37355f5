"""What the board materials print: plain values gathered by certification.board.selectors (no
models, no database). A case is named by its order in the session and its case number only:
nothing here can hold the applicant's name, address, birth date or My Number (there is no field
for them), only an age band and the sex."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class SecretariatRefs:
    """What the secretariat's copy adds to enter the results (事務局用): still no person."""

    ward: str
    kind: str
    previous_level: str = ""  # 前回の要介護状態区分 ("" for a new application)
    previous_valid_from: date | None = None
    previous_valid_to: date | None = None
    applied_on: date | None = None


@dataclass(frozen=True)
class MaterialCase:
    sequence: int
    case_number: str
    age_band: str  # 「80歳代」
    sex: str  # 「男」「女」
    primary_level: str  # 一次判定の結果 (label), "" when none
    second_class: bool = False
    specified_disease: str = ""  # 第2号: 特定疾病 (the panel confirms it, DOMAIN.md 3.7)
    # 要介護認定等基準時間 per 行為区分 (label, minutes) and the total, when the assessment has them
    minutes: tuple[tuple[str, str], ...] = ()
    total_minutes: str = ""
    primary_note: str = ""  # e.g. 「組込みの推計（公式の一次判定ロジックではありません）」
    special_notes: str = ""  # 認定調査の特記事項
    opinion_items: tuple[tuple[str, str], ...] = ()  # 主治医意見書の主な項目 (label, value)
    secretariat: SecretariatRefs | None = None


@dataclass(frozen=True)
class MaterialSession:
    panel: str
    held_on: date
    place: str
    version: str  # "committee" or "secretariat"
    insurer: str = ""
    cases: tuple[MaterialCase, ...] = field(default=())
