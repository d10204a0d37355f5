"""Rules of the work queue (要確認案件): the decisions a clerk may take on each kind of case, and the
stay each decision records before the change is applied; the check of a move entered by hand
(転出・転居の手入力). Pure: no database."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import models

from eligibility.codes import StayKind, WorkKind


class WorkAction(models.TextChoices):
    NORMAL = "normal", "通常の異動として適用"
    EXEMPTION = "exemption", "適用除外施設への入所として適用"
    SELF_SPECIAL = "self_special", "住所地特例（本市の被保険者）として適用"
    OTHER_SPECIAL = "other_special", "住所地特例（他市町村の被保険者）として適用"
    DISMISS = "dismiss", "取下げ（適用しない）"


# The stay a decision records before applying the change.
ACTION_STAYS: dict[str, str] = {
    WorkAction.EXEMPTION: StayKind.EXEMPTION,
    WorkAction.SELF_SPECIAL: StayKind.SELF_SPECIAL,
    WorkAction.OTHER_SPECIAL: StayKind.OTHER_SPECIAL,
}
_KIND_ACTIONS: dict[str, tuple[str, ...]] = {
    WorkKind.EXEMPTION: (WorkAction.EXEMPTION, WorkAction.NORMAL, WorkAction.DISMISS),
    WorkKind.SELF_SPECIAL: (WorkAction.SELF_SPECIAL, WorkAction.NORMAL, WorkAction.DISMISS),
    WorkKind.OTHER_SPECIAL: (WorkAction.OTHER_SPECIAL, WorkAction.NORMAL, WorkAction.DISMISS),
    WorkKind.PAST_DATED: (WorkAction.NORMAL, WorkAction.DISMISS),
    WorkKind.CONFLICT: (WorkAction.NORMAL, WorkAction.DISMISS),
}


def actions_for(kind: str) -> tuple[str, ...]:
    """The decisions a clerk may take on a work item of this kind (the first is the usual one)."""
    return _KIND_ACTIONS.get(kind, (WorkAction.NORMAL, WorkAction.DISMISS))


# --- moves entered by hand (転出・転居の手入力) ------------------------------------------------------

# How far ahead a move may be entered: the same limit as a notification by hand (届出).
MOVE_FUTURE_LIMIT_DAYS = 14


@dataclass(frozen=True)
class MoveInput:
    """A move as a clerk enters it: ``kind`` a MoveKind value (eligibility.intake.models), the 異動日
    (the 転出日 the registry records, or the day of the 転居), the destination municipality of a
    domestic 転出, the new ward of a 転居."""

    kind: str
    moved_on: date
    destination: str = ""
    ward: str = ""


def manual_move_check(move: MoveInput, *, today: date, resident_status: str, current_ward: str,
                      birth_date: date, spell_start: date | None) -> list[str]:
    """Everything wrong with a move entered by hand (empty: acceptable); messages for the clerk that
    never repeat the value entered.

    - a 転出 (国内) names the municipality the person moved to: a valid 全国地方公共団体コード
      (check digit), not this city's (a move inside the city is a 転居: DOMAIN 1.4) and not abroad
      (that is a 国外転出). Which day the qualification is lost follows from it (介護保険法 §11 第1項:
      eligibility.qualification.rules.move_out_loss_date);
    - a 転居 names the new ward;
    - only a resident (住民) moves; the day lies on or after the start of the present address and
      the birth, and at most ``MOVE_FUTURE_LIMIT_DAYS`` ahead."""
    from eligibility.codes import ABROAD_CODE, OWN_MUNICIPALITY_CODES, ResidenceStatus, Ward, municipality_check_digit

    problems: list[str] = []
    if move.kind not in ("move_out", "abroad", "move_within"):
        return ["異動の種類を選んでください。"]
    if resident_status != ResidenceStatus.RESIDENT:
        problems.append("住民ではない方（転出・死亡済み）の異動は入力できません。")
    if move.moved_on > today + timedelta(days=MOVE_FUTURE_LIMIT_DAYS):
        problems.append(f"異動日は本日から{MOVE_FUTURE_LIMIT_DAYS}日後までの日付を入力してください。")
    if move.moved_on < birth_date:
        problems.append("異動日が生年月日より前です。")
    elif spell_start is not None and move.moved_on < spell_start:
        problems.append("異動日が現在の住所の住定日（転入日）より前です。")
    if move.kind == "move_out":
        code = move.destination
        if not code:
            problems.append("転出先の市町村コードを入力してください。")
        elif code == ABROAD_CODE:
            problems.append("国外への転出は「国外転出」を選んでください。")
        elif not (re.fullmatch(r"[0-9]{6}", code) and municipality_check_digit(code[:5]) == int(code[5])):
            problems.append("転出先の市町村コードは検査数字を含む6桁の全国地方公共団体コードで入力してください。")
        elif code in OWN_MUNICIPALITY_CODES:
            problems.append("市内の区への異動は転出ではなく「転居」を選んでください。")
    if move.kind == "move_within" and move.ward not in Ward.values:
        problems.append("転居後の区を選んでください。")
    return problems
