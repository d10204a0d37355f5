"""Writes of regional support: a basic checklist entered for a person, the decision that makes
them a project participant (事業対象者), and its end. Every write checks role and ward here
(``benefit.update`` to enter a checklist, ``benefit.decide`` to decide or end: own ward, head
office any), collects every problem into one refusal (Japanese, no personal data) and writes
nothing when refused; the rows carry who and when, and the change trail records every write.

Who may be a participant (DOMAIN.md 5.1-5.2; 介護保険法 §115の45 第1項第1号, 施行規則 第140条の62の4):
a first-class insured (第1号被保険者) on the day, not certified 要介護 (a 要介護者 uses the care
benefits; the 継続利用要介護者 of 第140条の62の4 are the city's separate decision, not made here).
A 要支援者 already uses 総合事業 through the certification (法 §115の45 第1項第1号 「居宅要支援被保険者」):
a checklist may be entered for them (typically before the certification runs out), but the status
starts only outside a 要支援 validity."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from benefits.regional.models import (
    Checklist,
    ChecklistPlace,
    Enrolment,
    Participant,
    ParticipantEnd,
)
from benefits.rules.checklist import (
    ASKED,
    BMI_ITEM,
    answer_problems,
    answers_encode,
    bmi_answer,
    matched_criteria,
    participant_valid_to,
)
from benefits.rules.comprehensive import (
    CITY_SERVICES,
    SERVICES_BY_CODE,
    month_end,
    participant_limit,
)
from certification.decisions.selectors import (
    certification_history_rows,
    certification_on,
)
from certification.rules.levels import CARE_LEVELS, SUPPORT_LEVELS
from eligibility.qualification.selectors import first_class_persons
from eligibility.residents.selectors import require_resident_update
from kaigo.db import copy_rows, fetch_rows
from kaigo.errors import NotPermitted, ProblemsError
from kaigo.outbox.services import NewEvent, publish
from kaigo.staff.roles import has_permission

UPDATE = "benefit.update"
DECIDE = "benefit.decide"
TOPIC_DECIDED = "benefits.participant.decided"
TOPIC_ENDED = "benefits.participant.ended"

HEIGHT_RANGE = (Decimal("100.0"), Decimal("230.0"))
WEIGHT_RANGE = (Decimal("20.0"), Decimal("200.0"))

NOT_FIRST_CLASS = ("{what}に第1号被保険者（65歳以上）ではありません。基本チェックリストによる事業対象者は第1号被保険者だけです"
                   "（第2号被保険者は要介護・要支援認定を申請してください）。")
CARE_CERTIFIED = ("{what}に要介護認定の有効期間中です。要介護者は事業対象者になれません（介護保険法第115条の45第1項第1号、"
                  "施行規則第140条の62の4）。")
SUPPORT_CERTIFIED = ("適用開始日に要支援認定の有効期間中です。要支援者は認定により総合事業を利用します。事業対象者とするのは"
                     "認定の有効期間の終了後です（適用開始日を終了日の翌日以後にしてください）。")


class RegionalInvalid(ProblemsError):
    """A checklist or a participant decision refused, listing every problem."""


@dataclass(frozen=True)
class ChecklistEntry:
    """What the form or an import hands in: the day and place, the answers to the 24 questions
    asked (item number → 1 はい / 0 いいえ; 問12 is not asked) and the height and weight."""

    checked_on: date
    place: str
    answers: dict[int, object] = field(default_factory=dict)
    height_cm: Decimal | None = None
    weight_kg: Decimal | None = None


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def _first_class_on(resident_id: int, day: date) -> bool:
    return bool(first_class_persons(day, day, lo=resident_id, hi=resident_id + 1))


def _certified_problem(resident_id: int, day: date, what: str, *, support_too: bool) -> str | None:
    cert = certification_on(certification_history_rows(resident_id), day)
    if cert is None:
        return None
    if cert.level in CARE_LEVELS:
        return CARE_CERTIFIED.format(what=what)
    if support_too and cert.level in SUPPORT_LEVELS:
        return SUPPORT_CERTIFIED
    return None


def _body_problems(entry: ChecklistEntry) -> list[str]:
    problems = []
    for value, (low, high), label, unit in ((entry.height_cm, HEIGHT_RANGE, "身長", "cm"),
                                            (entry.weight_kg, WEIGHT_RANGE, "体重", "kg")):
        if value is None:
            problems.append(f"問12の{label}を入力してください（BMIの計算に使います）。")
            continue
        value = Decimal(value)
        if not value.is_finite() or not (low <= value <= high) or value != value.quantize(Decimal("0.1")):
            problems.append(f"問12の{label}は{low}{unit}から{high}{unit}の範囲で、小数点以下1桁までで入力してください。")
    return problems


def checklist_enter(*, actor, resident_id: int, entry: ChecklistEntry, today: date | None = None) -> Checklist:
    """Record a basic checklist of a person (``benefit.update``, own ward): the answers checked
    (each of the 24 questions answered 1 or 0), 問12 from the BMI, the criteria it meets
    (benefits.rules.checklist.matched_criteria) stored with it. Refused, listing every problem:
    an answer missing or outside 0/1 (named by item), height or weight missing or out of range,
    a day in the future, a person who is not first-class on that day or is certified 要介護 then."""
    today = _today(today)
    require_resident_update(actor, resident_id, permission=UPDATE)
    problems = answer_problems(entry.answers)
    problems += _body_problems(entry)
    if entry.place not in ChecklistPlace.values:
        problems.append("実施場所を選んでください。")
    if entry.checked_on > today:
        problems.append("実施日に未来の日付は入力できません。")
    else:
        if not _first_class_on(resident_id, entry.checked_on):
            problems.append(NOT_FIRST_CLASS.format(what="実施日"))
        certified = _certified_problem(resident_id, entry.checked_on, "実施日", support_too=False)
        if certified:
            problems.append(certified)
    if problems:
        raise RegionalInvalid(problems)
    answers = {n: int(entry.answers[n]) for n in ASKED}
    answers[BMI_ITEM] = bmi_answer(entry.height_cm, entry.weight_kg)
    with transaction.atomic(durable=True):
        return Checklist.objects.create(
            resident_id=resident_id, checked_on=entry.checked_on, place=entry.place, answers=answers_encode(answers),
            height_cm=entry.height_cm, weight_kg=entry.weight_kg, matched=matched_criteria(answers), entered_by=actor)


def participant_decide(*, actor, checklist_id: int, confirmed_on: date | None = None, valid_from: date | None = None,
                       today: date | None = None, resident_id: int | None = None) -> Participant:
    """Decide that the person of a checklist is a project participant (事業対象者; ``benefit.decide``,
    own ward; a named decider). 確認日 ``confirmed_on`` (default today) from the checklist's day to
    today; 適用開始日 ``valid_from`` (default the checklist's day) not before the checklist; the last
    day from the city's dated rule (benefits.rules.checklist.participant_valid_to; none today).
    Refused, listing every problem: a checklist that meets no criterion, a person not first-class or
    certified 要介護 or 要支援 on the start day, a status already open. Publishes
    benefits.participant.decided (ids only) for the co-payment ratio and the federation file."""
    today = _today(today)
    confirmed_on = confirmed_on or today
    with transaction.atomic(durable=True):
        checklists = Checklist.objects.select_for_update()
        if resident_id is not None:  # a screen's URL names the person: the checklist must be theirs
            checklists = checklists.filter(resident_id=resident_id)
        checklist = checklists.get(pk=checklist_id)
        resident_id = checklist.resident_id
        require_resident_update(actor, resident_id, permission=DECIDE)
        valid_from = valid_from or checklist.checked_on
        problems = []
        if Participant.objects.filter(checklist=checklist).exists():
            raise RegionalInvalid("この基本チェックリストによる事業対象者の決定はすでにされています。")
        if not checklist.matched:
            problems.append("この基本チェックリストはいずれの基準にも該当しないため、事業対象者にはなりません。")
        if confirmed_on > today:
            problems.append("確認日に未来の日付は入力できません。")
        elif confirmed_on < checklist.checked_on:
            problems.append("確認日は基本チェックリストの実施日以後の日付を入力してください。")
        if valid_from < checklist.checked_on:
            problems.append("適用開始日は基本チェックリストの実施日以後の日付を入力してください。")
        else:
            if not _first_class_on(resident_id, valid_from):
                problems.append(NOT_FIRST_CLASS.format(what="適用開始日"))
            certified = _certified_problem(resident_id, valid_from, "適用開始日", support_too=True)
            if certified:
                problems.append(certified)
        if Participant.objects.filter(resident_id=resident_id, ended_on__isnull=True).exists():
            problems.append("すでに事業対象者です。今の事業対象者の終了を登録してから決定してください。")
        if problems:
            raise RegionalInvalid(problems)
        try:
            with transaction.atomic():
                participant = Participant.objects.create(
                    resident_id=resident_id, checklist=checklist, confirmed_on=confirmed_on, valid_from=valid_from,
                    valid_to=participant_valid_to(valid_from), decided_by=actor)
        except IntegrityError:  # another decider at the same moment (benparticipant_one_open)
            raise RegionalInvalid("すでに事業対象者です。今の事業対象者の終了を登録してから決定してください。") from None
        publish([NewEvent(TOPIC_DECIDED, f"{TOPIC_DECIDED}:{participant.pk}", resident_id, valid_from,
                          {"participant_id": participant.pk, "checklist_id": checklist.pk})])
        return participant


def participant_end(*, actor, participant_id: int, on: date, reason: str, today: date | None = None,
                    resident_id: int | None = None) -> Participant:
    """End a participant status from ``on`` (the first day it no longer applies, as certification's
    ended_on; ``benefit.decide``, own ward) for a reason
    of ParticipantEnd (a certification, loss of first-class insurance, the person's request).
    Refused: already ended, a day before the start or in the future, an unknown reason. Publishes
    benefits.participant.ended (ids only)."""
    today = _today(today)
    with transaction.atomic(durable=True):
        participants = Participant.objects.select_for_update()
        if resident_id is not None:
            participants = participants.filter(resident_id=resident_id)
        participant = participants.get(pk=participant_id)
        require_resident_update(actor, participant.resident_id, permission=DECIDE)
        problems = []
        if participant.ended_on is not None:
            problems.append("この事業対象者はすでに終了しています。")
        if reason not in ParticipantEnd.values:
            problems.append("終了の事由を選んでください。")
        if on > today:
            problems.append("終了日に未来の日付は入力できません。")
        elif on < participant.valid_from:
            problems.append("終了日は適用開始日以後の日付を入力してください。")
        if problems:
            raise RegionalInvalid(problems)
        participant.ended_on, participant.end_reason = on, reason
        participant.save(update_fields=["ended_on", "end_reason"])
        publish([NewEvent(TOPIC_ENDED, f"{TOPIC_ENDED}:{participant.pk}", participant.resident_id, on,
                          {"participant_id": participant.pk})])
        return participant


# --- enrolment in the city's 総合事業 services and the monthly usage ------------------------------------

RUN = "benefit.run"


def enrolment_create(*, actor, resident_id: int, service_code: str, start: date, today: date | None = None) -> Enrolment:
    """Enrol a person in one of the city's services (``benefit.update``, own ward) from ``start``.
    Refused, listing every problem: a code not in the city's master on that day, a start in the
    future, a person who on ``start`` is neither a project participant nor certified 要支援 (a
    要介護者 uses the care benefits), an enrolment in the same service still open."""
    today = _today(today)
    require_resident_update(actor, resident_id, permission=UPDATE)
    problems = []
    service = SERVICES_BY_CODE.get(service_code)
    if service is None or not (service.valid_from <= start and (service.valid_to is None or start <= service.valid_to)):
        problems.append("サービスは市の総合事業サービスから選んでください（開始日に有効なもの）。")
    if start > today:
        problems.append("利用開始日に未来の日付は入力できません。")
    cert = certification_on(certification_history_rows(resident_id), start)
    participant = _participant_in_force(resident_id, start)
    if cert is not None and cert.level in CARE_LEVELS:
        problems.append(CARE_CERTIFIED.format(what="利用開始日"))
    elif not participant and not (cert is not None and cert.level in SUPPORT_LEVELS):
        problems.append("利用開始日に事業対象者でも要支援者でもありません。総合事業のサービスは利用できません。")
    with transaction.atomic(durable=True):
        if Enrolment.objects.select_for_update().filter(resident_id=resident_id, service_code=service_code,
                                                         end__isnull=True).exists():
            problems.append("このサービスの利用登録がすでにあります。")
        if problems:
            raise RegionalInvalid(problems)
        return Enrolment.objects.create(resident_id=resident_id, service_code=service_code, start=start,
                                        enrolled_by=actor)


def _participant_in_force(resident_id: int, day: date) -> bool:
    return Participant.objects.filter(resident_id=resident_id, valid_from__lte=day).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=day)).filter(Q(ended_on__isnull=True) | Q(ended_on__gt=day)).exists()


@dataclass(frozen=True)
class UsageLine:
    resident_id: int
    service_code: str
    units: int


_USAGE_CHECK_SQL = """
WITH lines AS (SELECT * FROM benefits_usage_in),
     participants AS (
        SELECT DISTINCT p.resident_id FROM benefits_participant p
        WHERE p.resident_id IN (SELECT resident_id FROM lines) AND p.valid_from <= %(end)s
          AND (p.valid_to IS NULL OR p.valid_to >= %(month)s) AND (p.ended_on IS NULL OR p.ended_on > %(month)s)),
     totals AS (
        SELECT l.resident_id, sum(l.units) AS units, min(l.line) AS first_line FROM lines l
        WHERE l.service_code = ANY(%(in_limit)s) AND l.resident_id IN (SELECT resident_id FROM participants)
        GROUP BY l.resident_id HAVING sum(l.units) > %(limit)s)
SELECT l.line, 'unenrolled' AS problem, 0 AS units FROM lines l
 WHERE NOT EXISTS (SELECT 1 FROM benefits_enrolment e WHERE e.resident_id = l.resident_id
                   AND e.service_code = l.service_code AND e.start <= %(end)s AND (e."end" IS NULL OR e."end" >= %(month)s))
UNION ALL
SELECT l.line, 'recorded', 0 FROM lines l
 WHERE EXISTS (SELECT 1 FROM benefits_monthlyusage u WHERE u.resident_id = l.resident_id AND u.month = %(month)s
               AND u.service_code = l.service_code)
UNION ALL
SELECT l.line, 'repeated', 0 FROM lines l
 WHERE EXISTS (SELECT 1 FROM lines o WHERE o.resident_id = l.resident_id AND o.service_code = l.service_code
               AND o.line < l.line)
UNION ALL
SELECT t.first_line, 'over', t.units - %(limit)s FROM totals t
ORDER BY 1, 2
"""
_USAGE_PROBLEMS = {
    "unenrolled": "{line}行目: この月にそのサービスの利用登録がありません。",
    "recorded": "{line}行目: この月のそのサービスの実績はすでに記録されています（二重の記録はできません）。",
    "repeated": "{line}行目: 同じ人・同じサービスの行が前にあります。",
    "over": "{line}行目から: 事業対象者の支給限度（月{limit:,}単位）を{units:,}単位超えています。",
}


def usage_month_record(*, actor, month: date, lines: list[UsageLine], today: date | None = None) -> int:
    """Record a month of 総合事業 usage for the whole city (``benefit.run``: the head office's monthly
    work, every ward). Set-based: the lines go into a temporary table by COPY and one query finds
    every problem; all or nothing. Refused, naming each line: a service not in the city's master
    for the month, units not a positive integer, no enrolment covering the month, a month already
    recorded for that person and service, the same person and service twice, and a project
    participant's units of the services in the limit above the month's limit
    (benefits.rules.comprehensive.participant_limit). Returns the rows written."""
    today = _today(today)
    if not has_permission(actor, RUN):
        raise NotPermitted("総合事業の月次実績を記録する権限がありません。")
    problems = []
    if month.day != 1:
        problems.append("サービス提供月は月の初日で指定してください。")
    elif month > today:
        problems.append("サービス提供月に未来の月は指定できません。")
    for number, line in enumerate(lines, start=1):
        service = SERVICES_BY_CODE.get(line.service_code)
        if service is None or (month.day == 1 and not service.valid_in(month)):
            problems.append(f"{number}行目: サービスコードが市の総合事業サービスにありません（その月に有効なもの）。")
        if not isinstance(line.units, int) or isinstance(line.units, bool) or line.units <= 0:
            problems.append(f"{number}行目: 単位数は1以上の整数で入力してください。")
    if not lines:
        problems.append("実績の行がありません。")
    if problems:
        raise RegionalInvalid(problems)
    limit = participant_limit(month)
    with transaction.atomic(durable=True):
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS benefits_usage_in")  # left by an outer transaction's earlier call
            cursor.execute("CREATE TEMP TABLE benefits_usage_in (line int, resident_id bigint, service_code text, "
                           "units int) ON COMMIT DROP")
        copy_rows("benefits_usage_in", ["line", "resident_id", "service_code", "units"],
                  ((n, ln.resident_id, ln.service_code, ln.units) for n, ln in enumerate(lines, start=1)),
                  types=["int4", "int8", "text", "int4"])
        found = fetch_rows(_USAGE_CHECK_SQL, {"month": month, "end": month_end(month), "limit": limit,
                                              "in_limit": [s.code for s in CITY_SERVICES if s.in_limit]})
        if found:
            raise RegionalInvalid([_USAGE_PROBLEMS[r.problem].format(line=r.line, limit=limit, units=r.units)
                                   for r in found])
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO benefits_monthlyusage (resident_id, month, service_code, units, recorded_by_id, "
                           "recorded_at) SELECT resident_id, %s, service_code, units, %s, now() FROM benefits_usage_in",
                           [month, actor.pk])
            return cursor.rowcount
