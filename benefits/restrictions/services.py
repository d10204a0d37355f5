"""Writes of benefit restrictions (給付制限, 法 §66, §67, §69) — the workflow:

1. ``restriction_notice`` (予告): a head-office clerk with ``benefit.decide`` opens a measure for a
   certified person whose arrears call for it on the day (benefits.rules.restrictions.finding),
   with the last day to answer (弁明書の提出期限, RestrictionPlan.reply_days).
2. ``reply_record`` (弁明): the answer received; accepted as a 特別の事情 (施行令 第30条, 施行規則
   第98条) the counted installments are excused and the measure is withdrawn.
3. ``restriction_decide``: after the answer period (or a rejected answer), a named staff member
   decides; the facts are read again (paid meanwhile: refused). A reduction (法 §69) gets its
   給付額減額期間 by the formula. The card's 給付制限 box prints it from then (card_facts.py).
4. ``restriction_lift``: a clerk lifts a payment change or suspension (完納, 著しく減少, 特別の事情:
   法 §66 第3項, 施行規則 第102条); ``restrictions_check_paid`` (the daily job) lifts those whose
   arrears are paid in full and withdraws notices whose arrears are paid before the decision.
5. ``notice_issue``: the advance, decision and lifting notices as PDF.

Every write checks the role and the ward here (eligibility.residents.selectors.require_resident_update),
records its move in RestrictionEvent (actor, time) and publishes ``benefits.restriction_changed``
(ids, codes and dates only) in the same transaction for the recipient file to the federation.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from benefits.restrictions.facts import arrears_facts, reduction_months_of
from benefits.restrictions.models import (
    ExcusedInstallment,
    Measure,
    NoticeKind,
    Restriction,
    RestrictionEvent,
    RestrictionNotice,
    RestrictionState,
)
from benefits.rules.restrictions import (
    ASSUMED_PLAN,
    MEASURE_LABELS,
    REDUCTION,
    SPECIAL_CIRCUMSTANCES,
    RestrictionPlan,
    lift_due,
    measure_period,
    reply_by,
)
from eligibility.residents.selectors import require_resident_update
from kaigo.errors import ProblemsError
from kaigo.outbox.services import NewEvent, publish

DECIDE = "benefit.decide"
TOPIC = "benefits.restriction_changed"
CHANGED_MEANWHILE = "この給付制限は他の職員が先に処理しました。画面を開き直して確認してください。"


class RestrictionInvalid(ProblemsError):
    code = "restriction_invalid"


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def _move(restriction: Restriction, action: str, to_state: str, *, actor, note: str = "") -> None:
    """Save the restriction in ``to_state``, record the move (actor, time) and publish it."""
    from_state = "" if restriction.pk is None else restriction.state
    restriction.state = to_state
    restriction.save()
    event = RestrictionEvent.objects.create(restriction=restriction, action=action, from_state=from_state,
                                            to_state=to_state, actor=actor, note=note[:400])
    _publish(restriction, event)


def _publish(restriction: Restriction, event: RestrictionEvent) -> None:
    def iso(day):
        return day.isoformat() if day else None

    publish([NewEvent(TOPIC, f"{TOPIC}:{event.pk}", restriction.resident_id,
                      restriction.closed_on or restriction.starts_on or restriction.noticed_on,
                      {"restriction": restriction.pk, "measure": restriction.measure, "state": event.to_state,
                       "action": event.action, "starts_on": iso(restriction.starts_on),
                       "ends_on": iso(restriction.ends_on), "closed_on": iso(restriction.closed_on)})])


def _lock(restriction_id: int) -> Restriction:
    return Restriction.objects.select_for_update().get(pk=restriction_id)


def _applies(measure: str, facts) -> bool:
    return measure in facts.finding.measures


def _not_applicable(measure: str, facts) -> str:
    if measure == REDUCTION:
        return "時効により消滅した保険料がないため、給付額の減額（法第69条）の対象ではありません。"
    months = "1年" if measure == Measure.PAYMENT_CHANGE else "1年6か月"
    if facts.finding.oldest_due is None:
        return "納期限を過ぎた未納の保険料（普通徴収）がないため、対象ではありません。"
    return (f"最も古い未納の納期限（{facts.finding.oldest_due:%Y-%m-%d}）から{months}を経過していないため、"
            f"{MEASURE_LABELS[measure]}の対象ではありません。")


# --- 1. the advance notice ---------------------------------------------------------------------------


def restriction_notice(*, actor, resident_id: int, measure: str, today: date | None = None,
                       plan: RestrictionPlan = ASSUMED_PLAN) -> Restriction:
    """Open a measure with its advance notice (予告, 弁明の機会の付与). Refused (every problem at
    once) for an unknown measure, a person without a certification in force, arrears that do not
    call for the measure on the day, or a measure already noticed or in force."""
    today = _today(today)
    require_resident_update(actor, resident_id, permission=DECIDE)
    problems = []
    if measure not in Measure.values:
        raise RestrictionInvalid("措置の種類が正しくありません。")
    with transaction.atomic(durable=True):
        facts = arrears_facts(resident_id, today)
        if not facts.certified:
            problems.append("要介護・要支援の認定が有効でないため、給付制限の対象ではありません（法第66条第1項）。")
        if not _applies(measure, facts):
            problems.append(_not_applicable(measure, facts))
        if Restriction.objects.select_for_update().filter(
                resident_id=resident_id, measure=measure, state__in=[RestrictionState.NOTICED,
                                                                     RestrictionState.IN_FORCE]).exists():
            problems.append(f"{MEASURE_LABELS[measure]}はすでに予告済み又は実施中です。")
        if problems:
            raise RestrictionInvalid(problems)
        restriction = Restriction(resident_id=resident_id, measure=measure, state=RestrictionState.NOTICED,
                                  oldest_due=facts.finding.oldest_due, arrears=facts.finding.arrears,
                                  prescribed=facts.finding.prescribed, noticed_on=today,
                                  reply_by=reply_by(today, plan), noticed_by=actor)
        _move(restriction, "notice", RestrictionState.NOTICED, actor=actor)
        return restriction


# --- 2. the answer (弁明) -------------------------------------------------------------------------------


def reply_record(*, actor, restriction_id: int, received_on: date, note: str, circumstance: str = "",
                 today: date | None = None) -> Restriction:
    """Record the answer to an advance notice. With a ``circumstance`` (a key of
    SPECIAL_CIRCUMSTANCES) the answer is accepted: the installments counted at that moment are
    excused (they no longer count for 法 §66/§67) and the measure is withdrawn. Without one, the
    answer is kept and the measure can be decided."""
    today = _today(today)
    problems = []
    if not note.strip():
        problems.append("弁明の内容を入力してください。")
    if received_on > today:
        problems.append("弁明書の受付日に未来の日付は入力できません。")
    if circumstance and circumstance not in SPECIAL_CIRCUMSTANCES:
        problems.append("特別の事情の種類が正しくありません。")
    with transaction.atomic(durable=True):
        restriction = _lock(restriction_id)
        require_resident_update(actor, restriction.resident_id, permission=DECIDE)
        if restriction.state != RestrictionState.NOTICED:
            problems.append(CHANGED_MEANWHILE)
        if received_on < restriction.noticed_on:
            problems.append("弁明書の受付日は予告日より前にできません。")
        if circumstance and restriction.measure == REDUCTION:
            problems.append("時効により消滅した保険料による給付額の減額（法第69条）は、特別の事情により取りやめることはできません。")
        if problems:
            raise RestrictionInvalid(problems)
        restriction.reply_on, restriction.reply_note = received_on, note.strip()[:400]
        if not circumstance:
            restriction.save()
            RestrictionEvent.objects.create(restriction=restriction, action="reply", from_state=restriction.state,
                                            to_state=restriction.state, actor=actor,
                                            note="弁明を受け付けました（特別の事情は認められません）")
            return restriction
        facts = arrears_facts(restriction.resident_id, today)
        ExcusedInstallment.objects.bulk_create([
            ExcusedInstallment(resident_id=restriction.resident_id, fiscal_year=b.fiscal_year, month=b.month,
                               reason=circumstance, restriction=restriction, recorded_by=actor)
            for b in facts.bills if not b.excused], ignore_conflicts=True)
        restriction.closed_on, restriction.closed_by = today, actor
        restriction.close_reason = SPECIAL_CIRCUMSTANCES[circumstance][:200]
        _move(restriction, "reply_accept", RestrictionState.WITHDRAWN, actor=actor, note="特別の事情を認めました")
        return restriction


# --- 3. the decision --------------------------------------------------------------------------------------


def restriction_decide(*, actor, restriction_id: int, decided_on: date | None = None, today: date | None = None,
                       plan: RestrictionPlan = ASSUMED_PLAN) -> Restriction:
    """Decide a noticed measure (a named staff member with ``benefit.decide``): refused before the
    last day to answer has passed (unless an answer was received and not accepted), when the
    arrears no longer call for the measure (paid meanwhile: withdraw it instead), and for a
    reduction whose formula gives no month. The measure is in force from measure_period."""
    today = _today(today)
    decided_on = decided_on or today
    problems = []
    if decided_on > today:
        problems.append("決定日に未来の日付は入力できません。")
    with transaction.atomic(durable=True):
        restriction = _lock(restriction_id)
        require_resident_update(actor, restriction.resident_id, permission=DECIDE)
        if restriction.state != RestrictionState.NOTICED:
            raise RestrictionInvalid(CHANGED_MEANWHILE)
        if decided_on < restriction.noticed_on:
            problems.append("決定日は予告日より前にできません。")
        if restriction.reply_on is None and decided_on <= restriction.reply_by:
            problems.append(f"弁明書の提出期限（{restriction.reply_by:%Y-%m-%d}）が過ぎるまでは決定できません。")
        facts = arrears_facts(restriction.resident_id, decided_on)
        if not _applies(restriction.measure, facts):
            problems.append(_not_applicable(restriction.measure, facts) + "予告を取りやめてください。")
        months = 0
        if restriction.measure == REDUCTION and not problems:
            months = reduction_months_of(facts, decided_on)
            if months <= 0:
                problems.append("計算式による給付額減額期間が0か月のため、給付額の減額は行いません。予告を取りやめてください。")
        if problems:
            raise RestrictionInvalid(problems)
        period = measure_period(restriction.measure, decided_on, months=months, plan=plan)
        restriction.decided_on, restriction.decided_by = decided_on, actor
        restriction.starts_on, restriction.ends_on = period.starts_on, period.ends_on
        restriction.months = months or None
        restriction.oldest_due, restriction.arrears = facts.finding.oldest_due, facts.finding.arrears
        restriction.prescribed = facts.finding.prescribed
        _move(restriction, "decide", RestrictionState.IN_FORCE, actor=actor)
        return restriction


# --- 4. withdrawal and lifting ---------------------------------------------------------------------------


def restriction_withdraw(*, actor, restriction_id: int, reason: str, today: date | None = None) -> Restriction:
    """Withdraw a noticed measure before its decision (paid meanwhile, notice sent in error)."""
    today = _today(today)
    if not reason.strip():
        raise RestrictionInvalid("取りやめの理由を入力してください。")
    with transaction.atomic(durable=True):
        restriction = _lock(restriction_id)
        require_resident_update(actor, restriction.resident_id, permission=DECIDE)
        if restriction.state != RestrictionState.NOTICED:
            raise RestrictionInvalid(CHANGED_MEANWHILE)
        restriction.closed_on, restriction.closed_by, restriction.close_reason = today, actor, reason.strip()[:200]
        _move(restriction, "withdraw", RestrictionState.WITHDRAWN, actor=actor, note=reason)
        return restriction


def restriction_lift(*, actor, restriction_id: int, lifted_on: date, reason: str, today: date | None = None
                     ) -> Restriction:
    """Lift a payment change or suspension in force (法 §66 第3項, 施行規則 第102条: 完納, 著しく減少,
    特別の事情), by a named staff member, on ``lifted_on``. A reduction (法 §69) is not lifted: it
    ends with its period."""
    today = _today(today)
    problems = []
    if not reason.strip():
        problems.append("解除の理由を入力してください。")
    if lifted_on > today:
        problems.append("解除日に未来の日付は入力できません。")
    with transaction.atomic(durable=True):
        restriction = _lock(restriction_id)
        require_resident_update(actor, restriction.resident_id, permission=DECIDE)
        if restriction.state != RestrictionState.IN_FORCE:
            raise RestrictionInvalid(CHANGED_MEANWHILE)
        if restriction.measure == REDUCTION:
            problems.append("給付額の減額（法第69条）は保険料を納付しても解除できません（期間の満了で終了します）。")
        if restriction.decided_on and lifted_on < restriction.decided_on:
            problems.append("解除日は決定日より前にできません。")
        if problems:
            raise RestrictionInvalid(problems)
        restriction.closed_on, restriction.closed_by, restriction.close_reason = lifted_on, actor, reason.strip()[:200]
        _move(restriction, "lift", RestrictionState.LIFTED, actor=actor, note=reason)
        return restriction


PAID_IN_FULL = "滞納保険料の完納（日次の納付確認）"


def restrictions_check_paid(today: date | None = None) -> dict[str, int]:
    """The daily check of payments: every payment change or suspension in force whose arrears are
    paid in full (benefits.rules.restrictions.lift_due) is lifted, and every noticed one withdrawn,
    by the system (actor None), each in its own transaction. Returns the counts."""
    today = _today(today)
    counts = {"lifted": 0, "withdrawn": 0}
    open_ids = list(Restriction.objects.filter(
        state__in=[RestrictionState.NOTICED, RestrictionState.IN_FORCE]).exclude(measure=REDUCTION)
        .values_list("pk", flat=True).order_by("pk"))
    for pk in open_ids:
        with transaction.atomic():
            restriction = Restriction.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            if restriction is None or restriction.state not in (RestrictionState.NOTICED, RestrictionState.IN_FORCE):
                continue
            facts = arrears_facts(restriction.resident_id, today)
            if not lift_due(restriction.measure, facts.bills, today):
                continue
            restriction.closed_on, restriction.closed_by, restriction.close_reason = today, None, PAID_IN_FULL
            if restriction.state == RestrictionState.IN_FORCE:
                _move(restriction, "lift", RestrictionState.LIFTED, actor=None, note=PAID_IN_FULL)
                counts["lifted"] += 1
            else:
                _move(restriction, "withdraw", RestrictionState.WITHDRAWN, actor=None, note=PAID_IN_FULL)
                counts["withdrawn"] += 1
    return counts


# --- 5. notices ---------------------------------------------------------------------------------------------

NOTICE_STATES = {
    NoticeKind.ADVANCE: (RestrictionState.NOTICED, RestrictionState.IN_FORCE, RestrictionState.LIFTED,
                         RestrictionState.WITHDRAWN),
    NoticeKind.DECISION: (RestrictionState.IN_FORCE, RestrictionState.LIFTED),
    NoticeKind.LIFT: (RestrictionState.LIFTED,),
}


def notice_issue(*, actor, request=None, restriction_id: int, kind: str, today: date | None = None
                 ) -> tuple[RestrictionNotice, bytes]:
    """Issue a notice of a restriction and return its PDF: the advance notice (予告通知書), the
    decision notice (決定通知書, once decided) or the lifting notice (解除通知書, once lifted). A
    second issue is a reprint (再発行). The print is logged (channel print) in the same transaction."""
    from audit.services import access_log_write
    from benefits.restrictions.selectors import notice_holder, notice_render

    today = _today(today)
    if kind not in NOTICE_STATES:
        raise RestrictionInvalid("通知の種類が正しくありません。")
    resident_id = Restriction.objects.filter(pk=restriction_id).values_list("resident_id", flat=True).get()
    require_resident_update(actor, resident_id, permission=DECIDE)
    holder, function = notice_holder(actor=actor, request=request, resident_id=resident_id)
    with transaction.atomic(durable=True):
        restriction = _lock(restriction_id)
        if restriction.state not in NOTICE_STATES[kind]:
            raise RestrictionInvalid(f"現在の状態（{restriction.get_state_display()}）では"
                                     f"{NoticeKind(kind).label}を発行できません。")
        reprint = RestrictionNotice.objects.filter(restriction=restriction, kind=kind).exists()
        notice = RestrictionNotice.objects.create(restriction=restriction, kind=kind, issued_on=today, reprint=reprint,
                                                  issued_by=actor)
        pdf = notice_render(notice, holder)
        access_log_write(actor=actor, request=request, function=function, channel="print",
                         person_ids=[restriction.resident_id])
        return notice, pdf
