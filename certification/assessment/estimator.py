"""The built-in estimator of the primary assessment, for development and tests: NOT the official
logic (DOMAIN.md 3.6: the official 一次判定 is MHLW's software, integrated through the exchange of
certification.assessment.exchange; it is not re-implemented here). Every screen and document that
shows its result says 「開発・試験用の推計（公式の一次判定ロジックではありません）」
(port.ESTIMATOR_NOTICE).

What it does, so that tests and the synthetic city get plausible, monotonic results:

- each 中間評価項目 score (第1-5群) is 100 × (1 − the mean severity of the group's answers), a
  missing answer counted as independent (0) and named in the warnings;
- each 行為区分's minutes are a base plus weights × the groups' mean severities (all weights
  positive, so a more dependent answer never gives fewer minutes); 医療関連 from the count of
  special medical treatments (6-1..6-12, capped at 4);
- the 認知症加算 comes from the opinion's 認知症高齢者の日常生活自立度 (Ⅲa or above, more at Ⅳ or above);
- the level is certification.rules.levels.level_for_minutes of the total, the 要支援2 / 要介護1 split
  by the opinion (症状の安定性 「不安定」 or 認知症高齢者の日常生活自立度 Ⅱ or above).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from certification.assessment.port import (
    GROUPS,
    SURVEY_ITEMS,
    AdapterKind,
    Area,
    AssessmentInput,
    AssessmentResult,
    item_group,
)
from certification.opinion.rules import DementiaRank, dementia_at_least
from certification.rules.levels import level_for_minutes

VERSION = "推計1.0"
TENTH = Decimal("0.1")
MEDICAL_CAP = 4  # treatments counted at most

# area -> (base minutes, {group: weight}); "m": the count of special medical treatments
WEIGHTS: dict[str, tuple[Decimal, dict[object, Decimal]]] = {
    Area.MEAL: (Decimal(2), {2: Decimal(18)}),
    Area.EXCRETION: (Decimal(1), {2: Decimal(14), 1: Decimal(6)}),
    Area.TRANSFER: (Decimal(1), {1: Decimal(12), 2: Decimal(4)}),
    Area.HYGIENE: (Decimal(1), {1: Decimal(8), 2: Decimal(6)}),
    Area.INDIRECT: (Decimal(2), {5: Decimal(12), 3: Decimal(4)}),
    Area.BPSD: (Decimal("0.5"), {4: Decimal(10), 3: Decimal(2)}),
    Area.TRAINING: (Decimal(1), {1: Decimal(6)}),
    Area.MEDICAL: (Decimal("0.5"), {"m": Decimal(6)}),
}
# 認知症加算 by the opinion's rank: (floor, minutes), the highest floor reached applies
DEMENTIA_ADDITIONS: tuple[tuple[str, Decimal], ...] = ((DementiaRank.IV, Decimal(13)), (DementiaRank.IIIA, Decimal(7)))


def _tenth(value: Decimal) -> Decimal:
    return value.quantize(TENTH, rounding=ROUND_HALF_UP)


def _severity(code: str, value) -> Decimal:
    if code not in SURVEY_ITEMS:
        raise ValueError(f"unknown survey item code {code!r}")
    d = Decimal(str(value))
    if not Decimal(0) <= d <= Decimal(1):
        raise ValueError(f"severity of {code} outside 0..1")
    return d


class Estimator:
    """The development adapter of the port (certification.assessment.port.Assessor)."""

    kind = AdapterKind.ESTIMATOR

    def assess(self, data: AssessmentInput) -> AssessmentResult:
        return estimate(data)


def estimate(data: AssessmentInput) -> AssessmentResult:
    severities = {code: _severity(code, value) for code, value in data.severities.items()}
    missing = [c for c in SURVEY_ITEMS if item_group(c) <= 6 and c not in severities]
    means: dict[object, Decimal] = {}
    for group in GROUPS:
        codes = [c for c in SURVEY_ITEMS if item_group(c) == group]
        means[group] = sum((severities.get(c, Decimal(0)) for c in codes), Decimal(0)) / len(codes)
    treatments = sum((severities.get(c, Decimal(0)) for c in SURVEY_ITEMS if item_group(c) == 6), Decimal(0))
    means["m"] = min(treatments, Decimal(MEDICAL_CAP))
    minutes = {area: _tenth(base + sum((w * means[g] for g, w in weights.items()), Decimal(0)))
               for area, (base, weights) in WEIGHTS.items()}
    addition = next((m for floor, m in DEMENTIA_ADDITIONS if dementia_at_least(data.opinion.dementia_rank, floor)),
                    Decimal(0))
    total = sum(minutes.values(), Decimal(0)) + addition
    scores = {g: _tenth(Decimal(100) * (1 - means[g])) for g in GROUPS}
    level = level_for_minutes(total, unstable_or_cognitive=data.opinion.unstable_or_cognitive)
    warnings = (f"未入力の調査項目 {len(missing)}件（自立として推計）",) if missing else ()
    return AssessmentResult(AdapterKind.ESTIMATOR, VERSION, minutes, addition, total, scores, str(level.value),
                            warnings)
