"""Qualification history: derive it from the registry facts, store it as bitemporal revisions,
issue insured numbers, and publish each change once (outbox).

One function does the work for every path (registry intake, a clerk's notification, the monthly
65th-birthday run, a correction, the consistency check): ``requalify`` loads the facts of a set of
persons, derives their periods with ``eligibility.rules.derive_periods``, compares them with the
current stored revision and, for each person whose history differs, closes the stored rows and
writes the new revision, all set-based (COPY and one UPDATE per call). Runs in the caller's
transaction (a batch chunk, a request's service call).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.db import connection
from django.utils import timezone

from eligibility.codes import GainReason
from eligibility.models import (
    InsuredNumber,
    QualificationPeriod,
    ResidenceSpell,
    Resident,
    StayKind,
)
from eligibility.numbers import insured_number_from_serial
from eligibility.rules import Period, PersonFacts, Stay, derive_periods, month_bounds
from eligibility.rules import ResidenceSpell as Spell
from eligibility.services import number_allocate
from kaigo.db import copy_rows
from kaigo.outbox.services import NewEvent, publish

TOPIC_CHANGED = "eligibility.qualification_changed"

PERIOD_COLUMNS = ["resident_id", "insured_class", "start", "end", "gain_reason", "loss_reason", "revision",
                  "recorded_from", "source", "recorded_by_id", "batch_run_id"]
PERIOD_TYPES = ["int8", "text", "date", "date", "text", "text", "int4", "timestamptz", "text", "int8", "int8"]


# --- facts ----------------------------------------------------------------------------------------


def facts_for(person_ids: Sequence[int]) -> dict[int, PersonFacts]:
    """The registry facts of these persons (three queries; no decryption)."""
    ids = list(person_ids)
    if not ids:
        return {}
    residents, died = {}, {}
    for pid, born, died_on in Resident.objects.filter(id__any=ids).values_list("id", "birth_date", "died_on"):
        residents[pid] = born
        if died_on is not None:
            died[pid] = died_on
    spells: dict[int, list[Spell]] = defaultdict(list)
    for pid, start, end, move_in in (
        ResidenceSpell.objects.filter(resident__id__any=ids)
        .order_by("resident_id", "start", "id").values_list("resident_id", "start", "end", "start_is_move_in")
    ):
        spells[pid].append(Spell(start=start, end=end, start_is_move_in=move_in))
    stays: dict[tuple[int, str], list[Stay]] = defaultdict(list)
    from eligibility.models import FacilityStay

    for pid, kind, start, end in (
        FacilityStay.objects.filter(resident__id__any=ids).order_by("resident_id", "start")
        .values_list("resident_id", "kind", "start", "end")
    ):
        stays[(pid, kind)].append(Stay(start=start, end=end))
    second = _second_class_from(ids)
    return {
        pid: PersonFacts(
            birth_date=born,
            residence=tuple(sorted(spells.get(pid, ()), key=lambda s: (s.start is not None, s.start or date.min))),
            died_on=died.get(pid),
            exemption_stays=tuple(stays.get((pid, StayKind.EXEMPTION), ())),
            self_special=tuple(stays.get((pid, StayKind.SELF_SPECIAL), ())),
            other_special=tuple(stays.get((pid, StayKind.OTHER_SPECIAL), ())),
            second_class_from=second.get(pid),
        )
        for pid, born in residents.items()
    }


def latest_fact(facts: PersonFacts) -> date:
    """The latest date among a person's registry facts. A fact notified ahead of its day (a
    move-out announced for next week) is known now and recorded now, so periods are derived at
    least up to it: otherwise nothing would record the loss when the day comes."""
    days = [facts.birth_date, facts.died_on, facts.second_class_from,
            *(d for s in facts.residence for d in (s.start, s.end)),
            *(d for s in (*facts.exemption_stays, *facts.self_special, *facts.other_special) for d in (s.start, s.end))]
    return max(d for d in days if d is not None)


def _second_class_from(ids: Sequence[int]) -> dict[int, date]:
    """A second-class record exists from the first second-class period's start (it is created by a
    notification: the application for certification); later derivations keep it."""
    rows = (QualificationPeriod.objects.filter(resident__id__any=list(ids), recorded_to__isnull=True,
                                               gain_reason=GainReason.SECOND_CLASS_APPLICATION)
            .values_list("resident_id", "start"))
    first: dict[int, date] = {}
    for pid, start in rows:
        if pid not in first or start < first[pid]:
            first[pid] = start
    return first


# --- stored periods ------------------------------------------------------------------------------


def stored_periods(person_ids: Sequence[int], *, known_at: datetime | None = None) -> dict[int, list[Period]]:
    """The periods the office held as true at ``known_at`` (now when None), per person, by start."""
    qs = QualificationPeriod.objects.filter(resident__id__any=list(person_ids))
    if known_at is None:
        qs = qs.filter(recorded_to__isnull=True)
    else:
        qs = qs.filter(recorded_from__lte=known_at).exclude(recorded_to__lte=known_at)
    result: dict[int, list[Period]] = defaultdict(list)
    for pid, cls, start, end, gain, loss in qs.order_by("resident_id", "start").values_list(
        "resident_id", "insured_class", "start", "end", "gain_reason", "loss_reason"
    ):
        result[pid].append(Period(insured_class=cls, start=start, end=end, gain_reason=gain,
                                  loss_reason=loss or None))
    return result


def period_on(periods: Iterable[Period], day: date) -> Period | None:
    """The period true on ``day``, if any."""
    for p in periods:
        if p.start <= day and (p.end is None or day < p.end):
            return p
    return None


def first_difference(old: Sequence[Period], new: Sequence[Period]) -> date | None:
    """The earliest date from which the two histories say different things (None: identical): the
    first day whose insured status (insured or not, and the class) differs; when only reasons
    differ, the start of the first period that differs."""
    if list(old) == list(new):
        return None
    days = sorted({d for p in [*old, *new] for d in (p.start, p.end) if d is not None})

    def status(periods, day):
        p = period_on(periods, day)
        return p.insured_class if p else None

    for day in days:
        if status(old, day) != status(new, day):
            return day
    changed = [p.start for p in {*old} ^ {*new}]
    return min(changed) if changed else None


# --- how far ahead history is recorded ------------------------------------------------------------


def qualification_horizon(today: date) -> date:
    """The last day up to which periods are recorded: today, or later when the monthly
    65th-birthday run has already recorded next month's gains. Every writer derives up to here, so
    that an unrelated change (an address) never undoes a gain recorded ahead of its day."""
    from kaigo.batches.models import BatchRun

    months = (BatchRun.objects.filter(kind="eligibility.age65", status=BatchRun.Status.SUCCEEDED)
              .values_list("params__month", flat=True))
    latest = max((m for m in months if isinstance(m, str)), default=None)
    if latest is None:
        return today
    return max(today, month_bounds(latest)[1])


# --- recording -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    source: str
    actor_id: int | None = None
    batch_run_id: int | None = None
    event_key: str = ""  # what caused the change (a registry serial, a notification id): dedupes events


@dataclass
class RequalifyResult:
    changed: list[int]
    numbers_issued: int = 0


def requalify(person_ids: Sequence[int], *, until: date, context: Context, now: datetime | None = None,
              dry_run: bool = False) -> RequalifyResult:
    """Derive and, where it differs from the stored revision, record each person's history."""
    facts = facts_for(person_ids)
    stored = stored_periods(list(facts))
    changes: dict[int, tuple[list[Period], list[Period]]] = {}
    for pid, f in facts.items():
        derived = derive_periods(f, until=max(until, latest_fact(f)))
        old = stored.get(pid, [])
        if derived != old:
            changes[pid] = (old, derived)
    if dry_run or not changes:
        return RequalifyResult(sorted(changes))
    now = now or timezone.now()
    return RequalifyResult(sorted(changes), record_revisions(changes, context=context, now=now))


def record_revisions(changes: dict[int, tuple[list[Period], list[Period]]], *, context: Context,
                     now: datetime) -> int:
    """Close the current rows of these persons, write their new revision, issue missing insured
    numbers, publish one event per person. Returns the number of insured numbers issued."""
    ids = sorted(changes)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE eligibility_qualificationperiod SET recorded_to = %s "
            "WHERE resident_id = ANY(%s) AND recorded_to IS NULL", [now, ids])
        cursor.execute(
            "SELECT resident_id, max(revision) FROM eligibility_qualificationperiod "
            "WHERE resident_id = ANY(%s) GROUP BY resident_id", [ids])
        revisions = dict(cursor.fetchall())
    rows = []
    for pid in ids:
        revision = revisions.get(pid, 0) + 1
        revisions[pid] = revision
        for p in changes[pid][1]:
            rows.append((pid, p.insured_class, p.start, p.end, p.gain_reason, p.loss_reason or "", revision, now,
                         context.source, context.actor_id, context.batch_run_id))
    copy_rows(QualificationPeriod, PERIOD_COLUMNS, rows, types=PERIOD_TYPES)
    issued = insured_numbers_issue([pid for pid in ids if changes[pid][1]], on=now.date())
    publish(
        NewEvent(
            topic=TOPIC_CHANGED,
            dedupe_key=f"qualification:{pid}:{revisions[pid]}",
            person_id=pid,
            effective_from=first_difference(*changes[pid]),
            payload={
                "revision": revisions[pid],
                "source": context.source,
                "cause": context.event_key,
                "periods": [_period_json(p) for p in changes[pid][1]],
                "previous": [_period_json(p) for p in changes[pid][0]],
            },
        )
        for pid in ids
    )
    return issued


def _period_json(p: Period) -> dict:
    return {"class": p.insured_class, "start": p.start.isoformat(), "end": p.end.isoformat() if p.end else None,
            "gain": p.gain_reason, "loss": p.loss_reason}


def insured_numbers_issue(person_ids: Sequence[int], *, on: date) -> int:
    """Issue an insured number to each person who has none (once per person, never reused)."""
    if not person_ids:
        return 0
    have = set(InsuredNumber.objects.filter(resident__id__any=list(person_ids)).values_list("resident_id", flat=True))
    need = [pid for pid in person_ids if pid not in have]
    if not need:
        return 0
    serials = number_allocate("eligibility_insured_number_seq", len(need))
    copy_rows(InsuredNumber, ["resident_id", "number", "issued_on"],
              [(pid, insured_number_from_serial(s), on) for pid, s in zip(need, serials, strict=True)],
              types=["int8", "text", "date"])
    return len(need)


# --- reading the history (the qualification tab) ---------------------------------------------------


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
