"""Reads of the qualification screens (資格タブ, 届出, 証の交付, 要確認案件, 住基異動の取込結果).

Every function that returns a person's data writes exactly one access-log row for the request,
naming every person it shows (audit.services.access_log_write): call it once per request. The
intake results (files, counts, rejected and queued lines) hold no personal data and are not
logged.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from audit.services import access_log_write
from eligibility.cards import REASON_LABELS, card_render, cards_render_batch
from eligibility.codes import ChangeReason, GainReason, InsuredClass, LossReason
from eligibility.intake import file_summary
from eligibility.models import (
    CardIssue,
    CardKind,
    ChangeStatus,
    Facility,
    FacilityStay,
    InsuredNumber,
    QualificationSource,
    RegistryChange,
    RegistryFile,
    Resident,
    Sex,
    StayKind,
    Ward,
    WorkItem,
    WorkKind,
    WorkStatus,
)
from eligibility.qualification import HistoryRow, as_of, history_rows
from eligibility.registry_feed.format import COLUMNS, KindOfChange
from eligibility.scope import (
    SENSITIVE_HIDDEN,
    VIEW_OUTSIDE_WARD,
    in_home_ward,
    person_view_allowed,
    sensitive_visible,
)
from eligibility.selectors import (
    HOUSEHOLD_PROTECTED_SQL,
    log_function,
    residents_with_keys,
)
from eligibility.work_queue import (
    WorkAction,
    actions_for,
    change_record,
    queue_ward_of,
    work_item_in_scope,
)
from kaigo.crypto.deks import dek_preload
from kaigo.errors import NotPermitted
from kaigo.staff.roles import has_permission

QUEUE_PAGE_SIZE = 50
FILE_PAGE_SIZE = 20
LINE_PAGE_SIZE = 100
MY_NUMBER_MASK = "＊＊＊＊ ＊＊＊＊ ＊＊＊＊"
PRINT_PROTECTED = ("支援措置対象者（またはその世帯員）の証は住所を印字するため、その区の支援措置の閲覧権限がある職員のみ"
                   "印刷できます。")

CLASS_LABELS = dict(InsuredClass.choices)
GAIN_LABELS = {**dict(GainReason.choices), **dict(ChangeReason.choices)}
LOSS_LABELS = {**dict(LossReason.choices), **dict(ChangeReason.choices)}
SOURCE_LABELS = dict(QualificationSource.choices)
STAY_LABELS = dict(StayKind.choices)
CARD_LABELS = dict(CardKind.choices)
WORK_KIND_LABELS = dict(WorkKind.choices)
WARD_LABELS = dict(Ward.choices)
CHANGE_KIND_LABELS = dict(KindOfChange.choices)
CHANGE_STATUS_LABELS = dict(ChangeStatus.choices)
ACTION_LABELS = dict(WorkAction.choices)


def reason_label(code: str, labels: dict[str, str]) -> str:
    """"02 年齢到達": the code with its Japanese label ("—" when empty)."""
    if not code:
        return "—"
    label = labels.get(code)
    return f"{code} {label}" if label else code


# --- the person ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodRow:
    """A qualification period as the screen shows it: labels ready."""

    insured_class: str
    start: date
    gain: str
    end: date | None
    loss: str


@dataclass
class Revision:
    revision: int
    recorded_from: datetime
    recorded_to: datetime | None
    source: str
    periods: list[PeriodRow]


@dataclass
class PersonHeader:
    resident: Resident
    insured_number: str | None
    # under a support measure (支援措置), or sharing a household with someone who is: the
    # household is protected as a whole (docs/subsystems/persons.md)
    protected: bool = False
    # the staff member may see the protected person's address (eligibility.scope.sensitive_visible)
    sensitive_visible: bool = True


@dataclass
class QualificationTab(PersonHeader):
    current: list[PeriodRow] = field(default_factory=list)
    revisions: list[Revision] = field(default_factory=list)
    known_at: datetime | None = None
    true_on: date | None = None
    as_of: list[PeriodRow] | None = None


def _period_row(r: HistoryRow) -> PeriodRow:
    return PeriodRow(CLASS_LABELS.get(r.insured_class, r.insured_class), r.start,
                     reason_label(r.gain_reason, GAIN_LABELS), r.end, reason_label(r.loss_reason, LOSS_LABELS))


def _protected_subquery():
    return Exists(Resident.objects.filter(household_id=OuterRef("household_id"), sensitive=True))


def protected_ids(person_ids) -> set[int]:
    """Which of these persons are protected (支援措置: themselves or a household member): one query."""
    ids = [pid for pid in person_ids if pid]
    if not ids:
        return set()
    return set(Resident.objects.filter(pk__in=ids).annotate(household_protected=_protected_subquery())
               .filter(Q(sensitive=True) | Q(household_protected=True)).values_list("id", flat=True))


def _person_row(resident_id: int) -> tuple[Resident, str | None, bool]:
    """The resident with their data key unwrapped, their insured number and whether the household
    is protected, in one query (eligibility.selectors.residents_with_keys)."""
    rows = residents_with_keys("r.id = %s", [resident_id], extra=(
        HOUSEHOLD_PROTECTED_SQL,
        "(SELECT n.number FROM eligibility_insurednumber n WHERE n.resident_id = r.id)",
    ))
    if not rows:
        raise Resident.DoesNotExist
    resident, (household_protected, number) = rows[0]
    return resident, number, bool(resident.sensitive or household_protected)


def _person(actor, request, resident_id: int, function: str, channel: str = "screen") -> tuple[PersonHeader, str]:
    """The resident (key unwrapped, household protection and insured number in the same query), and the access-log function code to write for showing them,
    with its flags (eligibility.selectors.log_function: ``.sensitive``, ``.outside_ward``). When
    the office restricts views to its own ward and the person lives elsewhere: the refusal is
    logged ("<function>.denied") and NotPermitted."""
    resident, number, protected = _person_row(resident_id)
    if not person_view_allowed(actor, resident):
        access_log_write(actor=actor, request=request, channel=channel, person_ids=[resident_id],
                         function=log_function(f"{function}.denied", sensitive=protected))
        raise NotPermitted(VIEW_OUTSIDE_WARD)
    header = PersonHeader(resident, number, protected=protected,
                          sensitive_visible=not protected or sensitive_visible(actor, resident))
    return header, log_function(function, sensitive=protected, outside_ward=not in_home_ward(actor, resident.ward))


def end_of_day(day: date) -> datetime:
    """The last moment of a day in the office's time zone: "known on day X" includes all of X."""
    return timezone.make_aware(datetime.combine(day, time.max))


def qualification_tab(*, actor, request, resident_id: int, known_on: date | None = None,
                      true_on: date | None = None) -> QualificationTab:
    """The qualification tab: insured number, current periods, every revision and, when asked,
    what the office knew at the end of ``known_on`` (default: now) about ``true_on``."""
    person, function = _person(actor, request, resident_id, "qualification.view")
    rows = history_rows(resident_id)
    by_revision: dict[int, list[HistoryRow]] = defaultdict(list)
    for r in rows:
        by_revision[r.revision].append(r)
    revisions = [
        Revision(rev, items[0].recorded_from, items[0].recorded_to, SOURCE_LABELS.get(items[0].source, items[0].source),
                 [_period_row(r) for r in sorted(items, key=lambda r: r.start)])
        for rev, items in sorted(by_revision.items(), reverse=True)
    ]
    tab = QualificationTab(
        **vars(person),
        current=[_period_row(r) for r in sorted((r for r in rows if r.recorded_to is None), key=lambda r: r.start)],
        revisions=revisions,
    )
    if known_on is not None or true_on is not None:
        tab.known_at = end_of_day(known_on) if known_on is not None else timezone.now()
        tab.true_on = true_on
        tab.as_of = [_period_row(r) for r in as_of(rows, known_at=tab.known_at, true_on=true_on)]
    access_log_write(actor=actor, request=request, function=function, channel="screen", person_ids=[resident_id])
    return tab


@dataclass
class StayRow:
    kind: str
    facility: str
    start: date
    end: date | None


@dataclass
class NotifyPage(PersonHeader):
    current: list[PeriodRow] = field(default_factory=list)
    stays: list[StayRow] = field(default_factory=list)


def notify_page(*, actor, request, resident_id: int) -> NotifyPage:
    """The notification form's context: who, their current periods and facility stays."""
    person, function = _person(actor, request, resident_id, "qualification.notify")
    current = [_period_row(r) for r in sorted((r for r in history_rows(resident_id) if r.recorded_to is None),
                                              key=lambda r: r.start)]
    stays = [StayRow(STAY_LABELS.get(kind, kind), name or "—", start, end) for kind, name, start, end in
             FacilityStay.objects.filter(resident_id=resident_id).order_by("start", "id")
             .values_list("kind", "facility__name", "start", "end")]
    access_log_write(actor=actor, request=request, function=function, channel="screen", person_ids=[resident_id])
    return NotifyPage(**vars(person), current=current, stays=stays)


@dataclass(frozen=True)
class CardRow:
    pk: int
    kind: str
    issued_on: date
    reprint: bool
    reason: str
    batch_run_id: int | None


@dataclass
class CardsPage(PersonHeader):
    issues: list[CardRow] = field(default_factory=list)


def cards_page(*, actor, request, resident_id: int) -> CardsPage:
    person, function = _person(actor, request, resident_id, "card.view")
    issues = [CardRow(pk, CARD_LABELS.get(kind, kind), issued_on, reprint, REASON_LABELS.get(reason, reason), run)
              for pk, kind, issued_on, reprint, reason, run in
              CardIssue.objects.filter(resident_id=resident_id).order_by("-issued_on", "-id")
              .values_list("id", "kind", "issued_on", "reprint", "reason", "batch_run_id")]
    access_log_write(actor=actor, request=request, function=function, channel="screen", person_ids=[resident_id])
    return CardsPage(**vars(person), issues=issues)


def card_print(*, actor, request, resident_id: int, issue_id: int) -> tuple[CardIssue, bytes]:
    """The PDF of one issue, rendered from the resident's current data; logged as a print."""
    issue = CardIssue.objects.filter(pk=issue_id, resident_id=resident_id).first()
    if issue is None:
        raise CardIssue.DoesNotExist
    person, function = _person(actor, request, resident_id, "card.print", channel="print")
    if person.insured_number is None:
        raise CardIssue.DoesNotExist
    if not person.sensitive_visible:  # the document prints the address
        access_log_write(actor=actor, request=request, channel="print", person_ids=[resident_id],
                         function=log_function("card.print.denied", sensitive=True))
        raise NotPermitted(PRINT_PROTECTED)
    pdf = card_render(issue, person.resident, person.insured_number)
    access_log_write(actor=actor, request=request, function=function, channel="print", person_ids=[resident_id])
    return issue, pdf


def run_cards_print(*, actor, request, run_id: int) -> bytes:
    """Every card issued by a batch run (the monthly 65th-birthday run), by person number, as one
    PDF; one access-log row names every person printed. Protected persons (支援措置) are left
    out: their cards print at their ward office, from the person's card tab, by the staff who may
    see their address."""
    issues = list(CardIssue.objects.filter(batch_run_id=run_id).order_by("resident_id", "id"))
    if not issues:
        raise CardIssue.DoesNotExist
    left_out = protected_ids({i.resident_id for i in issues})
    issues = [i for i in issues if i.resident_id not in left_out]
    if not issues:
        raise CardIssue.DoesNotExist
    ids = sorted({i.resident_id for i in issues})
    dek_preload(ids)
    residents = Resident.objects.in_bulk(ids)
    numbers = dict(InsuredNumber.objects.filter(resident_id__in=ids).values_list("resident_id", "number"))
    items = [(i, residents[i.resident_id], numbers[i.resident_id]) for i in issues
             if i.resident_id in residents and i.resident_id in numbers]
    pdf = cards_render_batch(items)
    access_log_write(actor=actor, request=request, function="card.print", channel="print",
                     person_ids=[i.resident_id for i, _, _ in items], hits=len(items))
    return pdf


# --- the work queue ------------------------------------------------------------------------------


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


def work_item_page(*, actor, request, item_id: int) -> WorkItemPage:
    """One work item with its registry line's fields (decrypted and parsed) and the reason it
    was queued. Another ward's item: NotPermitted. Logged with the person the line is about."""
    item = WorkItem.objects.select_related("change", "resolved_by").get(pk=item_id)
    if not work_item_in_scope(actor, item.ward):
        raise NotPermitted("他の区の要確認案件は表示できません。")
    record = change_record(item.change)
    person_id = item.person_id or (record.person_id if record is not None else None)
    stored = (Resident.objects.filter(pk=person_id).annotate(household_protected=_protected_subquery())
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


def person_header(actor, request, resident_id: int, function: str, channel: str = "screen") -> tuple[PersonHeader, str]:
    """The person's header for the tabs of other apps (premiums, benefits): see ``_person``."""
    return _person(actor, request, resident_id, function, channel)
