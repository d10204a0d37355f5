"""Reads of the work queue (要確認案件), of the intake results (住基異動の取込結果) and of the moves
entered by hand (転出・転居の手入力).

The queue's screens write exactly one access-log row per request, naming every person they show
(audit.services.access_log_write). The intake results (files, counts, rejected and queued
lines) hold no personal data and are not logged.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Count

from audit.services import access_log_write
from eligibility.codes import Sex, Ward, WorkKind
from eligibility.intake.format import COLUMNS, LAYOUT, KindOfChange
from eligibility.intake.models import ChangeStatus, RegistryChange, RegistryFile, WorkItem, WorkStatus
from eligibility.intake.parser import RegistryRecord, parse_feed
from eligibility.intake.rules import WorkAction, actions_for
from eligibility.qualification.models import Facility
from eligibility.residents.models import Resident
from eligibility.residents.selectors import (
    ALL_WARDS,
    SENSITIVE_HIDDEN,
    PersonHeader,
    home_wards,
    household_protected,
    in_home_ward,
    log_function,
    person_header,
    protected_ids,
    sensitive_visible,
)
from kaigo.crypto.deks import dek_preload
from kaigo.crypto.errors import ShreddedPerson
from kaigo.errors import NotPermitted
from kaigo.staff.roles import has_permission

QUEUE_PAGE_SIZE = 50
FILE_PAGE_SIZE = 20
LINE_PAGE_SIZE = 100
MY_NUMBER_MASK = "＊＊＊＊ ＊＊＊＊ ＊＊＊＊"

WORK_KIND_LABELS = dict(WorkKind.choices)
WARD_LABELS = dict(Ward.choices)
CHANGE_KIND_LABELS = dict(KindOfChange.choices)
CHANGE_STATUS_LABELS = dict(ChangeStatus.choices)
ACTION_LABELS = dict(WorkAction.choices)


# --- the work queue ------------------------------------------------------------------------------


def queue_ward_of(actor) -> str | None:
    """The ward whose queue the staff member works: their ward office's ward; None for the head
    office (every ward). Raises NotPermitted for any other organisation (eligibility.residents.scope)."""
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
    parsed = parse_feed(LAYOUT.file([change.line]))
    return parsed.records[0] if parsed.records else None


def move_out_destinations(move_outs: Iterable[tuple[int, date]]) -> dict[tuple[int, date], str]:
    """The 転出先市町村コード of applied 転出 lines, for (resident number, 転出日) pairs, from the
    registry files the intake keeps: for move-outs recorded before the residence spell kept its
    destination (the one-off batch eligibility.move_out_loss_date). A pair is missing from the
    result when no applied line is kept for it (the file was shredded, or the move-out came from
    before the records), when its line no longer parses, or when two lines disagree.

    Decrypts the lines to read one column; nothing is shown, so nothing is logged (the batch's
    chunk is recorded by the change trail with its run)."""
    wanted = set(move_outs)
    if not wanted:
        return {}
    changes = list(RegistryChange.objects.filter(
        kind=KindOfChange.MOVE_OUT, status=ChangeStatus.APPLIED,
        person_id__in=sorted({pid for pid, _ in wanted}), effective_on__in=sorted({day for _, day in wanted}),
    ).only("id", "file_id", "person_id", "effective_on", "line").order_by("id"))
    dek_preload([-c.file_id for c in changes])
    found: dict[tuple[int, date], set[str]] = {}
    for change in changes:
        key = (change.person_id, change.effective_on)
        if key not in wanted:
            continue
        try:
            record = change_record(change)
        except ShreddedPerson:  # the file's key is destroyed: its lines are gone
            continue
        if record is not None and record.to_municipality:
            found.setdefault(key, set()).add(record.to_municipality)
    return {key: codes.pop() for key, codes in found.items() if len(codes) == 1}


@dataclass(frozen=True)
class QueueRow:
    pk: int
    kind: str
    ward: str
    person_id: int | None
    change_kind: str
    effective_on: date | None
    created_at: datetime
    file_id: int
    line_no: int


@dataclass
class QueuePage:
    rows: list[QueueRow]
    next_after: int | None
    ward: str | None  # the ward shown (None: every ward, head office only)
    own_ward: str | None  # the clerk's own ward (None: head office)


def work_queue(*, actor, request, ward: str | None = None, after: int | None = None) -> QueuePage:
    """Open work items, oldest first, a page at a time (keyset on the id: no COUNT). A ward
    office's clerk sees their ward only; the head office every ward, or the one chosen."""
    own = queue_ward_of(actor)
    shown = own if own is not None else (ward or None)
    qs = WorkItem.objects.filter(status=WorkStatus.OPEN)
    if shown is not None:
        qs = qs.filter(ward=shown)
    if after is not None:
        qs = qs.filter(pk__gt=after)
    items = list(qs.order_by("pk").values_list(
        "id", "kind", "ward", "person_id", "change__kind", "change__effective_on", "created_at", "change__file_id",
        "change__line_no")[:QUEUE_PAGE_SIZE + 1])
    more = len(items) > QUEUE_PAGE_SIZE
    items = items[:QUEUE_PAGE_SIZE]
    rows = [QueueRow(pk, WORK_KIND_LABELS.get(kind, kind), WARD_LABELS.get(w, w), pid,
                     CHANGE_KIND_LABELS.get(ck, ck or "—"), eff, created, fid, line_no)
            for pk, kind, w, pid, ck, eff, created, fid, line_no in items]
    persons = [r.person_id for r in rows if r.person_id]
    if persons:
        access_log_write(actor=actor, request=request, channel="screen", person_ids=persons, hits=len(rows),
                         function=log_function("workqueue.list", sensitive=bool(protected_ids(persons))))
    return QueuePage(rows, rows[-1].pk if more else None, shown, own)


@dataclass(frozen=True)
class LineField:
    label: str
    value: str


@dataclass
class WorkItemPage:
    item: WorkItem
    kind: str
    ward: str
    reason: str
    change_kind: str
    fields: list[LineField]
    readable: bool
    facility: Facility | None
    resident_exists: bool
    actions: tuple[str, ...]
    resolution: str  # the decision taken, as its label ("" while open)


def _field_value(attr: str, value, *, show_my_number: bool) -> str:
    if value is None or value == "":
        return "—"
    if attr == "my_number":
        return f"{value[:4]} {value[4:8]} {value[8:]}" if show_my_number else MY_NUMBER_MASK
    if attr == "kind":
        return f"{value} {CHANGE_KIND_LABELS.get(value, '')}".strip()
    if attr == "ward":
        return WARD_LABELS.get(value, value)
    if attr == "sex":
        return dict(Sex.choices).get(value, value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def work_item_actions(item_id: int) -> tuple[str, ...]:
    """The decisions a kind of work item allows (the form's choices when a decision is sent; no
    personal data: nothing logged). WorkItem.DoesNotExist when there is no such item."""
    return actions_for(WorkItem.objects.only("kind").get(pk=item_id).kind)


def work_item_page(*, actor, request, item_id: int) -> WorkItemPage:
    """One work item with its registry line's fields (decrypted and parsed) and the reason it
    was queued. Another ward's item: NotPermitted. Logged with the person the line is about."""
    item = WorkItem.objects.select_related("change", "resolved_by").get(pk=item_id)
    if not work_item_in_scope(actor, item.ward):
        raise NotPermitted("他の区の要確認案件は表示できません。")
    record = change_record(item.change)
    person_id = item.person_id or (record.person_id if record is not None else None)
    stored = (Resident.objects.filter(pk=person_id).annotate(household_protected=household_protected())
              .only("id", "ward", "sensitive").first()) if person_id else None
    protected = stored is not None and bool(stored.sensitive or stored.household_protected)
    hide_address = protected and not sensitive_visible(actor, stored)
    show_number = has_permission(actor, "my_number.view")
    fields = [LineField(c.label, SENSITIVE_HIDDEN if hide_address and c.attr == "address" else
                        _field_value(c.attr, getattr(record, c.attr), show_my_number=show_number))
              for c in COLUMNS] if record is not None else []
    facility = None
    if record is not None and record.facility_code:
        facility = Facility.objects.filter(code=record.facility_code).first()
    if person_id:
        access_log_write(actor=actor, request=request, channel="screen", person_ids=[person_id],
                         function=log_function("workqueue.view", sensitive=protected))
    exists = stored is not None
    return WorkItemPage(
        item=item, kind=WORK_KIND_LABELS.get(item.kind, item.kind), ward=WARD_LABELS.get(item.ward, item.ward),
        reason=item.change.error_message, change_kind=CHANGE_KIND_LABELS.get(item.change.kind, item.change.kind),
        fields=fields, readable=record is not None, facility=facility, resident_exists=exists,
        actions=actions_for(item.kind) if item.status == WorkStatus.OPEN else (),
        resolution=ACTION_LABELS.get(item.resolution, item.resolution),
    )


# --- intake results (no personal data) -----------------------------------------------------------


def file_summary(file: RegistryFile) -> dict[str, int]:
    counts = dict.fromkeys(ChangeStatus.values, 0)
    for status, n in file.changes.values_list("status").annotate(n=Count("id")).order_by():
        counts[status] = n
    return counts



@dataclass
class FileRow:
    file: RegistryFile
    counts: dict[str, int]

    @property
    def routed(self) -> int:
        return self.counts.get(ChangeStatus.QUEUED, 0)


@dataclass
class FilePage:
    rows: list[FileRow]
    next_before: int | None


def registry_file_list(*, before: int | None = None) -> FilePage:
    """Received files, newest first, with their lines counted by status (two queries a page)."""
    qs = RegistryFile.objects.all()
    if before is not None:
        qs = qs.filter(pk__lt=before)
    files = list(qs.order_by("-pk")[:FILE_PAGE_SIZE + 1])
    more = len(files) > FILE_PAGE_SIZE
    files = files[:FILE_PAGE_SIZE]
    counts: dict[int, dict[str, int]] = {f.pk: dict.fromkeys(ChangeStatus.values, 0) for f in files}
    for file_id, status, n in (RegistryChange.objects.filter(file_id__in=list(counts))
                               .values_list("file_id", "status").annotate(n=Count("id")).order_by()):
        counts[file_id][status] = n
    return FilePage([FileRow(f, counts[f.pk]) for f in files], files[-1].pk if more else None)


@dataclass(frozen=True)
class LineRow:
    line_no: int
    status: str
    code: str
    reason: str
    work_item_id: int | None


@dataclass
class FileLinesPage:
    file: RegistryFile
    counts: dict[str, int]
    lines: list[LineRow]
    next_after: int | None
    status: str  # the statuses shown: "all" or one ChangeStatus


LISTED_STATUSES = (ChangeStatus.REJECTED, ChangeStatus.QUEUED)


def registry_file_lines(*, file_id: int, status: str = "", after: int | None = None) -> FileLinesPage:
    """A file's counts and its rejected and queued lines (line number, status, code, reason), by
    line number, a page at a time. The columns read hold no personal data."""
    file = RegistryFile.objects.get(pk=file_id)
    statuses = [status] if status in LISTED_STATUSES else list(LISTED_STATUSES)
    qs = RegistryChange.objects.filter(file_id=file_id, status__in=statuses)
    if after is not None:
        qs = qs.filter(line_no__gt=after)
    rows = list(qs.order_by("line_no").values_list("line_no", "status", "error_code", "error_message",
                                                   "work_item__id")[:LINE_PAGE_SIZE + 1])
    more = len(rows) > LINE_PAGE_SIZE
    rows = rows[:LINE_PAGE_SIZE]
    lines = [LineRow(n, CHANGE_STATUS_LABELS.get(s, s), code, message, item) for n, s, code, message, item in rows]
    return FileLinesPage(file, file_summary(file), lines, rows[-1][0] if more else None,
                         status if status in LISTED_STATUSES else "all")


# --- moves entered by hand (転出・転居の手入力) ------------------------------------------------------


@dataclass(frozen=True)
class MoveRow:
    id: int
    kind: str
    moved_on: date
    where: str  # 転出先 (municipality code, or 国外) or the ward moved to
    status: str
    cancellable: bool
    entered_by: str
    entered_at: datetime
    cancelled_by: str
    cancelled_at: datetime | None
    cancel_reason: str


@dataclass
class MovePage(PersonHeader):
    current: list = field(default_factory=list)
    moves: list[MoveRow] = field(default_factory=list)
    effect: object = None  # eligibility.intake.services.MoveEffect on the confirmation step


def _move_rows(resident_id: int) -> list[MoveRow]:
    from eligibility.codes import ABROAD_CODE
    from eligibility.intake.models import ManualMove, ManualMoveStatus

    wards = dict(Ward.choices)
    rows = []
    for m in (ManualMove.objects.filter(resident_id=resident_id).select_related("entered_by", "cancelled_by")
              .order_by("-entered_at", "-id")):
        where = ("国外" if m.destination == ABROAD_CODE else f"市町村コード {m.destination}") if m.destination \
            else wards.get(m.ward_after, m.ward_after)
        rows.append(MoveRow(m.pk, m.get_kind_display(), m.moved_on, where, m.get_status_display(),
                            m.status == ManualMoveStatus.RECORDED, m.entered_by.display_name, m.entered_at,
                            m.cancelled_by.display_name if m.cancelled_by else "", m.cancelled_at, m.cancel_reason))
    return rows


def move_page(*, actor, request, resident_id: int, effect=None) -> MovePage:
    """The page of moves entered by hand: who, their current periods, the moves entered and what
    became of them, and (on the confirmation step) the effect of the move about to be saved. One
    access-log row."""
    from eligibility.qualification.selectors import current_period_rows

    person, function = person_header(actor, request, resident_id, "qualification.move")
    page = MovePage(**vars(person), current=current_period_rows(resident_id), moves=_move_rows(resident_id),
                    effect=effect)
    access_log_write(actor=actor, request=request, function=function, channel="screen", person_ids=[resident_id])
    return page


def move_row(*, actor, request, resident_id: int, move_id: int) -> tuple[MovePage, MoveRow]:
    """The page of one move to be corrected (ManualMove.DoesNotExist when it is not this person's)."""
    from eligibility.intake.models import ManualMove

    page = move_page(actor=actor, request=request, resident_id=resident_id)
    row = next((r for r in page.moves if r.id == move_id), None)
    if row is None:
        raise ManualMove.DoesNotExist
    return page, row
