"""Qualification notifications registered by hand at the counter (届出).

A clerk records a fact the resident registry does not carry: an application for certification
by a person aged 40-64 (the 第2号 record), entering or leaving an exemption facility (適用除外),
the start or end of a special-address stay (住所地特例, our insured placed elsewhere or another
insurer's insured placed here). ``notification_check`` is the rule (a plain function: Japanese
messages, never a value of the input); ``notification_register`` is the service: in one
transaction it checks the clerk's update scope, writes the fact and re-derives the person's
qualification (``requalify``, source "notification"), which records the new revision and its
event. See docs/subsystems/eligibility-screens.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from django.db import models, transaction
from django.utils import timezone

from eligibility.codes import GainReason
from eligibility.models import (
    Facility,
    FacilityKind,
    FacilityStay,
    QualificationSource,
    Resident,
    StayKind,
)
from eligibility.qualification import (
    Context,
    RequalifyResult,
    facts_for,
    qualification_horizon,
    record_revisions,
    requalify,
    stored_periods,
)
from eligibility.registry_feed.format import OWN_MUNICIPALITY_CODES
from eligibility.rules import age_reached_on, derive_periods
from eligibility.scope import require_person_update
from kaigo.errors import ApplicationError

# A notification may be dated ahead (a planned admission) by at most this many days.
FUTURE_LIMIT_DAYS = 14


class NotificationKind(models.TextChoices):
    SECOND_CLASS = "second_class", "第2号被保険者の資格取得（要介護認定の申請に伴う）"
    EXEMPTION_IN = "exemption_in", "適用除外施設への入所"
    EXEMPTION_OUT = "exemption_out", "適用除外施設からの退所"
    SELF_SPECIAL_START = "self_special_start", "住所地特例の適用（本市の被保険者が他市町村の施設に入所）"
    SELF_SPECIAL_END = "self_special_end", "住所地特例の終了（本市の被保険者）"
    OTHER_SPECIAL_START = "other_special_start", "住所地特例の適用（他市町村の被保険者が市内の施設に入所）"
    OTHER_SPECIAL_END = "other_special_end", "住所地特例の終了（他市町村の被保険者）"


@dataclass(frozen=True)
class StayRule:
    """What a stay notification does: the stay kind it starts or ends, and for a start, the kind
    of facility it needs and whether that facility must be in this city (True) or elsewhere."""

    stay_kind: str
    starts: bool
    facility_kind: str | None = None
    facility_in_city: bool | None = None


STAY_RULES: dict[str, StayRule] = {
    NotificationKind.EXEMPTION_IN: StayRule(StayKind.EXEMPTION, True, FacilityKind.EXEMPTION, None),
    NotificationKind.EXEMPTION_OUT: StayRule(StayKind.EXEMPTION, False),
    NotificationKind.SELF_SPECIAL_START: StayRule(StayKind.SELF_SPECIAL, True, FacilityKind.SPECIAL, False),
    NotificationKind.SELF_SPECIAL_END: StayRule(StayKind.SELF_SPECIAL, False),
    NotificationKind.OTHER_SPECIAL_START: StayRule(StayKind.OTHER_SPECIAL, True, FacilityKind.SPECIAL, True),
    NotificationKind.OTHER_SPECIAL_END: StayRule(StayKind.OTHER_SPECIAL, False),
}
STAY_LABELS = dict(StayKind.choices)
FACILITY_KIND_LABELS = dict(FacilityKind.choices)

# The date's name on the form and in messages, per kind.
DATE_LABELS: dict[str, str] = {
    NotificationKind.SECOND_CLASS: "申請日",
    NotificationKind.EXEMPTION_IN: "入所日",
    NotificationKind.EXEMPTION_OUT: "退所日",
    NotificationKind.SELF_SPECIAL_START: "適用開始日（入所日）",
    NotificationKind.SELF_SPECIAL_END: "適用終了日（退所日）",
    NotificationKind.OTHER_SPECIAL_START: "適用開始日（入所日）",
    NotificationKind.OTHER_SPECIAL_END: "適用終了日（退所日）",
}


class NotificationInvalid(ApplicationError):
    code = "notification_invalid"

    def __init__(self, problems: Sequence[str]):
        super().__init__(" ".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class Notification:
    kind: str  # NotificationKind
    on: date  # the date of the event (application, admission, leaving, start or end of the rule)
    facility_code: str = ""


@dataclass(frozen=True)
class StayFact:
    """A stored stay, as the rule sees it (FacilityStay without the database)."""

    id: int
    kind: str
    start: date
    end: date | None  # the day of leaving, None while staying


@dataclass(frozen=True)
class FacilityFact:
    kind: str
    municipality: str


def _overlaps(a_start: date, a_end: date | None, b_start: date, b_end: date | None) -> bool:
    """Stays as [start, end) with end the day of leaving: a transfer on the day of leaving
    (one ends on D, the next starts on D) does not overlap."""
    return a_start < (b_end or date.max) and b_start < (a_end or date.max)


def notification_check(n: Notification, *, today: date, birth_date: date, died_on: date | None,
                       facility: FacilityFact | None, stays: Sequence[StayFact],
                       second_class_from: date | None = None) -> list[str]:
    """Everything wrong with a notification, as messages for the clerk (empty: acceptable).
    Messages name the field and the rule, never the value entered or stored."""
    problems: list[str] = []
    label = DATE_LABELS.get(n.kind, "日付")
    if n.kind not in NotificationKind.values:
        return ["届出の種類を選んでください。"]
    if n.on > today + timedelta(days=FUTURE_LIMIT_DAYS):
        problems.append(f"{label}は本日から{FUTURE_LIMIT_DAYS}日後までの日付を入力してください。")
    if n.on < birth_date:
        problems.append(f"{label}が生年月日より前です。")
    if died_on is not None and n.on > died_on:
        problems.append(f"{label}が死亡日より後です。")
    if n.kind == NotificationKind.SECOND_CLASS:
        if not age_reached_on(birth_date, 40) <= n.on < age_reached_on(birth_date, 65):
            problems.append("第2号被保険者は40歳以上65歳未満の方です。申請日の年齢が対象外です。")
        if second_class_from is not None and n.on >= second_class_from:
            problems.append("第2号被保険者の資格取得（申請）は既に記録されています。")
        return problems
    rule = STAY_RULES[n.kind]
    if rule.starts:
        if facility is None:
            problems.append("施設を選んでください。")
        else:
            if facility.kind != rule.facility_kind:
                problems.append(f"選んだ施設は{FACILITY_KIND_LABELS[rule.facility_kind]}ではありません。")
            elif rule.facility_in_city is True and facility.municipality not in OWN_MUNICIPALITY_CODES:
                problems.append("他市町村の被保険者の住所地特例では、市内の施設を選んでください。")
            elif rule.facility_in_city is False and facility.municipality in OWN_MUNICIPALITY_CODES:
                problems.append("本市の被保険者の住所地特例では、他市町村の施設を選んでください。")
        if any(_overlaps(n.on, None, s.start, s.end) for s in stays):
            problems.append("既に登録されている施設入所（適用除外・住所地特例）の期間と重なります。")
    else:
        open_stays = [s for s in stays if s.kind == rule.stay_kind and s.end is None]
        if not open_stays:
            problems.append(f"終了する{STAY_LABELS[rule.stay_kind]}の記録がありません。")
        elif n.on < open_stays[-1].start:
            problems.append(f"{label}が開始日（入所日）より前です。")
    return problems


def notification_register(*, actor, resident_id: int, notification: Notification,
                          today: date | None = None) -> RequalifyResult:
    """Record a notification and the qualification it implies (one transaction).

    Raises NotificationInvalid (Japanese messages), NotPermitted (outside the clerk's update
    scope) or Resident.DoesNotExist."""
    today = today or timezone.localdate()
    n = notification
    with transaction.atomic(durable=True):
        # The person's row lock orders concurrent notifications and queue decisions about them.
        resident = (Resident.objects.select_for_update()
                    .only("id", "ward", "status", "birth_date", "died_on", "sensitive", "household_id")
                    .get(pk=resident_id))
        require_person_update(actor, resident)
        facility = Facility.objects.filter(code=n.facility_code).first() if n.facility_code else None
        stays = [StayFact(*row) for row in FacilityStay.objects.filter(resident_id=resident_id)
                 .order_by("start", "id").values_list("id", "kind", "start", "end")]
        second_from = (facts_for([resident_id])[resident_id].second_class_from
                       if n.kind == NotificationKind.SECOND_CLASS else None)
        problems = notification_check(
            n, today=today, birth_date=resident.birth_date, died_on=resident.died_on,
            facility=FacilityFact(facility.kind, facility.municipality) if facility else None,
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


def second_class_application_record(*, resident_id: int, applied_on: date, until: date, context: Context,
                                    now=None) -> RequalifyResult:
    """Record a 第2号 qualification on an application for certification (in the caller's
    transaction).

    The application is not yet a fact of its own: ``qualification.facts_for`` reads it back from
    the first stored period with gain reason 04. So this derives the person's periods with the
    application date added to the facts (the earlier of it and a stored one) and records that
    revision; the 04 period it writes keeps the fact for every later derivation. Once the
    application has a table that ``facts_for`` reads, this becomes "insert the row, requalify".
    """
    facts = facts_for([resident_id])[resident_id]
    earliest = applied_on if facts.second_class_from is None else min(facts.second_class_from, applied_on)
    derived = derive_periods(replace(facts, second_class_from=earliest), until=until)
    if not any(p.gain_reason == GainReason.SECOND_CLASS_APPLICATION for p in derived):
        raise NotificationInvalid(["申請日に市内に住所がない（または適用除外・住所地特例の期間中の）ため、"
                                   "第2号被保険者の資格を記録できません。"])
    old = stored_periods([resident_id]).get(resident_id, [])
    if derived == old:
        return RequalifyResult([])
    issued = record_revisions({resident_id: (old, derived)}, context=context, now=now or timezone.now())
    return RequalifyResult([resident_id], issued)
