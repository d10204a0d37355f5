"""Who may make the certification survey (認定調査) of a case, and the appointment's places. Pure
functions; the items and answers of the survey sheet: certification.rules.survey_items."""

from __future__ import annotations

from datetime import date

from django.db import models

from certification.rules.cases import CaseKind, CaseState


class BodyKind(models.TextChoices):
    """Who carries out a survey (調査の実施主体・委託先)."""

    CITY = "city", "市（直営の認定調査員）"
    # 法 §24の2 第1項第1号: 指定市町村事務受託法人 (a body the prefecture designated to take over the
    # city's survey work)
    DESIGNATED = "designated", "指定市町村事務受託法人"
    # 法 §27 第2項 後段: a person living far away (遠隔の地): the survey is entrusted to that municipality
    OTHER_MUNICIPALITY = "other_municipality", "他の市町村（遠隔地への嘱託）"
    # 法 §28 第5項 (renewal; §29 第2項 for a change): 指定居宅介護支援事業者, 介護保険施設, 地域包括支援センター
    # (施行規則 第40条の「厚生労働省令で定める事業者若しくは施設」; see the docs for the article)
    CARE_MANAGER = "care_manager", "指定居宅介護支援事業者"
    FACILITY = "facility", "介護保険施設"
    SUPPORT_CENTRE = "support_centre", "地域包括支援センター"


# 法 §27 第2項 (a new application; also §30 第2項 for a change on the insurer's own initiative,
# which applies it): the city's own staff, or a 指定市町村事務受託法人 (§24の2), or the municipality
# where a person far away lives.
NEW_BODIES = frozenset({BodyKind.CITY, BodyKind.DESIGNATED, BodyKind.OTHER_MUNICIPALITY})
# 法 §28 第5項 (renewal) and §29 第2項 (change of category, applying §28 第5項): also the offices
# and facilities of 施行規則 第40条.
RENEWAL_BODIES = frozenset(BodyKind.values)
BODIES_BY_KIND = {
    CaseKind.NEW: NEW_BODIES,
    CaseKind.INSURER_CHANGE: NEW_BODIES,
    CaseKind.RENEWAL: RENEWAL_BODIES,
    CaseKind.CHANGE: RENEWAL_BODIES,
    CaseKind.CARRY_OVER: frozenset(),  # 法 §36: no survey
}
# the states in which a survey is asked for, entered or corrected: before the primary assessment
SURVEY_STATES = frozenset({CaseState.RECEIVED, CaseState.IN_PROGRESS})


class PlaceKind(models.TextChoices):
    """Where the survey is made (調査の実施場所)."""

    HOME = "home", "自宅"
    FACILITY = "facility", "施設"
    HOSPITAL = "hospital", "病院"


def body_allowed(case_kind: str, body_kind: str) -> bool:
    """Whether a body of ``body_kind`` may make the survey of a case of ``case_kind``: a new
    application only the city, a 指定市町村事務受託法人 or (far away) another municipality (法 §27
    第2項, §24の2); a renewal or change also a care-management office, a facility or a community
    support centre (法 §28 第5項, §29 第2項); a carry-over (法 §36) none."""
    return body_kind in BODIES_BY_KIND.get(case_kind, frozenset())


def body_refusal(case_kind: str, body_kind: str) -> str | None:
    """Why a body of ``body_kind`` may not survey a case of ``case_kind`` (Japanese), or None."""
    if body_allowed(case_kind, body_kind):
        return None
    if case_kind == CaseKind.CARRY_OVER:
        return "受給資格証明書による申請では、認定調査は行いません（法第36条）。"
    kind = BodyKind(body_kind).label if body_kind in BodyKind.values else "この機関"
    return (f"新規申請（職権による区分変更を含む）の認定調査は、市の認定調査員または指定市町村事務受託法人に依頼してください"
            f"（法第27条第2項、第24条の2）。{kind}に委託できるのは更新申請・区分変更申請の調査だけです（法第28条第5項）。")


def survey_date_problem(surveyed_on: date, *, applied_on: date, today: date) -> str | None:
    """Why ``surveyed_on`` cannot be the day of the survey: before the application or in the future."""
    if surveyed_on > today:
        return "調査実施日に未来の日付は入力できません。"
    if surveyed_on < applied_on:
        return "調査実施日が申請日より前です。"
    return None
