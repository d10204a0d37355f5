"""The board's result (二次判定) as pure checks: the service types a city may designate (サービスの種類の
指定, 法 §37), a level changed from the primary result only with its reason (法 §27 第5項: the board
judges on the survey, the opinion and the 特記事項; DOMAIN.md 3.7), the dates of a decision."""

from __future__ import annotations

from datetime import date

from certification.rules.levels import Level

# 法 §37 第1項: the city may designate, on the board's opinion, the kinds of services a person may
# use (居宅サービス等の種類の指定); 法 §8 and §8の2 name the kinds. Codes are ours (stable, printed by
# label); the list is data, not law text to be parsed.
SERVICE_KINDS: dict[str, str] = {
    "home_help": "訪問介護",
    "home_bath": "訪問入浴介護",
    "home_nursing": "訪問看護",
    "home_rehab": "訪問リハビリテーション",
    "home_medical": "居宅療養管理指導",
    "day_care": "通所介護",
    "day_rehab": "通所リハビリテーション",
    "short_stay": "短期入所生活介護",
    "short_stay_medical": "短期入所療養介護",
    "specified_facility": "特定施設入居者生活介護",
    "equipment_rental": "福祉用具貸与",
    "equipment_sale": "特定福祉用具販売",
    "night_home_help": "夜間対応型訪問介護",
    "regular_visits": "定期巡回・随時対応型訪問介護看護",
    "dementia_day_care": "認知症対応型通所介護",
    "small_multi": "小規模多機能型居宅介護",
    "group_home": "認知症対応型共同生活介護",
    "nursing_small_multi": "看護小規模多機能型居宅介護",
    "welfare_facility": "介護老人福祉施設",
    "health_facility": "介護老人保健施設",
    "care_medical": "介護医療院",
}


def service_labels(codes: list[str] | tuple[str, ...]) -> list[str]:
    return [SERVICE_KINDS.get(code, code) for code in codes]


def board_result_problems(*, level: str, primary_level: str, level_reason: str, services: list[str],
                          reviewed_on: date, applied_on: date, today: date) -> list[str]:
    """Everything wrong with a board's result but the months (validity.months_problem), in Japanese."""
    problems: list[str] = []
    if level not in Level.values:
        problems.append("二次判定の要介護状態区分を選んでください。")
    elif primary_level and level != primary_level and not level_reason.strip():
        problems.append(f"一次判定（{Level(primary_level).label}）と異なる区分とするときは、変更の理由"
                        "（特記事項・主治医意見書のどの記載によるか）を入力してください。")
    unknown = [s for s in services if s not in SERVICE_KINDS]
    if unknown:
        problems.append("サービスの種類の指定に正しくない種類があります。")
    if level == Level.NOT_APPLICABLE and services:
        problems.append("非該当の場合、サービスの種類の指定はできません。")
    if reviewed_on > today:
        problems.append("二次判定日に未来の日付は入力できません。")
    elif reviewed_on < applied_on:
        problems.append("二次判定日は申請日以後の日付を入力してください。")
    return problems
