"""The primary assessment (一次判定, DOMAIN.md 3.6) as a port: ``Assessor.assess(input) -> result``.

Two adapters implement it:

- certification.assessment.exchange.ImportedResults: the national assessment software
  (要介護認定一次判定ソフト, distributed by MHLW): the cases' survey and opinion data go out in the
  export file, the software's result file comes back and each of its good lines is the result of
  one case, with the software's version stored on it;
- certification.assessment.estimator.Estimator: a built-in estimator for development and tests,
  NOT the official logic (every screen and document showing its result says so: ESTIMATOR_NOTICE).

Pure: no database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from django.db import models

from certification.opinion.rules import OpinionFacts


class AdapterKind(models.TextChoices):
    NATIONAL = "national", "国の一次判定ソフト"
    ESTIMATOR = "estimator", "開発・試験用の推計"


ESTIMATOR_NOTICE = "開発・試験用の推計（公式の一次判定ロジックではありません）"


class Area(models.TextChoices):
    """The 8 行為区分 whose minutes make the 要介護認定等基準時間 (省令第58号 第1条第1項 各号の行為)."""

    MEAL = "meal", "食事"
    EXCRETION = "excretion", "排泄"
    TRANSFER = "transfer", "移動"
    HYGIENE = "hygiene", "清潔保持"
    INDIRECT = "indirect", "間接生活介助"
    BPSD = "bpsd", "BPSD関連"
    TRAINING = "training", "機能訓練関連"
    MEDICAL = "medical", "医療関連"


AREAS: tuple[str, ...] = tuple(Area.values)


def _codes() -> tuple[str, ...]:
    codes = [f"1-1-{i}" for i in range(1, 6)] + [f"1-2-{i}" for i in range(1, 5)]
    codes += [f"1-{i}" for i in range(3, 14)]
    for group, count in ((2, 12), (3, 9), (4, 15), (5, 6), (6, 12), (7, 2)):
        codes += [f"{group}-{i}" for i in range(1, count + 1)]
    return tuple(codes)


# The survey's item codes (認定調査 基本調査, DOMAIN.md 3.4; fixed with certification.survey): 第1群
# 1-1-1..1-1-5 (麻痺), 1-2-1..1-2-4 (拘縮), 1-3..1-13; 第2群 2-1..2-12; 第3群 3-1..3-9; 第4群 4-1..4-15;
# 第5群 5-1..5-6; 特別な医療 6-1..6-12; 日常生活自立度 7-1 (障害高齢者), 7-2 (認知症高齢者). 76 in all.
SURVEY_ITEMS: tuple[str, ...] = _codes()


def item_group(code: str) -> int:
    """The group (1..7) of a survey item code."""
    return int(code.split("-", 1)[0])
GROUPS: tuple[int, ...] = (1, 2, 3, 4, 5)  # 中間評価項目 第1群..第5群


@dataclass(frozen=True)
class AssessmentInput:
    """What one case's assessment reads: the survey's answers as severities (item code -> 0..1,
    0 the most independent answer, 1 the most dependent: certification.rules.survey_items.
    answer_severity) and the received opinion's items."""

    case_number: str
    severities: dict[str, float]
    opinion: OpinionFacts


@dataclass(frozen=True)
class AssessmentResult:
    """A primary result: minutes per 行為区分, the 認知症加算, the total (要介護認定等基準時間), the
    中間評価項目 scores (0-100), the level's code, the software's version and its warning codes."""

    kind: str  # AdapterKind
    software_version: str
    minutes: dict[str, Decimal]  # Area -> minutes
    dementia_addition: Decimal
    total: Decimal
    group_scores: dict[int, Decimal]  # 1..5 -> score
    level: str  # certification.rules.levels.Level
    warnings: tuple[str, ...] = field(default=())


class Assessor(Protocol):
    kind: str

    def assess(self, data: AssessmentInput) -> AssessmentResult: ...
