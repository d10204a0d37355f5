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
from django.utils import timezone

from audit.services import access_log_write
from eligibility.codes import ChangeReason, GainReason, InsuredClass, LossReason, StayKind
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


def facilities() -> list[tuple[str, str]]:
    """Every facility of the master (施設マスタ) as (code, municipality code), by code."""
    return list(Facility.objects.order_by("code").values_list("code", "municipality"))


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
