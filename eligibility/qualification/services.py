"""Writes of qualification: derive the history from the registry facts, store it as bitemporal
revisions, issue insured numbers, and publish each change once (outbox); record a clerk's
notification (届出); find the month's 65th birthdays.

One function does the work for every path (registry intake, a clerk's notification, the monthly
65th-birthday run, a correction, the consistency check): ``requalify`` loads the facts of a set of
persons, derives their periods with ``eligibility.qualification.rules.derive_periods``, compares
them with the current stored revision and, for each person whose history differs, closes the
stored rows and writes the new revision, all set-based (COPY and one UPDATE per call). Runs in the
caller's transaction (a batch chunk, a request's service call); ``notification_register`` is the
durable transaction of a clerk's notification. The facts and stored periods are read here, inside
the writes' transaction: nothing of them is shown, so they are not logged.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from eligibility.codes import ABROAD_CODE, GainReason, ResidenceStatus, StayKind
from eligibility.qualification.models import Facility, FacilityStay, QualificationPeriod, QualificationSource
from eligibility.qualification.rules import (
    STAY_RULES,
    FacilityFact,
    FacilityInput,
    Notification,
    NotificationKind,
    Period,
    PersonFacts,
    Stay,
    StayFact,
    derive_periods,
    facility_check,
    facility_close_check,
    facility_kind,
    first_class_gain_date,
    month_bounds,
    notification_check,
    years_before,
)
from eligibility.qualification.rules import ResidenceSpell as Spell
from eligibility.residents.models import InsuredNumber, ResidenceSpell, Resident, SpellEnd
from eligibility.residents.rules import insured_number_from_serial
from eligibility.residents.scope import ALL_WARDS, home_wards, require_person_update
from kaigo.db import copy_rows, number_allocate, update_rows
from kaigo.errors import ApplicationError, InvalidState, NotPermitted
from kaigo.outbox.services import NewEvent, publish
from kaigo.staff.roles import has_permission

TOPIC_CHANGED = "eligibility.qualification_changed"
INSURED_NUMBER_SEQUENCE = "eligibility_insured_number_seq"

PERIOD_COLUMNS = ["resident_id", "insured_class", "start", "end", "gain_reason", "loss_reason", "revision",
                  "recorded_from", "source", "recorded_by_id", "batch_run_id"]
PERIOD_TYPES = ["int8", "text", "date", "date", "text", "text", "int4", "timestamptz", "text", "int8", "int8"]


# --- facts ----------------------------------------------------------------------------------------


def facts_for(person_ids: Sequence[int], *, moved_to: Mapping[int, str] | None = None) -> dict[int, PersonFacts]:
    """The registry facts of these persons (three queries; no decryption). ``moved_to``: a
    destination (転出先市町村コード) per residence spell id, in place of the stored one (the dry
    run of the one-off correction, which decides destinations without writing them)."""
    ids = list(person_ids)
    if not ids:
        return {}
    residents, died = {}, {}
    for pid, born, died_on in Resident.objects.filter(id__any=ids).values_list("id", "birth_date", "died_on"):
        residents[pid] = born
        if died_on is not None:
            died[pid] = died_on
    spells: dict[int, list[Spell]] = defaultdict(list)
    overrides = moved_to or {}
    for spell_id, pid, start, end, move_in, end_kind, destination in (
        ResidenceSpell.objects.filter(resident__id__any=ids)
        .order_by("resident_id", "start", "id")
        .values_list("id", "resident_id", "start", "end", "start_is_move_in", "end_kind", "moved_to")
    ):
        destination = overrides.get(spell_id, destination)
        spells[pid].append(Spell(start=start, end=end, start_is_move_in=move_in,
                                 to_other_municipality=moved_to_other_municipality(end_kind, destination)))
    stays: dict[tuple[int, str], list[Stay]] = defaultdict(list)
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


def moved_to_other_municipality(end_kind: str, moved_to: str) -> bool:
    """Whether a stored spell ended by a 転出 to another municipality in Japan (法 §11 ただし書:
    lost on the 転出日). Abroad (ABROAD_CODE) and a destination not recorded are not: the main
    rule, the day after."""
    return end_kind == SpellEnd.MOVE_OUT and moved_to not in ("", ABROAD_CODE)


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
    # per changed person: (the stored periods, the derived ones)
    changes: dict[int, tuple[list[Period], list[Period]]] = field(default_factory=dict)


def requalify(person_ids: Sequence[int], *, until: date, context: Context, now: datetime | None = None,
              dry_run: bool = False, moved_to: Mapping[int, str] | None = None) -> RequalifyResult:
    """Derive and, where it differs from the stored revision, record each person's history.
    ``moved_to``: destinations of residence spells not stored yet (``facts_for``)."""
    facts = facts_for(person_ids, moved_to=moved_to)
    stored = stored_periods(list(facts))
    changes: dict[int, tuple[list[Period], list[Period]]] = {}
    for pid, f in facts.items():
        derived = derive_periods(f, until=max(until, latest_fact(f)))
        old = stored.get(pid, [])
        if derived != old:
            changes[pid] = (old, derived)
    if dry_run or not changes:
        return RequalifyResult(sorted(changes), changes=changes)
    now = now or timezone.now()
    return RequalifyResult(sorted(changes), record_revisions(changes, context=context, now=now), changes=changes)


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
    serials = number_allocate(INSURED_NUMBER_SEQUENCE, len(need))
    copy_rows(InsuredNumber, ["resident_id", "number", "issued_on"],
              [(pid, insured_number_from_serial(s), on) for pid, s in zip(need, serials, strict=True)],
              types=["int8", "text", "date"])
    return len(need)


# --- notifications by hand (届出) -----------------------------------------------------------------


class NotificationInvalid(ApplicationError):
    code = "notification_invalid"

    def __init__(self, problems: Sequence[str]):
        super().__init__(" ".join(problems))
        self.problems = list(problems)


def notification_register(*, actor, resident_id: int, notification: Notification,
                          today: date | None = None) -> RequalifyResult:
    """Record a notification and the qualification it implies (one transaction).

    Raises NotificationInvalid (Japanese messages), NotPermitted (without ``qualification.update``,
    or outside the clerk's update scope: both checked here) or Resident.DoesNotExist."""
    today = today or timezone.localdate()
    n = notification
    with transaction.atomic(durable=True):
        # The person's row lock orders concurrent notifications and queue decisions about them.
        resident = (Resident.objects.select_for_update()
                    .only("id", "ward", "status", "birth_date", "died_on", "sensitive", "household_id")
                    .get(pk=resident_id))
        require_person_update(actor, resident, permission="qualification.update")
        facility = Facility.objects.filter(code=n.facility_code).first() if n.facility_code else None
        stays = [StayFact(*row) for row in FacilityStay.objects.filter(resident_id=resident_id)
                 .order_by("start", "id").values_list("id", "kind", "start", "end")]
        second_from = (facts_for([resident_id])[resident_id].second_class_from
                       if n.kind == NotificationKind.SECOND_CLASS else None)
        problems = notification_check(
            n, today=today, birth_date=resident.birth_date, died_on=resident.died_on,
            facility=FacilityFact(facility.kind, facility.municipality, facility.opened_on, facility.closed_on)
            if facility else None,
            stays=stays, second_class_from=second_from)
        if problems:
            raise NotificationInvalid(problems)
        context = Context(source=QualificationSource.NOTIFICATION, actor_id=actor.pk,
                          event_key=f"notification:{n.kind}:{n.on.isoformat()}")
        until = max(qualification_horizon(today), n.on)
        if n.kind == NotificationKind.SECOND_CLASS:
            return second_class_application_record(resident_id=resident_id, applied_on=n.on, until=until,
                                                   context=context)
        rule = STAY_RULES[n.kind]
        if rule.starts:
            FacilityStay.objects.create(resident_id=resident_id, kind=rule.stay_kind, facility=facility,
                                        start=n.on, decided_by=actor)
        else:
            open_stay = next(s for s in reversed(stays) if s.kind == rule.stay_kind and s.end is None)
            FacilityStay.objects.filter(pk=open_stay.id).update(end=n.on)
        return requalify([resident_id], until=until, context=context)


def second_class_for_certification(*, actor, resident_id: int, applied_on: date,
                                   today: date | None = None) -> RequalifyResult:
    """The 第2号 qualification that an application for certification by a person aged 40-64 implies
    (法 §9 第2号: a 医療保険加入者 aged 40-64 is insured; the insurer learns of it from the application),
    recorded by the same check and record as the 第2号 notification (``notification_register``), in
    the caller's transaction: certification's ``case_open``. The actor needs ``certification.update``
    and the person in their ward (checked here too). Nothing is recorded when the person's 第2号
    qualification already runs from the application day or earlier. NotificationInvalid (Japanese
    messages) when the rule refuses."""
    today = today or timezone.localdate()
    resident = (Resident.objects.select_for_update().only("id", "ward", "birth_date", "died_on", "sensitive",
                                                          "household_id").get(pk=resident_id))
    require_person_update(actor, resident, permission="certification.update")
    second_from = facts_for([resident_id])[resident_id].second_class_from
    if second_from is not None and second_from <= applied_on:
        return RequalifyResult([])
    n = Notification(kind=NotificationKind.SECOND_CLASS, on=applied_on)
    problems = notification_check(n, today=today, birth_date=resident.birth_date, died_on=resident.died_on,
                                  facility=None, stays=[], second_class_from=second_from)
    if problems:
        raise NotificationInvalid(problems)
    context = Context(source=QualificationSource.NOTIFICATION, actor_id=actor.pk,
                      event_key=f"notification:{n.kind}:{n.on.isoformat()}")
    return second_class_application_record(resident_id=resident_id, applied_on=applied_on,
                                           until=max(qualification_horizon(today), applied_on), context=context)


def second_class_application_record(*, resident_id: int, applied_on: date, until: date, context: Context,
                                    now=None) -> RequalifyResult:
    """Record a 第2号 qualification on an application for certification (in the caller's
    transaction).

    The application is not yet a fact of its own: ``facts_for`` reads it back from
    the first stored period with gain reason 04. So this derives the person's periods with the
    application date added to the facts (the earlier of it and a stored one) and records that
    revision; the 04 period it writes keeps the fact for every later derivation. Once the
    application has a table that ``facts_for`` reads, this becomes "insert the row, requalify".
    """
    facts = facts_for([resident_id])[resident_id]
    earliest = applied_on if facts.second_class_from is None else min(facts.second_class_from, applied_on)
    derived = derive_periods(replace(facts, second_class_from=earliest), until=until)
    if not any(p.gain_reason == GainReason.SECOND_CLASS_APPLICATION for p in derived):
        raise NotificationInvalid([("申請日に市内に住所がない（または適用除外・住所地特例の期間中の）ため、"
                                    "第2号被保険者の資格を記録できません。")])
    old = stored_periods([resident_id]).get(resident_id, [])
    if derived == old:
        return RequalifyResult([])
    issued = record_revisions({resident_id: (old, derived)}, context=context, now=now or timezone.now())
    return RequalifyResult([resident_id], issued)


# --- the monthly 65th-birthday run (its batch kind: eligibility.qualification.batch_kinds) --------


def age65_candidates(first: date, last: date, *, lo: int | None = None, hi: int | None = None) -> list[int]:
    """Residents whose first-class gain date (the day before the 65th birthday) is in [first, last]."""
    qs = Resident.objects.filter(
        status=ResidenceStatus.RESIDENT,
        birth_date__gte=years_before(first, 65) - timedelta(days=2),
        birth_date__lte=years_before(last, 65) + timedelta(days=2),
    )
    if lo is not None:
        qs = qs.filter(pk__gte=lo, pk__lt=hi)
    return sorted(pid for pid, born in qs.values_list("id", "birth_date")
                  if first <= first_class_gain_date(born) <= last)


# --- the one-off correction of move-out loss dates (batch kind eligibility.move_out_loss_date) -----
#
# Until issue 16 every 転出 lost qualification on the day after the 転出日; 法 §11 ただし書 makes a
# 転出 to another municipality in Japan lose on the 転出日 itself. The residence spells recorded
# before then do not say where the person went (``moved_to`` empty). The correction takes the
# destination from the registry line the intake kept (eligibility.intake.selectors
# .move_out_destinations), stores it on the spell and re-derives the person's history through
# ``requalify``: a new revision and one eligibility.qualification_changed event each, on which the
# premiums queue the re-levy (更正). A spell whose line is not kept stays as it is (the main rule
# of §11, the day after) and is listed for a clerk.


@dataclass(frozen=True)
class MoveOut:
    """A stored 転出 without a recorded destination."""

    spell_id: int
    person_id: int
    moved_out_on: date


def move_outs_without_destination(*, lo: int | None = None, hi: int | None = None) -> list[MoveOut]:
    """The residence spells ended by a 転出 whose destination is not recorded, by person (persons
    [lo, hi) when given)."""
    qs = ResidenceSpell.objects.filter(end_kind=SpellEnd.MOVE_OUT, moved_to="", end__isnull=False)
    if lo is not None:
        qs = qs.filter(resident_id__gte=lo, resident_id__lt=hi)
    return [MoveOut(*row) for row in qs.order_by("resident_id", "end", "id").values_list("id", "resident_id", "end")]


@dataclass
class MoveOutCorrection:
    persons: list[int]  # every person with a move-out without destination (in the range)
    changes: dict[int, tuple[list[Period], list[Period]]]  # whose history changes: (stored, derived)
    undecided: dict[int, list[date]]  # person -> the 転出日s whose destination stays unknown
    decided: int = 0  # spells given their destination


def move_out_loss_correct(move_outs: Sequence[MoveOut], destinations: Mapping[tuple[int, date], str], *,
                          until: date, context: Context, dry_run: bool) -> MoveOutCorrection:
    """Give each move-out the destination found for (person, 転出日) in ``destinations`` and
    re-derive the persons' histories. Dry run: nothing is written, the changes are only computed
    (with the destinations in memory). In the caller's transaction (a batch chunk)."""
    decided: dict[int, str] = {}
    undecided: dict[int, list[date]] = defaultdict(list)
    for m in move_outs:
        code = destinations.get((m.person_id, m.moved_out_on))
        if code:
            decided[m.spell_id] = code
        else:
            undecided[m.person_id].append(m.moved_out_on)
    persons = sorted({m.person_id for m in move_outs})
    if decided and not dry_run:
        update_rows(ResidenceSpell, "id", ["moved_to"], decided.items(), types=["int8", "text"])
    result = requalify(persons, until=until, context=context, dry_run=dry_run, moved_to=decided)
    return MoveOutCorrection(persons=persons, changes=result.changes, undecided=dict(undecided),
                             decided=len(decided))


# --- the facility master (施設マスタ) -------------------------------------------------------------
#
# Not personal data; kept by the head office (permission facility.manage). Every write is in the
# change trail (eligibility.trail.FacilityEvent: who, when, the row before and after). A facility
# is never deleted: stays and registry lines name it. Its kind (適用除外・住所地特例・その他)
# follows from its category (rules.facility_kind) and, like its municipality, does not change once
# a stay names it: the stays were decided on them.


class FacilityInvalid(ApplicationError):
    code = "facility_invalid"

    def __init__(self, problems: Mapping[str, str] | Sequence[str]):
        self.fields = dict(problems) if isinstance(problems, Mapping) else {}
        self.problems = list(self.fields.values()) if self.fields else list(problems)
        super().__init__(" ".join(self.problems))


FACILITY_MANAGE_REFUSED = "施設マスタを更新する権限がありません。"
FACILITY_HEAD_OFFICE_ONLY = "施設マスタは本庁（介護保険課）のみが更新できます。"


def _require_facility_manage(actor) -> None:
    """The master serves every ward: only the head office (``facility.manage``, every ward) writes
    it, never a ward office, whatever roles its staff hold."""
    if not has_permission(actor, "facility.manage"):
        raise NotPermitted(FACILITY_MANAGE_REFUSED)
    if home_wards(actor) < ALL_WARDS:
        raise NotPermitted(FACILITY_HEAD_OFFICE_ONLY)


def facility_create(*, actor, facility: FacilityInput) -> Facility:
    """Add a facility to the master (one transaction). Raises NotPermitted, FacilityInvalid."""
    _require_facility_manage(actor)
    problems = facility_check(facility)
    if problems:
        raise FacilityInvalid(problems)
    with transaction.atomic(durable=True):
        if Facility.objects.filter(code=facility.code).exists():
            raise FacilityInvalid({"code": "この施設コードは既に登録されています。"})
        return Facility.objects.create(
            code=facility.code, name=facility.name.strip(), category=facility.category,
            kind=facility_kind(facility.category), municipality=facility.municipality,
            address=facility.address.strip(), office_number=facility.office_number, opened_on=facility.opened_on)


def facility_update(*, actor, facility: FacilityInput) -> Facility:
    """Change a facility of the master (its code stays). Refused when a stay names it and the
    change would alter its kind or municipality (the stays were decided on them), or when its
    opening moves after the start of a stay. Raises NotPermitted, FacilityInvalid,
    Facility.DoesNotExist."""
    _require_facility_manage(actor)
    problems = facility_check(facility)
    if problems:
        raise FacilityInvalid(problems)
    with transaction.atomic(durable=True):
        row = Facility.objects.select_for_update().get(code=facility.code)
        kind = facility_kind(facility.category)
        stays = FacilityStay.objects.filter(facility_id=row.code)
        if stays.exists():
            if kind != row.kind:
                problems["category"] = ("入所の記録がある施設の種別（適用除外施設・住所地特例対象施設・その他）は"
                                        "変更できません。")
            if facility.municipality != row.municipality:
                problems["municipality"] = "入所の記録がある施設の所在市町村は変更できません。"
            first = stays.order_by("start").values_list("start", flat=True).first()
            if facility.opened_on is not None and first is not None and facility.opened_on > first:
                problems["opened_on"] = "開設日より前に入所した記録があります。開設日を確認してください。"
        if row.closed_on is not None and facility.opened_on is not None and facility.opened_on >= row.closed_on:
            problems["opened_on"] = "開設日は廃止日より前の日付を入力してください。"
        if problems:
            raise FacilityInvalid(problems)
        row.name, row.category, row.kind = facility.name.strip(), facility.category, kind
        row.municipality, row.address = facility.municipality, facility.address.strip()
        row.office_number, row.opened_on = facility.office_number, facility.opened_on
        row.save()
        return row


def facility_close(*, actor, code: str, closed_on: date, reason: str, today: date | None = None) -> Facility:
    """Close a facility from ``closed_on`` (廃止日), with a reason; it stays in the master for the
    stays and lines that name it. Raises NotPermitted, FacilityInvalid, InvalidState (closed
    already), Facility.DoesNotExist."""
    _require_facility_manage(actor)
    today = today or timezone.localdate()
    reason = (reason or "").strip()
    with transaction.atomic(durable=True):
        row = Facility.objects.select_for_update().get(code=code)
        if row.closed_on is not None:
            raise InvalidState("この施設は既に廃止されています。")
        stays = FacilityStay.objects.filter(facility_id=row.code)
        problems = facility_close_check(
            closed_on=closed_on, opened_on=row.opened_on, today=today,
            last_stay_start=stays.order_by("-start").values_list("start", flat=True).first(),
            open_stays=stays.filter(end__isnull=True).count())
        if not reason:
            problems.append("廃止の理由を入力してください。")
        if problems:
            raise FacilityInvalid(problems)
        row.closed_on, row.closed_reason = closed_on, reason[:200]
        row.save(update_fields=["closed_on", "closed_reason"])
        return row
