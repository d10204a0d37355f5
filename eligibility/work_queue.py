"""The intake's work queue (要確認案件): a ward clerk's decisions on registry changes the nightly
intake could not apply alone (eligibility/intake.py routes them here).

A decision is one transaction: apply the change as a normal change, or first record the stay the
clerk decided (適用除外 / 住所地特例) and then apply it, or dismiss it (取下げ); the work item
records who decided what and when. Applying goes through ``intake.apply_chunk`` restricted to
the one person and the one change (``decide={change_id: action}``), so the resident, the
registry change and the qualification revision (source "work_queue") change exactly as in the
nightly run.
"""

from __future__ import annotations

from django.db import models, transaction
from django.utils import timezone

from eligibility import intake
from eligibility.models import (
    ChangeStatus,
    Facility,
    FacilityStay,
    QualificationSource,
    RegistryChange,
    StayKind,
    WorkItem,
    WorkKind,
    WorkStatus,
)
from eligibility.registry_feed.format import HEADER
from eligibility.registry_feed.parser import RegistryRecord, parse_feed
from eligibility.scope import ALL_WARDS, home_wards, in_home_ward
from kaigo.crypto.deks import dek_preload
from kaigo.errors import ApplicationError, InvalidState, NotPermitted


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


class WorkActionInvalid(ApplicationError):
    code = "work_action_invalid"


def actions_for(kind: str) -> tuple[str, ...]:
    """The decisions a clerk may take on a work item of this kind (the first is the usual one)."""
    return _KIND_ACTIONS.get(kind, (WorkAction.NORMAL, WorkAction.DISMISS))


def queue_ward_of(actor) -> str | None:
    """The ward whose queue the staff member works: their ward office's ward; None for the head
    office (every ward). Raises NotPermitted for any other organisation (eligibility.scope)."""
    wards = home_wards(actor)
    if wards == ALL_WARDS:
        return None
    if len(wards) == 1:
        return next(iter(wards))
    raise NotPermitted("要確認案件を扱える所属ではありません。")


def work_item_in_scope(actor, item_ward: str) -> bool:
    """An item is worked by its ward's office (and the head office)."""
    return in_home_ward(actor, item_ward)


def change_record(change: RegistryChange) -> RegistryRecord | None:
    """The registry line of a change, parsed as the intake reads it (None if it no longer parses).
    Decrypts the line: callers that show it log the access."""
    dek_preload([-change.file_id])
    parsed = parse_feed((HEADER + "\n" + change.line + "\n").encode("utf-8"))
    return parsed.records[0] if parsed.records else None


def work_item_resolve(*, actor, item_id: int, action: str) -> WorkItem:
    """Carry out a clerk's decision on an open work item (one transaction). Raises
    WorkItem.DoesNotExist, NotPermitted (another ward's item), InvalidState (already resolved),
    WorkActionInvalid (a decision this item does not offer, or a change that cannot be applied:
    with the intake's reason)."""
    with transaction.atomic(durable=True):
        item = WorkItem.objects.select_for_update().select_related("change__file").get(pk=item_id)
        if not work_item_in_scope(actor, item.ward):
            raise NotPermitted("他の区の要確認案件は処理できません。")
        if item.status != WorkStatus.OPEN:
            raise InvalidState("この案件は既に処理されています。")
        if action not in actions_for(item.kind):
            raise WorkActionInvalid("この案件では選べない処理です。")
        change = item.change
        if change.status != ChangeStatus.QUEUED:
            raise InvalidState("この異動は要確認の状態ではありません。")
        if action == WorkAction.DISMISS:
            change.status = ChangeStatus.DISMISSED
            change.save(update_fields=["status"])
        else:
            _apply(actor=actor, change=change, action=action)
        item.status = WorkStatus.DONE
        item.resolution = action
        item.resolved_by = actor
        item.resolved_at = timezone.now()
        item.save(update_fields=["status", "resolution", "resolved_by", "resolved_at"])
    return item


def _apply(*, actor, change: RegistryChange, action: str) -> None:
    record = change_record(change)
    if record is None:
        raise WorkActionInvalid("異動レコードを読み取れないため適用できません。取下げてください。")
    stay_kind = ACTION_STAYS.get(action)
    if stay_kind is not None:
        facility = Facility.objects.filter(code=record.facility_code).first() if record.facility_code else None
        if facility is None:
            raise WorkActionInvalid("異動レコードの施設が施設マスタにないため、施設入所として適用できません。")
        # A person who moves in is created by the apply below, in this transaction: the
        # foreign key is checked at commit.
        FacilityStay.objects.create(resident_id=record.person_id, kind=stay_kind, facility=facility,
                                    start=record.effective_on, decided_by=actor)
    intake.apply_chunk(file=change.file, lo=record.person_id, hi=record.person_id + 1, batch_run_id=None,
                       actor_id=actor.pk, statuses=(ChangeStatus.QUEUED,), decide={change.pk: action},
                       source=QualificationSource.WORK_QUEUE)
    change.refresh_from_db(fields=["status", "error_message"])
    if change.status != ChangeStatus.APPLIED:
        raise WorkActionInvalid(f"適用できませんでした: {change.error_message or '理由不明'}")
