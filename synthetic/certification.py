"""The synthetic city's certifications (certification's part): care-need certification histories
with a realistic spread, validities running out in the next 60 days, and open cases at every
stage of the process.

- About one in five residents aged 65 or over is certified (by age: 2 % at 65-69 up to 58 %
  past 90, in the shape of the national 介護保険事業状況報告), and a few aged 40-64 as 第2号
  被保険者 with a specified disease (施行令 第2条), whose 第2号 qualification eligibility records
  as for a real application (``second_class_application_record``).
- The level of the certification in force is drawn from the national shares (``LEVEL_SHARES``);
  earlier certifications of the person lie one level below or at the same level.
- A history is a chain: the first certification from a new application (法 §27: effect from the
  application, to the end of the month 6 or 12 months on, 施行規則 第38条), then renewals (法 §28:
  from the day after the last validity, 12 to 48 months, 施行規則 第41条), now and then a 区分変更
  (法 §29: effect from its application, the earlier certification ended as superseded). Each
  Certification row has its decided Case with its key dates (survey, opinion, primary assessment,
  board, decision, notice); decisions that took over 30 days have their postponement notice
  (延期通知, 法 §27 第11項), a few of them sent late.
- The validity in force ends anywhere in its period, so about a tenth end in the next 60 days
  (the renewal due list).
- Open cases, about 7 % of the certified: renewals applied in their window (施行規則 第39条), new
  applications, 区分変更; at every stage (received, in_progress, assessed, scheduled, reviewed)
  dealt from a deck per chunk so that every chunk with ten open cases has each stage; their key
  dates consistent with the stage (a survey done only after its request, the board after the
  primary assessment, ...); some past the 30 days, most of those with a postponement notice.

The stage-specific records of the other certification packages (survey sheets, opinion requests
and fees, primary results, board sessions) are NOT generated: an open case has its key dates on
the case row only (docs/subsystems/synthetic.md).

The reference day is ``run.business_to`` when given (``make run`` asks for today), else
``run.as_of``. Deterministic: each person's history is drawn from ``Random(f"cert:{seed}:{id}")``
and the stage deck from the seed and the chunk; case numbers come from their sequence in chunk
order. Written by COPY, one transaction per chunk of resident ids. A resident who has a case
already is left alone, so the step adds only what a city lacks.
"""

from __future__ import annotations

import calendar
import random
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime
from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.utils import timezone

from certification.cases.models import CASE_NUMBER_SEQUENCE, Case, CaseEvent, ReceivedPaper
from certification.decisions.models import Certification
from certification.rules.cases import CaseKind, CaseState, Move, PaperKind
from certification.rules.levels import Level
from eligibility.qualification.rules import age_reached_on
from eligibility.qualification.services import (
    Context,
    NotificationInvalid,
    qualification_horizon,
    second_class_application_record,
)
from kaigo.db import constraints_immediate, copy_rows, number_allocate
from kaigo.staff.models import Staff
from kaigo.staff.roles import Organisation

if TYPE_CHECKING:
    from synthetic.steps import CityRun

# share of the certified by level (介護保険事業状況報告, rounded): 要支援1 14 %, 要支援2 14 %, 要介護1 21 %, ...
LEVEL_SHARES: tuple[tuple[str, float], ...] = (
    (Level.SUPPORT_1, 0.14), (Level.SUPPORT_2, 0.14), (Level.CARE_1, 0.21), (Level.CARE_2, 0.17),
    (Level.CARE_3, 0.13), (Level.CARE_4, 0.13), (Level.CARE_5, 0.08),
)
LEVEL_ORDER = [lv for lv, _ in LEVEL_SHARES]
# share certified by age (65-69, 70-74, ..., 90+): the shape of the national rates, scaled so that
# about one in five of the city's 65+ is certified (the synthetic city is older than the country)
CERTIFIED_BY_AGE = ((70, 0.024), (75, 0.047), (80, 0.10), (85, 0.21), (90, 0.385), (200, 0.58))
SECOND_CLASS_SHARE = 0.003  # of residents aged 40-64: certified as 第2号 (a specified disease)
OPEN_RENEWAL_SHARE = 0.045  # of the certified: a renewal in progress
OPEN_CHANGE_SHARE = 0.007  # of the certified: a 区分変更 in progress
OPEN_NEW_SHARE = 0.006  # of those aged 65+ not certified: a first application in progress
# the stages of open cases, dealt from a deck of ten per chunk (each stage at least once)
STAGE_DECK = ([CaseState.RECEIVED] * 1 + [CaseState.IN_PROGRESS] * 4 + [CaseState.ASSESSED] * 2
              + [CaseState.SCHEDULED] * 2 + [CaseState.REVIEWED] * 1)
CHUNK_IDS = 20_000
POSTPONEMENT_REASONS = ("主治医意見書の提出が遅れているため", "認定調査の日程調整に時間を要しているため",
                        "入院中のため認定調査ができないため", "審査会の日程のため")
PROXIES = (("self", "", 0.35), ("family", "", 0.25), ("care_manager", "みどり居宅介護支援センター", 0.25),
           ("support_centre", "中央地域包括支援センター", 0.1), ("facility", "さくら苑", 0.05))


def _pick(rng: random.Random, table) -> str:
    x, acc = rng.random(), 0.0
    for value, share in table:
        acc += share
        if x < acc:
            return value
    return table[-1][0]


def _month_end(year: int, month: int) -> date:
    while month > 12:
        year, month = year + 1, month - 12
    while month < 1:
        year, month = year - 1, month + 12
    return date(year, month, calendar.monthrange(year, month)[1])


def validity_end(valid_from: date, months: int) -> date:
    """The last day of a validity of ``months`` months from ``valid_from``: 施行規則 第38条 (新規) and
    第41条 (更新): a period starting on the first of a month ends at the end of the month ``months``
    - 1 later; one starting later in a month runs to that month's end plus ``months`` months."""
    extra = 0 if valid_from.day == 1 else 1
    return _month_end(valid_from.year, valid_from.month + months - 1 + extra)


@dataclass
class Step:
    """One decided certification of a history, or the open case at its end (``level`` None)."""

    kind: str
    applied_on: date
    level: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    ended_on: date | None = None  # superseded by a 区分変更
    dates: dict = field(default_factory=dict)  # the case's key dates
    state: str = CaseState.DECIDED
    second_class: bool = False


_REQUESTS = ("survey_requested_on", "surveyed_on", "opinion_requested_on", "opinion_received_on")
# the key dates a case has at each open stage (the rest come later)
STAGE_FIELDS: dict[str, tuple[str, ...]] = {
    CaseState.RECEIVED: (),
    CaseState.IN_PROGRESS: _REQUESTS,
    CaseState.ASSESSED: (*_REQUESTS, "assessed_on", "primary_level"),
    CaseState.SCHEDULED: (*_REQUESTS, "assessed_on", "primary_level", "board_on"),
    CaseState.REVIEWED: (*_REQUESTS, "assessed_on", "primary_level", "board_on"),
}


def _process(rng: random.Random, applied_on: date, level: str) -> dict:
    """The key dates of a case applied on ``applied_on`` and carried to its decision, each after the
    one before: request 1-4 days after the application, survey 4-20 days and opinion 5-28 days
    after the request, primary assessment 1-4 days after both, the board 4-12 days later, the
    decision 1-3 days after the board, the notice 1-3 days after that. The primary result differs
    from the board's level in about one case in eight."""
    requested = applied_on + timedelta(days=rng.randint(1, 4))
    surveyed = requested + timedelta(days=rng.randint(4, 20))
    opinion_requested = requested + timedelta(days=rng.choice((0, 0, 1)))
    opinion = opinion_requested + timedelta(days=rng.randint(5, 28))
    assessed = max(surveyed, opinion) + timedelta(days=rng.randint(1, 4))
    board = assessed + timedelta(days=rng.randint(4, 12))
    decided = board + timedelta(days=rng.randint(1, 3))
    primary = level
    if rng.random() < 0.12:  # the board changed the primary result
        i = LEVEL_ORDER.index(level)
        primary = LEVEL_ORDER[max(0, min(len(LEVEL_ORDER) - 1, i + rng.choice((-1, 1))))]
    return {"survey_requested_on": requested, "surveyed_on": surveyed, "opinion_requested_on": opinion_requested,
            "opinion_received_on": opinion, "assessed_on": assessed, "primary_level": primary, "board_on": board,
            "decided_on": decided, "notified_on": decided + timedelta(days=rng.randint(1, 3))}


def _decided_by(dates: dict, applied_on: date, last: date) -> dict | None:
    """The process squeezed so that the decision falls on ``last`` at the latest (each date's
    distance from the application shortened in proportion, their order kept); None when fewer
    than 10 days remain."""
    if dates["decided_on"] <= last:
        return dates
    span, room = (dates["decided_on"] - applied_on).days, (last - applied_on).days
    if room < 10:
        return None
    return {k: applied_on + timedelta(days=max(1, (v - applied_on).days * room // span)) if isinstance(v, date)
            else v for k, v in dates.items()}


def _stage_start(rng: random.Random, stage: str, today: date, level: str) -> tuple[date, dict]:
    """An application date and the key dates that put an open case at ``stage`` on ``today``: the
    process of ``_process`` laid out, then placed so that today falls in the stage's window
    (received: before the first request; in progress: until the primary assessment; assessed: a
    few days after it; scheduled: until the board's day; reviewed: from the board until some days
    after the expected decision). About one in seven cases in progress waits 10-25 days longer."""
    probe = date(2000, 1, 1)
    d = _process(rng, probe, level)
    day = {k: (v - probe).days for k, v in d.items() if isinstance(v, date)}
    first, last = {
        CaseState.RECEIVED: (0, day["survey_requested_on"] - 1),
        CaseState.IN_PROGRESS: (day["survey_requested_on"], day["assessed_on"] - 1),
        CaseState.ASSESSED: (day["assessed_on"], day["assessed_on"] + 2),
        CaseState.SCHEDULED: (day["assessed_on"] + 3, day["board_on"]),
        CaseState.REVIEWED: (day["board_on"], day["decided_on"] + 6),
    }[stage]
    elapsed = rng.randint(first, max(first, last))
    late = 0
    if stage == CaseState.IN_PROGRESS and rng.random() < 0.15:  # a survey or an opinion long awaited
        late = rng.randint(10, 25)
    applied_on = today - timedelta(days=elapsed + late)
    out = {k: (applied_on + timedelta(days=day[k]) if k in day else d[k]) for k in STAGE_FIELDS[stage]}
    if stage == CaseState.IN_PROGRESS:  # waiting for one of them at least
        for done in ("surveyed_on", "opinion_received_on"):
            if out[done] > today - timedelta(days=late):
                out[done] = None
        if out["surveyed_on"] and out["opinion_received_on"]:
            out["opinion_received_on"] = None
    if stage == CaseState.SCHEDULED and out["board_on"] < today:
        out["board_on"] = today
    return applied_on, out


def _postpone(rng: random.Random, applied_on: date, dates: dict, today: date, *, decided_on: date | None) -> dict:
    """The postponement notice of a case running past its 30 days (法 §27 第11項 ただし書): sent on
    day 25-30 for most, late (day 31-40) for about one in ten, none for three in ten; only if sent by
    ``today`` and before the decision."""
    due = applied_on + timedelta(days=30)
    running = (decided_on or today) > due
    if not running or rng.random() < 0.3:
        return dates
    sent = applied_on + timedelta(days=rng.randint(31, 40) if rng.random() < 0.1 else rng.randint(25, 30))
    if sent > today or (decided_on and sent >= decided_on):
        return dates
    expected = max(decided_on or today + timedelta(days=rng.randint(3, 20)), sent + timedelta(days=1))
    return {**dates, "postponed_on": sent, "postponement_reason": rng.choice(POSTPONEMENT_REASONS),
            "expected_by": expected}


def _certified_share(age: int) -> float:
    return next(share for upto, share in CERTIFIED_BY_AGE if age < upto)


def _prior_level(rng: random.Random, level: str) -> str:
    i = LEVEL_ORDER.index(level)
    x = rng.random()
    return LEVEL_ORDER[max(0, i - 1)] if x < 0.3 else LEVEL_ORDER[min(6, i + 1)] if x < 0.4 else level


def person_plan(rng: random.Random, *, born: date, qualified_from: date, today: date, second_class: bool = False,
                open_new: bool = False, stage: str | None = None) -> list[Step]:
    """The certification history of one person as of ``today`` (oldest first), ending with an open
    case when ``stage`` is given: a new application when ``open_new`` (the person is not
    certified), else a renewal in its window or a 区分変更. Empty when no history fits between
    ``qualified_from`` and ``today``."""
    level = _pick(rng, LEVEL_SHARES)
    if open_new:
        applied_on, dates = _stage_start(rng, stage, today, level)
        if applied_on < qualified_from:
            return []
        return [Step(CaseKind.NEW, applied_on, dates=_postpone(rng, applied_on, dates, today, decided_on=None),
                     state=stage, second_class=second_class)]
    steps: list[Step] = []
    open_step = None
    if stage is not None:
        kind = CaseKind.RENEWAL if rng.random() < 0.87 else CaseKind.CHANGE
        applied_on, dates = _stage_start(rng, stage, today, level)
        open_step = Step(kind, applied_on, dates=_postpone(rng, applied_on, dates, today, decided_on=None),
                         state=stage)
        # the validity in force: a renewal is applied from 60 days before its end (施行規則 第39条)
        months = rng.choice((12, 12, 24, 36))
        if kind == CaseKind.RENEWAL:
            valid_to = applied_on + timedelta(days=rng.randint(5, 60))
            valid_to = _month_end(valid_to.year, valid_to.month)
            if valid_to - timedelta(days=60) > applied_on:
                valid_to = _month_end(valid_to.year, valid_to.month - 1)
            if valid_to < applied_on:
                valid_to = _month_end(applied_on.year, applied_on.month)
            valid_from = (valid_to - timedelta(days=31 * months - 15)).replace(day=1)
        else:
            valid_from = (applied_on - timedelta(days=rng.randint(60, 300))).replace(day=1)
            valid_to = validity_end(valid_from, months)
            if valid_to <= applied_on:
                valid_to = validity_end(valid_from, months + 12)
    else:
        months = rng.choice((6, 12, 12, 12, 24, 24, 36, 36, 48))
        back = rng.randrange(months)
        first = date(today.year, today.month, 1)
        valid_from = _month_end(first.year, first.month - back).replace(day=1)
        valid_to = validity_end(valid_from, months)
    current = Step(CaseKind.RENEWAL, valid_from, level=level, valid_from=valid_from, valid_to=valid_to)
    steps.append(current)
    age_years = (today - born).days // 365
    priors = rng.randint(0, min(4, max(0, (age_years - (40 if second_class else 65)) // 2)))
    for _ in range(priors):
        nxt = steps[0]
        months = rng.choice((6, 12, 12, 24, 36))
        if rng.random() < 0.08:  # the next one came from a 区分変更 during this validity
            end = nxt.valid_from - timedelta(days=1)
            valid_from = (end - timedelta(days=rng.randint(60, 300))).replace(day=1)
            prior = Step(CaseKind.RENEWAL, valid_from, level=_prior_level(rng, nxt.level), valid_from=valid_from,
                         valid_to=validity_end(valid_from, months + 12), ended_on=end)
            nxt.kind = CaseKind.CHANGE  # effect from its application (the first of a month here)
        else:
            end = nxt.valid_from - timedelta(days=1)
            valid_from = _month_end(end.year, end.month - months + 1).replace(day=1)
            prior = Step(CaseKind.RENEWAL, valid_from, level=_prior_level(rng, nxt.level), valid_from=valid_from,
                         valid_to=end)
        if prior.valid_from < qualified_from:
            break
        steps.insert(0, prior)
    # the oldest is a new application (法 §27): effect from the application day, any day of the month
    oldest = steps[0]
    start = oldest.valid_from + timedelta(days=rng.randint(0, 20))
    if start < qualified_from:
        start = qualified_from + timedelta(days=rng.randint(0, 40))
    if start + timedelta(days=45) > today or (oldest.ended_on and start >= oldest.ended_on) \
            or start >= oldest.valid_to:
        if len(steps) == 1:
            return []
        steps.pop(0)
        oldest = steps[0]
        start = oldest.valid_from
    oldest.kind, oldest.applied_on, oldest.valid_from = CaseKind.NEW, start, start
    for s in steps:
        s.second_class = second_class
        if s.kind == CaseKind.RENEWAL:
            s.applied_on = s.valid_from - timedelta(days=rng.randint(25, 60))
        elif s.kind == CaseKind.CHANGE:
            s.applied_on = s.valid_from
        dates = _decided_by(_process(rng, s.applied_on, s.level), s.applied_on, today - timedelta(days=1))
        if dates is None:  # applied too recently to be decided by the reference day
            return []
        s.dates = dates
        s.dates = _postpone(rng, s.applied_on, s.dates, today, decided_on=s.dates["decided_on"])
    if open_step is not None:
        open_step.second_class = second_class
        if open_step.applied_on <= steps[-1].dates["decided_on"]:
            return []
        steps.append(open_step)
    return steps


# --- writing --------------------------------------------------------------------------------------

CASE_COLUMNS = ("id", "number", "resident_id", "ward", "kind", "state", "second_class", "specified_disease",
                "applicant_kind", "proxy_office", "previous_id", "applied_on", "survey_requested_on", "surveyed_on",
                "opinion_requested_on", "opinion_received_on", "assessed_on", "primary_level", "board_on",
                "decided_on", "notified_on", "postponed_on", "postponement_reason", "expected_by", "closed_on",
                "close_reason", "received_by_id", "received_at", "updated_at")
CASE_TYPES = ("int8", "text", "int8", "text", "text", "text", "bool", "text", "text", "text", "int8", "date",
              "date", "date", "date", "date", "date", "text", "date", "date", "date", "date", "text", "date", "date",
              "text", "int8", "timestamptz", "timestamptz")
CERT_COLUMNS = ("id", "resident_id", "case_id", "level", "valid_from", "valid_to", "decided_on", "board_opinion",
                "designated_services", "ended_on", "end_reason", "end_note", "decided_by_id", "created_at")
CERT_TYPES = ("int8", "int8", "int8", "text", "date", "date", "date", "text", "varchar[]", "date", "text", "text", "int8",
              "timestamptz")
EVENT_COLUMNS = ("case_id", "move", "from_state", "to_state", "actor_id", "at", "note")
EVENT_TYPES = ("int8", "text", "text", "text", "int8", "timestamptz", "text")
PAPER_COLUMNS = ("case_id", "kind", "received_on", "received_by_id", "received_at", "note", "cancelled_at",
                 "cancel_reason")
PAPER_TYPES = ("int8", "text", "date", "int8", "timestamptz", "text", "timestamptz", "text")
# the moves that took an open case to its stage (CaseEvent rows; the decided history has none)
MOVES_TO = {CaseState.RECEIVED: [], CaseState.IN_PROGRESS: [(Move.REQUEST, "received", "in_progress")],
            CaseState.ASSESSED: [(Move.REQUEST, "received", "in_progress"), (Move.ASSESS, "in_progress", "assessed")]}
MOVES_TO[CaseState.SCHEDULED] = [*MOVES_TO[CaseState.ASSESSED], (Move.SCHEDULE, "assessed", "scheduled")]
MOVES_TO[CaseState.REVIEWED] = [*MOVES_TO[CaseState.SCHEDULED], (Move.REVIEW, "scheduled", "reviewed")]
MOVE_DAY = {Move.REQUEST: "survey_requested_on", Move.ASSESS: "assessed_on", Move.SCHEDULE: "assessed_on",
            Move.REVIEW: "board_on"}


def generator_staff() -> Staff:
    """The account the generated cases name as receiver and decider: a disabled one of its own
    (it cannot sign in), so that no real member's name is on made-up decisions."""
    staff = Staff.objects.filter(username="synthetic-certification").first()
    if staff is None:
        staff = Staff(username="synthetic-certification", display_name="合成データ（認定）",
                      organisation=Organisation.HEAD_OFFICE, is_active=False, must_change_password=False)
        staff.set_unusable_password()
        staff.save()
    return staff


def _sequence_of(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        return cursor.fetchone()[0]


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, dtime(9, 30)))


@dataclass
class Written:
    certifications: int = 0
    cases: int = 0
    open_cases: int = 0
    second_class: int = 0


def candidates(lo: int, hi: int, today: date, *, without_cases: bool = True) -> list[tuple]:
    """Residents with ids in [lo, hi) aged 40+ and living here, with the start of their
    first-class qualification in force (None: none), in id order; ``without_cases``: only those
    who have no case yet."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT r.id, r.birth_date, r.ward, p.start FROM eligibility_resident r "
            "LEFT JOIN eligibility_qualificationperiod p ON p.resident_id = r.id AND p.recorded_to IS NULL "
            " AND p.insured_class = '1' AND p.start <= %s AND (p.end IS NULL OR p.end > %s) "
            "WHERE r.status = 'resident' AND r.died_on IS NULL AND r.birth_date <= %s AND r.id >= %s AND r.id < %s"
            + (" AND NOT EXISTS (SELECT 1 FROM certification_case c WHERE c.resident_id = r.id)" if without_cases
               else "") + " ORDER BY r.id",
            [today, today, date(today.year - 40, 1, 1), lo, hi])
        return cursor.fetchall()


def chunk_plans(rows, *, seed: int, today: date, chunk: int, certified_share: float | None = None,
                open_share: float | None = None) -> tuple[list[tuple[int, str, list[Step]]], list[tuple[int, date]]]:
    """The histories of one chunk's residents, ``rows`` of (id, birth date, ward, start of the
    first-class qualification in force or None), in id order: (resident id, ward, steps) of each
    person with a history, and (resident id, application day) of the 第2号 among them. Pure: the
    same rows, seed and day give the same plans (the city's determinism rests on it)."""
    open_certified = OPEN_RENEWAL_SHARE + OPEN_CHANGE_SHARE if open_share is None else open_share
    aged_65 = date(today.year - 65, today.month, today.day) if (today.month, today.day) != (2, 29) \
        else date(today.year - 65, 2, 28)
    deck_rng = random.Random(f"cert-deck:{seed}:{chunk}")
    deck: list[str] = []
    plans: list[tuple[int, str, list[Step]]] = []
    second: list[tuple[int, date]] = []
    for pid, born, ward, qualified_from in rows:
        rng = random.Random(f"cert:{seed}:{pid}")
        x = rng.random()
        if qualified_from is not None and born <= aged_65:
            age = (today - born).days // 365
            certified = x < (_certified_share(age) if certified_share is None else certified_share)
            y = rng.random()
            opening = (y < open_certified) if certified else (y < OPEN_NEW_SHARE)
            if not certified and not opening:
                continue
            stage = None
            if opening:
                if not deck:
                    deck = list(STAGE_DECK)
                    deck_rng.shuffle(deck)
                stage = deck.pop()
            plan = person_plan(rng, born=born, qualified_from=max(qualified_from, age_reached_on(born, 65)),
                               today=today, open_new=not certified, stage=stage)
        elif qualified_from is None and age_reached_on(born, 65) > today and x < SECOND_CLASS_SHARE:
            plan = person_plan(rng, born=born, qualified_from=age_reached_on(born, 40) + timedelta(days=365),
                               today=today, second_class=True)
            if plan:
                second.append((pid, plan[0].applied_on))
        else:
            continue
        if plan:
            plans.append((pid, ward, plan))
    return plans, second


def certification_generate(*, seed: int, today: date, chunk_ids: int = CHUNK_IDS, certified_share: float | None = None,
                           open_share: float | None = None) -> Written:
    """Certification histories and open cases of the city's residents as of ``today`` (those with
    no case yet). One transaction per chunk of resident ids.

    For benchmarks only, ``certified_share`` (of those aged 65+, whatever their age) and
    ``open_share`` (of the certified, with an open renewal or change) replace the realistic
    shares, so that a city smaller than the one measured holds as many certifications and open
    cases as the one measured."""
    staff = generator_staff()
    now = timezone.now()
    case_seq, cert_seq = _sequence_of(Case._meta.db_table), _sequence_of(Certification._meta.db_table)
    written = Written()
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM eligibility_resident")
        low, high = cursor.fetchone()
    for start in range(((low or 0) // chunk_ids) * chunk_ids, (high or -1) + 1, chunk_ids):
        rows = candidates(start, start + chunk_ids, today)
        plans, second = chunk_plans(rows, seed=seed, today=today, chunk=start // chunk_ids,
                                    certified_share=certified_share, open_share=open_share)
        with transaction.atomic():
            # 法 §9 第2号: the qualification an application implies, recorded by eligibility's rule; a
            # person it refuses (not living here on the day of the first application) has no history
            refused = set()
            for pid, applied_on in second:
                try:
                    with transaction.atomic():
                        second_class_application_record(
                            resident_id=pid, applied_on=applied_on, until=max(qualification_horizon(today), applied_on),
                            context=Context(source="notification",
                                            event_key=f"synthetic:second:{applied_on.isoformat()}"))
                except NotificationInvalid:
                    refused.add(pid)
        plans = [p for p in plans if p[0] not in refused]
        second = [s for s in second if s[0] not in refused]
        if not plans:
            continue
        cases_n = sum(len(p) for _, _, p in plans)
        certs_n = sum(1 for _, _, p in plans for s in p if s.level is not None)
        case_ids = iter(number_allocate(case_seq, cases_n))
        cert_ids = iter(number_allocate(cert_seq, certs_n))
        serials = iter(number_allocate(CASE_NUMBER_SEQUENCE, cases_n))
        # by position in the chains: a case names the certification before it (``previous``) and a
        # certification its case, so each position's cases go in before its certifications
        longest = max(len(p) for _, _, p in plans)
        case_rows: list[list[tuple]] = [[] for _ in range(longest)]
        cert_rows: list[list[tuple]] = [[] for _ in range(longest)]
        event_rows, paper_rows = [], []
        for pid, ward, plan in plans:
            rng = random.Random(f"cert-office:{seed}:{pid}")
            disease = f"{rng.randint(1, 16):02d}" if plan[0].second_class else ""
            previous = None
            for position, s in enumerate(plan):
                case_id = next(case_ids)
                d = s.dates
                applicant = _pick(rng, [(a, w) for a, _, w in PROXIES])
                proxy = next(o for a, o, _ in PROXIES if a == applicant)
                case_rows[position].append((
                    case_id, f"{s.applied_on.year}-{next(serials):06d}", pid, ward, s.kind, s.state, s.second_class,
                    disease, applicant, proxy, previous if s.kind != CaseKind.NEW else None, s.applied_on,
                    d.get("survey_requested_on"), d.get("surveyed_on"), d.get("opinion_requested_on"),
                    d.get("opinion_received_on"), d.get("assessed_on"), d.get("primary_level") or "",
                    d.get("board_on"), d.get("decided_on"), d.get("notified_on"), d.get("postponed_on"),
                    d.get("postponement_reason", ""), d.get("expected_by"), None, "", staff.pk, _at(s.applied_on),
                    now))
                if s.level is not None:
                    cert_id = next(cert_ids)
                    cert_rows[position].append((cert_id, pid, case_id, s.level, s.valid_from, s.valid_to, d["decided_on"], "",
                                      [], s.ended_on, "superseded" if s.ended_on else "", "", staff.pk,
                                      _at(d["decided_on"])))
                    previous = cert_id
                else:
                    written.open_cases += 1
                    event_rows.append((case_id, Move.RECEIVE, "received", "received", staff.pk, _at(s.applied_on), ""))
                    for move, before, after in MOVES_TO[s.state]:
                        event_rows.append((case_id, move, before, after, staff.pk, _at(d[MOVE_DAY[move]]), ""))
                    papers = [PaperKind.APPLICATION, PaperKind.MEDICAL_INSURANCE if s.second_class
                              else PaperKind.INSURANCE_CARD]
                    for kind in papers:
                        paper_rows.append((case_id, kind, s.applied_on, staff.pk, _at(s.applied_on), "", None, ""))
        with transaction.atomic():
            constraints_immediate()  # bulk writes to trail-tracked tables (kaigo.db)
            for cases, certifications in zip(case_rows, cert_rows, strict=True):
                copy_rows(Case, CASE_COLUMNS, cases, types=CASE_TYPES)
                copy_rows(Certification, CERT_COLUMNS, certifications, types=CERT_TYPES)
            copy_rows(CaseEvent, EVENT_COLUMNS, event_rows, types=EVENT_TYPES)
            copy_rows(ReceivedPaper, PAPER_COLUMNS, paper_rows, types=PAPER_TYPES)
        written.cases += cases_n
        written.certifications += certs_n
        written.second_class += len(second)
    with connection.cursor() as cursor:
        for model in (Case, Certification, CaseEvent, ReceivedPaper):
            cursor.execute(f"ANALYZE {model._meta.db_table}")
    return written


def certification_step(run: CityRun) -> str | None:
    """Step of ``generate_city``: histories and open cases as of ``run.business_to`` (else ``run.as_of``)."""
    today = run.business_to or run.as_of
    started = time.perf_counter()
    w = certification_generate(seed=run.seed, today=today)
    if not w.cases:
        return None
    if run.existing:
        return f"certification added: {w.cases:,} cases"
    return (f"certification as of {today}: {w.certifications:,} certifications ({w.second_class:,} second class), "
            f"{w.cases:,} cases of which {w.open_cases:,} open, in {time.perf_counter() - started:.1f} s")
