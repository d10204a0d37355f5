"""Rules of the work queue (要確認案件): the decisions a clerk may take on each kind of case, and the
stay each decision records before the change is applied (pure: no database)."""

from __future__ import annotations

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
