"""The doctor's opinion as services (法 §27 第3項; DOMAIN.md 3.5): the master of institutions and
doctors, the request of an opinion (the case's 意見書依頼日; the first request moves the case on),
the daily marking of late ones for a reminder (督促), the reminder sent, the receipt with the items
the primary assessment reads (the case's 意見書受領日) and its fee (意見書作成料), and the
cancellation of a request (another doctor asked instead). Every write of a case's opinion checks
the actor's role and the resident's ward here (certification.scope). See
docs/subsystems/certification-opinion.md."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from certification.cases.models import Case
from certification.cases.services import CaseInvalid, case_lock, case_requested
from certification.opinion.models import Doctor, Institution, Opinion, OpinionFee
from certification.opinion.rules import (
    REMINDER_DAYS,
    CognitiveAbility,
    Communication,
    DementiaRank,
    Eating,
    NoTable,
    Setting,
    ShortTermMemory,
    Stability,
    fee_kind,
    opinion_fee,
)
from certification.rules.cases import OPEN_STATES, CaseKind
from certification.scope import require_certification_update, require_permission


def _day(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


# --- the master ------------------------------------------------------------------------------------


def doctor_create(*, actor, institution_code: str, institution_name: str, doctor_name: str) -> Doctor:
    """Add a doctor (and their institution when its code is new) to the master. The master serves
    every ward: ``certification.update`` without a ward (it names no applicant)."""
    require_permission(actor, "certification.update")
    code, inst_name, name = institution_code.strip(), institution_name.strip(), doctor_name.strip()
    problems = []
    if not (len(code) == 10 and code.isascii() and code.isdigit()):
        problems.append("医療機関コードは10桁の数字で入力してください。")
    if not name:
        problems.append("医師の氏名を入力してください。")
    if problems:
        raise CaseInvalid(problems)
    with transaction.atomic(durable=True):
        institution = Institution.objects.filter(code=code).first()
        if institution is None:
            if not inst_name:
                raise CaseInvalid("新しい医療機関の名称を入力してください。")
            institution = Institution.objects.create(code=code, name=inst_name[:100])
        try:
            with transaction.atomic():
                return Doctor.objects.create(institution=institution, name=name[:60], created_by=actor)
        except IntegrityError:
            raise CaseInvalid("この医療機関にはその医師が登録済みです。") from None


# --- request, reminder, cancellation ----------------------------------------------------------------


def _open_opinion(case: Case) -> Opinion | None:
    return Opinion.objects.select_for_update().filter(case=case, received_on__isnull=True,
                                                      cancelled_on__isnull=True).first()


def opinion_request(*, actor, case_id: int, doctor_id: int, requested_on: date,
                    today: date | None = None) -> Opinion:
    """Ask a doctor for the opinion of a case (法 §27 第3項: the insurer asks the applicant's
    主治医). Sets the case's 意見書依頼日 (the first request's day) and moves a received case on
    (case_requested). Refused for a carry-over (法 §36: no opinion), a closed case, an open
    request already waiting, a day before the application or in the future."""
    today = today or timezone.localdate()
    with transaction.atomic(durable=True):
        case = case_lock(case_id)
        require_certification_update(actor, case.resident_id)
        problems = []
        if case.kind == CaseKind.CARRY_OVER:
            problems.append("受給資格証明書による申請では、主治医意見書の依頼は不要です（法第36条）。")
        elif case.state not in OPEN_STATES:
            problems.append("処理中の案件だけに意見書を依頼できます。")
        if requested_on > today:
            problems.append("依頼日に未来の日付は入力できません。")
        elif requested_on < case.applied_on:
            problems.append(f"依頼日は申請日（{_day(case.applied_on)}）以降の日付を入力してください。")
        doctor = Doctor.objects.filter(pk=doctor_id, active=True).first()
        if doctor is None:
            problems.append("依頼先の医師を選んでください。")
        if _open_opinion(case) is not None:
            problems.append("この案件には回答待ちの依頼があります。別の医師に依頼するときは、先に依頼を取り消してください。")
        if problems:
            raise CaseInvalid(problems)
        opinion = Opinion.objects.create(case=case, doctor=doctor, requested_on=requested_on, requested_by=actor)
        if case.opinion_requested_on is None:
            case.opinion_requested_on = requested_on
            case.save(update_fields=["opinion_requested_on", "updated_at"])
        case_requested(case, actor=actor)
        return opinion


def reminder_days() -> int:
    """Days after the request (or the last reminder) an opinion is due for a reminder: the setting
    KAIGO_OPINION_REMINDER_DAYS, else certification.opinion.rules.REMINDER_DAYS."""
    return int(getattr(settings, "KAIGO_OPINION_REMINDER_DAYS", None) or REMINDER_DAYS)


def opinions_mark_late(*, today: date | None = None, days: int | None = None) -> int:
    """The daily job (certification.opinion.tasks.opinions_late_daily): mark every opinion of an
    open case not received ``days`` days (reminder_days()) after its request or its last reminder
    as due for a reminder, for the clerks' reminder list (督促一覧). Marks each once per reminder
    round; returns how many it marked. Acts for the city: no actor."""
    from datetime import timedelta

    today = today or timezone.localdate()
    days = reminder_days() if days is None else days
    limit = today - timedelta(days=days)
    with transaction.atomic(durable=True):
        waiting = Opinion.objects.filter(received_on__isnull=True, cancelled_on__isnull=True,
                                         reminder_due_on__isnull=True, case__state__in=list(OPEN_STATES))
        never = waiting.filter(reminded_on__isnull=True, requested_on__lte=limit)
        again = waiting.filter(reminded_on__isnull=False, reminded_on__lte=limit)
        return never.update(reminder_due_on=today) + again.update(reminder_due_on=today)


def _opinion_locked(opinion_id: int) -> tuple[Opinion, Case]:
    opinion = Opinion.objects.select_for_update().get(pk=opinion_id)
    return opinion, case_lock(opinion.case_id)


def opinion_remind(*, actor, opinion_id: int, reminded_on: date, today: date | None = None) -> Opinion:
    """Record a reminder sent to the doctor (督促): it leaves the reminder list until it is late again."""
    today = today or timezone.localdate()
    with transaction.atomic(durable=True):
        opinion, case = _opinion_locked(opinion_id)
        require_certification_update(actor, case.resident_id)
        problems = []
        if opinion.received_on is not None or opinion.cancelled_on is not None:
            problems.append("受領済みまたは取消済みの依頼には督促できません。")
        if reminded_on > today or reminded_on < opinion.requested_on:
            problems.append("督促日は依頼日から本日までの日付を入力してください。")
        if problems:
            raise CaseInvalid(problems)
        opinion.reminded_on, opinion.reminder_due_on = reminded_on, None
        opinion.reminders += 1
        opinion.save(update_fields=["reminded_on", "reminder_due_on", "reminders"])
        return opinion


def opinion_cancel(*, actor, opinion_id: int, on: date, reason: str, today: date | None = None) -> Opinion:
    """Cancel a request not yet answered (the doctor declines, another doctor is asked instead):
    kept with the reason, never deleted."""
    today = today or timezone.localdate()
    with transaction.atomic(durable=True):
        opinion, case = _opinion_locked(opinion_id)
        require_certification_update(actor, case.resident_id)
        problems = []
        if opinion.received_on is not None or opinion.cancelled_on is not None:
            problems.append("受領済みまたは取消済みの依頼は取り消せません。")
        if not reason.strip():
            problems.append("取消の理由を入力してください。")
        if on > today or on < opinion.requested_on:
            problems.append("取消日は依頼日から本日までの日付を入力してください。")
        if problems:
            raise CaseInvalid(problems)
        opinion.cancelled_on, opinion.cancel_reason, opinion.reminder_due_on = on, reason.strip()[:200], None
        opinion.save(update_fields=["cancelled_on", "cancel_reason", "reminder_due_on"])
        return opinion


# --- receipt ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Receipt:
    """What the clerk enters from the opinion that arrived (codes of certification.opinion.rules)."""

    received_on: date
    written_on: date
    dementia_rank: str
    short_term_memory: str
    cognitive_ability: str
    communication: str
    eating: str
    stability: str
    setting: str  # 在宅 / 施設: the fee's row
    continuing: bool  # 継続 (the doctor wrote this person's opinion before) or 新規
    specified_disease: str = ""  # 第2号: the 特定疾病 the diagnosis confirms


_CHOICES = (("dementia_rank", DementiaRank, "認知症高齢者の日常生活自立度"), ("short_term_memory", ShortTermMemory, "短期記憶"),
            ("cognitive_ability", CognitiveAbility, "認知能力"), ("communication", Communication, "伝達能力"),
            ("eating", Eating, "食事行為"), ("stability", Stability, "症状の安定性"), ("setting", Setting, "在宅・施設の別"))


def continuing_for(resident_id: int, doctor_id: int) -> bool:
    """Whether the doctor has written an opinion of this person before (the fee's 継続 row)."""
    return Opinion.objects.filter(case__resident_id=resident_id, doctor_id=doctor_id,
                                  received_on__isnull=False).exists()


def opinion_receive(*, actor, opinion_id: int, receipt: Receipt, today: date | None = None) -> Opinion:
    """Record the opinion that arrived: its items, the case's 意見書受領日 (the first receipt's day)
    and its fee (意見書作成料) by the fee table and tax rate in force on the day received. A 第2号
    applicant's opinion must confirm a 特定疾病 (法 §7 第3項第2号, 施行令 第2条)."""
    today = today or timezone.localdate()
    r = receipt
    with transaction.atomic(durable=True):
        opinion, case = _opinion_locked(opinion_id)
        require_certification_update(actor, case.resident_id)
        problems = []
        if opinion.received_on is not None:
            problems.append("この意見書は受領済みです。")
        elif opinion.cancelled_on is not None:
            problems.append("取り消した依頼の意見書は受領できません。")
        if case.state not in OPEN_STATES:
            problems.append("処理中の案件だけに意見書を受領できます。")
        if r.received_on > today:
            problems.append("受領日に未来の日付は入力できません。")
        elif r.received_on < opinion.requested_on:
            problems.append(f"受領日は依頼日（{_day(opinion.requested_on)}）以降の日付を入力してください。")
        if r.written_on > r.received_on:
            problems.append("記入日は受領日以前の日付を入力してください。")
        for name, choices, label in _CHOICES:
            if getattr(r, name) not in choices.values:
                problems.append(f"{label}を選んでください。")
        if case.second_class and not r.specified_disease:
            problems.append("第2号被保険者の意見書では、診断された特定疾病を選んでください（施行令第2条）。")
        if r.specified_disease and not case.second_class:
            problems.append("特定疾病の診断は第2号被保険者の意見書だけに入力します。")
        if problems:
            raise CaseInvalid(problems)
        try:
            fee = opinion_fee(fee_kind(r.setting, continuing=r.continuing), r.received_on)
        except NoTable:
            raise CaseInvalid("受領日に適用する意見書作成料の料金表がありません。") from None
        opinion.received_on, opinion.received_by, opinion.written_on = r.received_on, actor, r.written_on
        opinion.reminder_due_on = None
        for name in ("dementia_rank", "short_term_memory", "cognitive_ability", "communication", "eating",
                     "stability", "specified_disease"):
            setattr(opinion, name, getattr(r, name))
        opinion.save()
        OpinionFee.objects.create(opinion=opinion, kind=fee.kind, setting=r.setting, base=fee.base,
                                  tax_rate=fee.tax_rate, tax=fee.tax, total=fee.total, table_from=fee.table_from,
                                  recorded_by=actor)
        if case.opinion_received_on is None:
            case.opinion_received_on = r.received_on
            case.save(update_fields=["opinion_received_on", "updated_at"])
        return opinion
