"""Rules of cards and certificates (証類, DOMAIN 1.8) as pure functions: which issue is allowed, and
the reasons of an issue."""

from __future__ import annotations

from datetime import date

from django.db import models

from eligibility.codes import CardKind

# Until certification exists, a 資格者証 is valid for the statutory decision period of an
# application (法 §27(11): 30 days), counted from its issue.
QUALIFICATION_CERTIFICATE_DAYS = 30
# The reason of the cards the monthly 65th-birthday run issues (never chosen at the counter).
CARD_REASON_AGE65 = "age65"


class CardReason(models.TextChoices):
    REQUEST = "request", "交付申請"
    LOST = "lost", "紛失"
    DAMAGED = "damaged", "破損・汚損"
    CHANGED = "changed", "記載事項の変更"
    OTHER = "other", "その他"


REISSUE_REASONS = (CardReason.LOST, CardReason.DAMAGED, CardReason.CHANGED, CardReason.OTHER)
REASON_LABELS = {**dict(CardReason.choices), CARD_REASON_AGE65: "65歳到達"}


def card_issue_check(*, kind: str, reason: str, issued_before: bool, insured_number: str | None,
                     insured_on_day: bool, moved_out_on: date | None) -> list[str]:
    """What prevents this issue (empty: it may be issued). Plain rule, Japanese messages."""
    problems: list[str] = []
    if kind not in CardKind.values:
        return ["証の種類を選んでください。"]
    if issued_before and reason not in REISSUE_REASONS:
        problems.append("この証は交付済みです。再交付の理由（紛失・破損・記載事項の変更・その他）を選んでください。")
    if not issued_before and reason != CardReason.REQUEST:
        problems.append("初めての交付です。交付理由は「交付申請」を選んでください。")
    if insured_number is None:
        problems.append("被保険者番号がないため交付できません。")
    if kind in (CardKind.INSURANCE_CARD, CardKind.QUALIFICATION_CERTIFICATE) and not insured_on_day:
        problems.append("本日時点で資格がないため、被保険者証・資格者証は交付できません。")
    if kind == CardKind.ELIGIBILITY_CERTIFICATE and moved_out_on is None:
        problems.append("転出の記録がないため、受給資格証明書は交付できません。")
    return problems
