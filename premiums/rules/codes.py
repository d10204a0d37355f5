"""Code sets of the premium rules: stage groups, reasons, collection methods, installment kinds.

Project-own codes (no vendor code set was found for them); the values are short English slugs
so that levy rows can store them, the labels are the Japanese terms staff see. This module
imports nothing from the app, so models, rules and forms can all use it.
"""

from __future__ import annotations

from django.db import models


class StageGroup(models.TextChoices):
    """The three branches of the stage decision (DOMAIN 2.3)."""

    HOUSEHOLD_EXEMPT = "household_exempt", "世帯非課税"
    SELF_EXEMPT = "self_exempt", "本人非課税・世帯課税"
    SELF_TAXED = "self_taxed", "本人課税"


class StageReason(models.TextChoices):
    """Which condition decided the stage (StageDecision.reason)."""

    PUBLIC_ASSISTANCE = "public_assistance", "生活保護受給"
    OLD_AGE_WELFARE_PENSION = "old_age_welfare_pension", "老齢福祉年金受給・世帯非課税"
    HOUSEHOLD_EXEMPT = "household_exempt", "世帯非課税・所得区分"
    SELF_EXEMPT = "self_exempt", "本人非課税・世帯課税・所得区分"
    SELF_TAXED = "self_taxed", "本人課税・所得区分"


class RoundingMode(models.TextChoices):
    """端数処理 (DOMAIN 2.7): the three methods S1 supports."""

    DOWN = "down", "切捨て"
    UP = "up", "切上げ"
    HALF_UP = "half_up", "四捨五入"


class PensionKind(models.TextChoices):
    """The kind of pension a 年金保険者 reports (DOMAIN 2.8)."""

    OLD_AGE = "old_age", "老齢・退職年金"
    DISABILITY = "disability", "障害年金"
    SURVIVOR = "survivor", "遺族年金"
    OLD_AGE_WELFARE = "old_age_welfare", "老齢福祉年金"
    WIDOW = "widow", "寡婦年金"


class CollectionMethod(models.TextChoices):
    """徴収方法. An installment is PENSION_DEDUCTION or BILLING; a year's decision may be BOTH
    (bills until the pension deduction starts)."""

    PENSION_DEDUCTION = "pension", "特別徴収"
    BILLING = "billing", "普通徴収"
    BOTH = "both", "併徴"


class CollectionReason(models.TextChoices):
    """Why the collection method was chosen (CollectionDecision.reason)."""

    CONTINUING = "continuing", "前年度から特別徴収継続"
    LISTED = "listed", "特別徴収対象者情報により開始"
    LISTED_NEXT_YEAR = "listed_next_year", "特別徴収開始が翌年度以降"
    NOT_LISTED = "not_listed", "特別徴収対象者情報なし"
    STOPPED = "stopped", "特別徴収中止後、対象者情報なし"
    PENSION_TOO_SMALL = "pension_too_small", "年金額が基準未満"
    EXCLUDED_PENSION = "excluded_pension", "特別徴収対象外の年金"
    NOT_WITHHOLDABLE = "not_withholdable", "年金保険者から特別徴収不可の通知"


class InstallmentKind(models.TextChoices):
    PROVISIONAL = "provisional", "仮徴収"
    FINAL = "final", "本徴収"
    REGULAR = "regular", "定期"
    EXTRA = "extra", "随時"
