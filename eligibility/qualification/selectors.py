"""Reads of the qualification screens (資格タブ, 届出): a person's periods, every revision, the
office's knowledge "as of" a date, the facility stays.

Every function that returns a person's data writes exactly one access-log row for the request,
naming every person it shows (audit.services.access_log_write): call it once per request.
Public: ``facilities()`` (the facility master, no personal data) for the registry simulator.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone

from audit.services import access_log_write
from eligibility.codes import OWN_MUNICIPALITY_CODES, ChangeReason, FacilityCategory, GainReason, InsuredClass, LossReason, StayKind
from eligibility.qualification.models import Facility, FacilityStay, QualificationPeriod, QualificationSource
from eligibility.residents.selectors import PersonHeader, person_header

CLASS_LABELS = dict(InsuredClass.choices)
GAIN_LABELS = {**dict(GainReason.choices), **dict(ChangeReason.choices)}
LOSS_LABELS = {**dict(LossReason.choices), **dict(ChangeReason.choices)}
SOURCE_LABELS = dict(QualificationSource.choices)
STAY_LABELS = dict(StayKind.choices)


def reason_label(code: str, labels: dict[str, str]) -> str:
    """"02 年齢到達": the code with its Japanese label ("—" when empty)."""
    if not code:
        return "—"
    label = labels.get(code)
    return f"{code} {label}" if label else code


# --- the history ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryRow:
    revision: int
    insured_class: str
    start: date
    end: date | None
    gain_reason: str
    loss_reason: str
    recorded_from: datetime
    recorded_to: datetime | None
    source: str


def history_rows(person_id: int) -> list[HistoryRow]:
    """Every revision of a person's periods, newest revision first (one query)."""
    return [
        HistoryRow(*r)
        for r in QualificationPeriod.objects.filter(resident_id=person_id)
        .order_by("-revision", "start")
        .values_list("revision", "insured_class", "start", "end", "gain_reason", "loss_reason", "recorded_from",
                     "recorded_to", "source")
    ]


def as_of(rows: Sequence[HistoryRow], *, known_at: datetime, true_on: date | None = None) -> list[HistoryRow]:
    """What the office knew at ``known_at`` (and, with ``true_on``, only the period true that day)."""
    known = [r for r in rows if r.recorded_from <= known_at and (r.recorded_to is None or r.recorded_to > known_at)]
    if true_on is not None:
        known = [r for r in known if r.start <= true_on and (r.end is None or true_on < r.end)]
    return sorted(known, key=lambda r: r.start)


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
class QualificationTab(PersonHeader):
    current: list[PeriodRow] = field(default_factory=list)
    revisions: list[Revision] = field(default_factory=list)
    known_at: datetime | None = None
    true_on: date | None = None
    as_of: list[PeriodRow] | None = None


def _period_row(r: HistoryRow) -> PeriodRow:
    return PeriodRow(CLASS_LABELS.get(r.insured_class, r.insured_class), r.start,
                     reason_label(r.gain_reason, GAIN_LABELS), r.end, reason_label(r.loss_reason, LOSS_LABELS))


def end_of_day(day: date) -> datetime:
    """The last moment of a day in the office's time zone: "known on day X" includes all of X."""
    return timezone.make_aware(datetime.combine(day, time.max))


def qualification_tab(*, actor, request, resident_id: int, known_on: date | None = None,
                      true_on: date | None = None) -> QualificationTab:
    """The qualification tab: insured number, current periods, every revision and, when asked,
    what the office knew at the end of ``known_on`` (default: now) about ``true_on``."""
    person, function = person_header(actor, request, resident_id, "qualification.view")
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


def current_period_rows(resident_id: int) -> list[PeriodRow]:
    """A person's current periods as the screens show them (the caller logs the read)."""
    return [_period_row(r) for r in sorted((r for r in history_rows(resident_id) if r.recorded_to is None),
                                           key=lambda r: r.start)]


def period_rows(periods) -> list[PeriodRow]:
    """Periods of the rules (eligibility.qualification.rules.Period) as the screens show them."""
    return [PeriodRow(CLASS_LABELS.get(p.insured_class, p.insured_class), p.start,
                      reason_label(p.gain_reason, GAIN_LABELS), p.end, reason_label(p.loss_reason or "", LOSS_LABELS))
            for p in periods]


def notify_page(*, actor, request, resident_id: int) -> NotifyPage:
    """The notification form's context: who, their current periods and facility stays."""
    person, function = person_header(actor, request, resident_id, "qualification.notify")
    current = [_period_row(r) for r in sorted((r for r in history_rows(resident_id) if r.recorded_to is None),
                                              key=lambda r: r.start)]
    stays = [StayRow(STAY_LABELS.get(kind, kind), name or "—", start, end) for kind, name, start, end in
             FacilityStay.objects.filter(resident_id=resident_id).order_by("start", "id")
             .values_list("kind", "facility__name", "start", "end")]
    access_log_write(actor=actor, request=request, function=function, channel="screen", person_ids=[resident_id])
    return NotifyPage(**vars(person), current=current, stays=stays)


# --- the facility master (no personal data) ---------------------------------------------------


def facilities(*, open_on: date | None = None) -> list[tuple[str, str]]:
    """Every facility of the master (施設マスタ) as (code, municipality code), by code; with
    ``open_on``, only those open that day (the registry simulator moves no one into a closed one)."""
    qs = Facility.objects.order_by("code")
    if open_on is not None:
        qs = qs.filter(Q(opened_on__isnull=True) | Q(opened_on__lte=open_on)).filter(
            Q(closed_on__isnull=True) | Q(closed_on__gt=open_on))
    return list(qs.values_list("code", "municipality"))


FACILITY_LIST_LIMIT = 200


@dataclass(frozen=True)
class FacilityRow:
    """A facility as the master's screens show it (labels ready; no personal data)."""

    code: str
    name: str
    kind: str
    category: str
    municipality: str
    in_city: bool
    address: str
    office_number: str
    opened_on: date | None
    closed_on: date | None
    closed_reason: str
    staying: int  # persons staying now (stays without an end)

    @property
    def closed(self) -> bool:
        return self.closed_on is not None and self.closed_on <= timezone.localdate()


@dataclass
class FacilitySearch:
    rows: list[FacilityRow]
    total: int  # how many matched (rows holds at most FACILITY_LIST_LIMIT)


def _facility_row(f: Facility, staying: int) -> FacilityRow:
    return FacilityRow(f.code, f.name, f.get_kind_display(), f.get_category_display() if f.category else "—",
                       f.municipality, f.municipality in OWN_MUNICIPALITY_CODES, f.address, f.office_number,
                       f.opened_on, f.closed_on, f.closed_reason, staying)


def facility_search(*, text: str = "", kind: str = "", where: str = "", include_closed: bool = False,
                    today: date | None = None) -> FacilitySearch:
    """The master's list: by name or code (part of either), kind, in the city or elsewhere
    (``where``: "city" / "outside"), without closed facilities unless asked; by kind and name."""
    today = today or timezone.localdate()
    qs = Facility.objects.all()
    if text:
        qs = qs.filter(Q(name__icontains=text) | Q(code__icontains=text.upper()) | Q(address__icontains=text))
    if kind:
        qs = qs.filter(kind=kind)
    if where == "city":
        qs = qs.filter(municipality__in=OWN_MUNICIPALITY_CODES)
    elif where == "outside":
        qs = qs.exclude(municipality__in=OWN_MUNICIPALITY_CODES)
    if not include_closed:
        qs = qs.filter(Q(closed_on__isnull=True) | Q(closed_on__gt=today))
    qs = qs.annotate(staying=Count("facilitystay", filter=Q(facilitystay__end__isnull=True)))
    total = qs.count()
    rows = [_facility_row(f, f.staying) for f in qs.order_by("kind", "category", "name", "code")[:FACILITY_LIST_LIMIT]]
    return FacilitySearch(rows, total)


@dataclass(frozen=True)
class FacilityChange:
    """One change of a facility as its change trail recorded it (eligibility.trail.FacilityEvent)."""

    at: datetime
    action: str  # 登録 / 変更
    by: str  # the staff member's user name (職員番号), or 「システム」 (the synthetic city, a data load)
    name: str
    category: str
    closed_on: date | None


def facility_history(code: str) -> list[FacilityChange]:
    """Every recorded change of a facility, newest first (the trigger's rows: who, when, the row
    after the change). No personal data."""
    categories = dict(FacilityCategory.choices)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pgh_created_at, pgh_label, pgh_context->>'username', name, category, closed_on "
            "FROM eligibility_facilityevent WHERE pgh_obj_id = %s ORDER BY pgh_id DESC", [code])
        return [FacilityChange(at, {"insert": "登録", "update": "変更"}.get(label, label), by or "システム", name,
                               categories.get(category, "—"), closed_on)
                for at, label, by, name, category, closed_on in cursor.fetchall()]


def facility_values(code: str) -> dict:
    """A facility's stored values, as the edit form starts from them (Facility.DoesNotExist)."""
    return Facility.objects.filter(code=code).values(
        "code", "name", "category", "municipality", "address", "office_number", "opened_on").get()


def facility_get(code: str) -> FacilityRow:
    """One facility of the master (Facility.DoesNotExist when there is none)."""
    f = Facility.objects.get(code=code)
    return _facility_row(f, FacilityStay.objects.filter(facility_id=code, end__isnull=True).count())


# --- for the levy: first-class periods of a range of persons (set-based, no personal data) ----------


def first_class_persons(first_day: date, last_day: date, *, lo: int | None = None, hi: int | None = None) -> list[int]:
    """The persons with a current first-class (第1号) period overlapping ``first_day`` to
    ``last_day`` (a fiscal year), by number; optionally only ``lo <= id < hi``. For the levy's
    planning: numbers only, nothing logged."""
    sql = ("SELECT DISTINCT resident_id FROM eligibility_qualificationperiod WHERE recorded_to IS NULL "
           "AND insured_class = '1' AND start <= %s AND (\"end\" IS NULL OR \"end\" > %s)")
    params: list = [last_day, first_day]
    if lo is not None:
        sql += " AND resident_id >= %s AND resident_id < %s"
        params += [lo, hi]
    with connection.cursor() as cursor:
        cursor.execute(sql + " ORDER BY resident_id", params)
        return [r[0] for r in cursor.fetchall()]


def first_class_periods(first_day: date, last_day: date, *, lo: int, hi: int) -> list[tuple[int, date, date | None]]:
    """(person, start, end) of every current first-class period overlapping ``first_day`` to
    ``last_day`` of persons ``lo <= id < hi``: one range query, the range on the table's own
    column (the levy's chunks). Dates only, nothing logged."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT resident_id, start, \"end\" FROM eligibility_qualificationperiod WHERE resident_id >= %s "
            "AND resident_id < %s AND recorded_to IS NULL AND insured_class = '1' AND start <= %s "
            "AND (\"end\" IS NULL OR \"end\" > %s)", [lo, hi, last_day, first_day])
        return cursor.fetchall()
