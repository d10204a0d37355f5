"""Certification cases as services: taking an application (新規・更新・区分変更・職権・転入), the
moves of its state machine (certification.rules.cases.TRANSITIONS) each recorded as a CaseEvent,
the papers registered on arrival, the postponement (延期), withdrawal (取下げ), dismissal (却下)
and the end of a case when the person loses qualification. Every write checks the actor's role
and ward (certification.scope) here; refusals are Japanese messages without personal data.
See docs/subsystems/certification.md."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from certification.cases.models import (
    CASE_NUMBER_SEQUENCE,
    ApplicantKind,
    Case,
    CaseEvent,
    ReceivedPaper,
)
from certification.decisions.models import Certification
from certification.rules.cases import (
    OPEN_STATES,
    CaseKind,
    CaseState,
    Move,
    PaperKind,
    carry_over_last_day,
    decision_due,
    next_state,
    renewal_window,
)
from certification.rules.levels import CERTIFIED_LEVELS
from certification.scope import require_certification_update
from eligibility.codes import GainReason, InsuredClass, ResidenceStatus
from eligibility.qualification.rules import age_reached_on
from eligibility.qualification.selectors import history_rows
from eligibility.qualification.services import second_class_for_certification
from eligibility.residents.selectors import person_basics
from kaigo.db import number_allocate
from kaigo.errors import ProblemsError

STATE_LABELS = dict(CaseState.choices)
PROXY_KINDS = frozenset({ApplicantKind.CARE_MANAGER, ApplicantKind.SUPPORT_CENTRE, ApplicantKind.FACILITY,
                         ApplicantKind.OTHER})


class CaseInvalid(ProblemsError):
    code = "certification_case_invalid"


def _day(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


@dataclass(frozen=True)
class Application:
    """What the clerk enters when taking an application."""

    kind: str
    applied_on: date
    applicant_kind: str = ApplicantKind.SELF
    proxy_office: str = ""
    specified_disease: str = ""
    # papers handed over with the application, registered on arrival (申請書, 被保険者証, ...)
    papers: tuple[str, ...] = field(default=())


def current_certification(resident_id: int, on: date) -> Certification | None:
    """The person's certification in force on ``on`` (a certified level, not ended), if any."""
    return (Certification.objects.filter(resident_id=resident_id, level__in=list(CERTIFIED_LEVELS),
                                         valid_from__lte=on, valid_to__gte=on)
            .exclude(ended_on__lte=on).order_by("-valid_from").first())


def latest_certification(resident_id: int) -> Certification | None:
    """The person's last certification not ended early (a renewal continues it)."""
    return (Certification.objects.filter(resident_id=resident_id, level__in=list(CERTIFIED_LEVELS),
                                         ended_on__isnull=True)
            .order_by("-valid_to").first())


def _period_on(resident_id: int, day: date):
    """The person's current qualification period holding ``day`` (eligibility's history), or None."""
    return next((r for r in history_rows(resident_id)
                 if r.recorded_to is None and r.start <= day and (r.end is None or day < r.end)), None)


def _check(resident_id: int, a: Application, today: date) -> tuple[list[str], bool, Certification | None]:
    """Everything wrong with an application (messages), whether it is a 第2号 application that
    eligibility must record, and the certification it continues or changes."""
    problems: list[str] = []
    if a.kind not in CaseKind.values:
        return ["申請の種類を選んでください。"], False, None
    if a.applicant_kind not in ApplicantKind.values:
        problems.append("申請者を選んでください。")
    if a.applicant_kind in PROXY_KINDS and not a.proxy_office.strip():
        problems.append("申請代行の事業所・施設等の名称を入力してください。")
    if a.applied_on > today:
        problems.append("申請日に未来の日付は入力できません。")
    unknown = [p for p in a.papers if p not in PaperKind.values]
    if unknown:
        problems.append("受領した書類の種類が正しくありません。")
    basics = person_basics(resident_id)
    if basics.died_on is not None and basics.died_on < a.applied_on:
        problems.append("申請日より前に死亡されています。")
    period = _period_on(resident_id, a.applied_on)
    record_second = False
    second = period is not None and period.insured_class == InsuredClass.SECOND
    if period is None:
        aged_40_64 = age_reached_on(basics.birth_date, 40) <= a.applied_on < age_reached_on(basics.birth_date, 65)
        if (aged_40_64 and a.kind == CaseKind.NEW and basics.status == ResidenceStatus.RESIDENT):
            second = record_second = True  # 法 §9 第2号: recorded by eligibility with the application
        else:
            problems.append("申請日に介護保険の被保険者の資格がありません（資格を確認してください）。")
    if second and not a.specified_disease:
        problems.append("第2号被保険者の申請では、特定疾病（施行令第2条）を選んでください。")
    previous = None
    if a.kind == CaseKind.NEW:
        running = current_certification(resident_id, a.applied_on)
        if running is not None:
            problems.append("申請日に有効な認定があります。更新申請または区分変更申請として受け付けてください。")
    elif a.kind == CaseKind.RENEWAL:
        previous = latest_certification(resident_id)
        if previous is None:
            problems.append("更新する認定がありません。新規申請として受け付けてください。")
        else:
            first, last = renewal_window(previous.valid_to)
            if not first <= a.applied_on <= last:
                problems.append(f"更新申請は有効期間の満了日の60日前から満了日まで（{_day(first)}から{_day(last)}まで）に"
                                "受け付けます（施行規則第39条）。満了後は新規申請です。")
    elif a.kind in (CaseKind.CHANGE, CaseKind.INSURER_CHANGE):
        previous = current_certification(resident_id, a.applied_on)
        if previous is None:
            problems.append("申請日に有効な認定がないため、区分変更はできません。新規申請として受け付けてください。")
    elif a.kind == CaseKind.CARRY_OVER:
        if period is None or period.gain_reason != GainReason.MOVE_IN:
            problems.append("受給資格証明書による申請は、転入により資格を取得した方だけです。")
        elif a.applied_on > carry_over_last_day(period.start):
            problems.append(f"受給資格証明書による申請は資格取得日から14日以内（{_day(carry_over_last_day(period.start))}まで）"
                            "です（法第36条）。14日を過ぎた申請は新規申請（認定調査から）として受け付けてください。")
    return problems, record_second, previous


def case_number_next(applied_on: date) -> str:
    """The next case number: the application's year and a city-wide serial (no personal data;
    the board materials name a case by it)."""
    return f"{applied_on.year}-{number_allocate(CASE_NUMBER_SEQUENCE)[0]:06d}"


def case_open(*, actor, resident_id: int, application: Application, today: date | None = None) -> Case:
    """Take an application (or start an insurer-initiated change, 法 §30) for a person.

    Checks the kind against the person's qualification and certifications (法 §27 新規, §28 更新 in
    the window of 施行規則 第39条, §29 区分変更, §36 転入 within 14 days), a 第2号 applicant's 特定疾病
    (施行令 第2条) and records their 第2号 qualification through eligibility (法 §9 第2号), registers
    the papers handed over, in one transaction. CaseInvalid with every problem; NotPermitted
    outside the actor's role or ward (checked here)."""
    today = today or timezone.localdate()
    require_certification_update(actor, resident_id)
    a = application
    with transaction.atomic(durable=True):
        problems, record_second, previous = _check(resident_id, a, today)
        if problems:
            raise CaseInvalid(problems)
        if record_second:
            second_class_for_certification(actor=actor, resident_id=resident_id, applied_on=a.applied_on,
                                           today=today)
        open_case = Case.objects.filter(resident_id=resident_id, state__in=list(OPEN_STATES)).first()
        if open_case is not None:
            raise CaseInvalid(f"この方には処理中の申請（案件番号 {open_case.number}）があります。"
                              "取下げまたは決定の後に受け付けてください。")
        try:
            with transaction.atomic():
                case = Case.objects.create(
                    number=case_number_next(a.applied_on), resident_id=resident_id,
                    ward=person_basics(resident_id).ward, kind=a.kind,
                    second_class=record_second or _second(resident_id, a.applied_on),
                    specified_disease=a.specified_disease, applicant_kind=a.applicant_kind,
                    proxy_office=a.proxy_office.strip()[:100], previous=previous, applied_on=a.applied_on,
                    received_by=actor)
        except IntegrityError:  # another clerk took an application of the same person meanwhile
            raise CaseInvalid("この方には処理中の申請があります（同時に受け付けられました）。") from None
        CaseEvent.objects.create(case=case, move=Move.RECEIVE, from_state=CaseState.RECEIVED,
                                 to_state=CaseState.RECEIVED, actor=actor)
        for kind in dict.fromkeys(a.papers):
            ReceivedPaper.objects.create(case=case, kind=kind, received_on=a.applied_on, received_by=actor)
    return case


def _second(resident_id: int, on: date) -> bool:
    period = _period_on(resident_id, on)
    return period is not None and period.insured_class == InsuredClass.SECOND


# --- the state machine -----------------------------------------------------------------------------


def case_lock(case_id: int) -> Case:
    """The case, its row locked until the end of the caller's transaction (two clerks acting on
    one case at once: the second waits, then sees the first one's state)."""
    return Case.objects.select_for_update().get(pk=case_id)


def case_move(case: Case, move: str, *, actor, note: str = "", on: date | None = None) -> Case:
    """Move a locked case (``case_lock``) by ``move``, in the caller's transaction: refused with
    CaseInvalid unless certification.rules.cases.TRANSITIONS allows it from the case's state;
    recorded as a CaseEvent (from, move, to, actor, time). Closing moves set ``closed_on``."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("case_move belongs inside the transaction that locked the case")
    target = next_state(case.state, move)
    if target is None:
        raise CaseInvalid(f"現在の状態（{STATE_LABELS.get(case.state, case.state)}）では"
                          f"「{Move(move).label}」はできません。")
    CaseEvent.objects.create(case=case, move=move, from_state=case.state, to_state=target, actor=actor,
                             note=note[:200])
    case.state = target
    fields = ["state", "updated_at"]
    if target in (CaseState.WITHDRAWN, CaseState.ENDED, CaseState.DISMISSED):
        case.closed_on, case.close_reason = on or timezone.localdate(), note[:200]
        fields += ["closed_on", "close_reason"]
    case.save(update_fields=fields)
    return case


def case_requested(case: Case, *, actor) -> Case:
    """The first request of a survey or an opinion moves a received case on (in the caller's
    transaction, the case locked): the survey's and the opinion's services call it."""
    if case.state == CaseState.RECEIVED:
        if case.kind == CaseKind.CARRY_OVER:
            raise CaseInvalid("受給資格証明書による申請では、認定調査・主治医意見書の依頼は不要です（法第36条）。")
        return case_move(case, Move.REQUEST, actor=actor)
    return case


def case_withdraw(*, actor, case_id: int, on: date, reason: str, today: date | None = None) -> Case:
    """The applicant withdraws the application (取下げ): the case closes on ``on`` with the reason."""
    today = today or timezone.localdate()
    with transaction.atomic(durable=True):
        case = case_lock(case_id)
        require_certification_update(actor, case.resident_id)
        problems = []
        if not reason.strip():
            problems.append("取下げの理由を入力してください。")
        if on > today or on < case.applied_on:
            problems.append("取下げ日は申請日から本日までの日付を入力してください。")
        if problems:
            raise CaseInvalid(problems)
        return case_move(case, Move.WITHDRAW, actor=actor, note=reason.strip(), on=on)


def case_dismiss(*, actor, case_id: int, on: date, reason: str, today: date | None = None) -> Case:
    """Dismiss the application (却下; e.g. 法 §27 第10項 ただし書: the person refused the survey
    without good reason): the case closes with the reason. ``certification.decide``."""
    today = today or timezone.localdate()
    with transaction.atomic(durable=True):
        case = case_lock(case_id)
        require_certification_update(actor, case.resident_id, permission="certification.decide")
        problems = []
        if not reason.strip():
            problems.append("却下の理由を入力してください。")
        if on > today or on < case.applied_on:
            problems.append("却下の日は申請日から本日までの日付を入力してください。")
        if problems:
            raise CaseInvalid(problems)
        return case_move(case, Move.DISMISS, actor=actor, note=reason.strip(), on=on)


def case_postpone(*, actor, case_id: int, on: date, reason: str, expected_by: date,
                  today: date | None = None) -> Case:
    """Record the postponement (延期通知, 法 §27 第11項 ただし書): the reason and the expected day of
    the decision (処理見込期間), notified to the applicant within the 30 days. A notice recorded
    after the 30th day is kept (the applicant must still be told) and the dashboard shows it as
    late. The notice itself: certification.decisions (延期通知書)."""
    today = today or timezone.localdate()
    with transaction.atomic(durable=True):
        case = case_lock(case_id)
        require_certification_update(actor, case.resident_id)
        problems = []
        if case.state not in OPEN_STATES:
            problems.append("処理中の案件だけを延期できます。")
        if not reason.strip():
            problems.append("延期の理由を入力してください。")
        if on > today or on < case.applied_on:
            problems.append("延期通知日は申請日から本日までの日付を入力してください。")
        if expected_by <= decision_due(case.applied_on):
            problems.append(f"処理見込みの日は申請日から30日（{_day(decision_due(case.applied_on))}）より後の日付を入力して"
                            "ください（30日以内に決定できる場合は延期通知は不要です）。")
        if problems:
            raise CaseInvalid(problems)
        case.postponed_on, case.postponement_reason, case.expected_by = on, reason.strip()[:200], expected_by
        case.save(update_fields=["postponed_on", "postponement_reason", "expected_by", "updated_at"])
        return case


def cases_end_on_loss(*, resident_id: int, lost_on: date, reason: str) -> list[Case]:
    """Close every open case of a person who lost qualification (death, 転出: 法 §11; the
    certification process ends with the qualification). Called by the consumer of eligibility's
    qualification events, in its transaction; the case's event names no actor."""
    closed = []
    for case in Case.objects.select_for_update().filter(resident_id=resident_id, state__in=list(OPEN_STATES)):
        closed.append(case_move(case, Move.END, actor=None, note=reason, on=lost_on))
    return closed


# --- papers ------------------------------------------------------------------------------------------


def paper_receive(*, actor, case_id: int, kind: str, received_on: date, note: str = "",
                  today: date | None = None) -> ReceivedPaper:
    """Register a paper on its arrival (受付): what, the day it arrived, who received it."""
    today = today or timezone.localdate()
    with transaction.atomic(durable=True):
        case = case_lock(case_id)
        require_certification_update(actor, case.resident_id)
        problems = []
        if kind not in PaperKind.values:
            problems.append("書類の種類を選んでください。")
        if received_on > today:
            problems.append("受領日に未来の日付は入力できません。")
        if kind == PaperKind.OTHER and not note.strip():
            problems.append("「その他」の書類は備考に内容を入力してください。")
        if problems:
            raise CaseInvalid(problems)
        return ReceivedPaper.objects.create(case=case, kind=kind, received_on=received_on, received_by=actor,
                                            note=note.strip()[:200])


def paper_cancel(*, actor, paper_id: int, reason: str) -> ReceivedPaper:
    """Cancel a paper registered by mistake (kept, marked with the reason; never deleted)."""
    with transaction.atomic(durable=True):
        paper = ReceivedPaper.objects.select_for_update().select_related("case").get(pk=paper_id)
        require_certification_update(actor, paper.case.resident_id)
        if paper.cancelled_at is not None:
            raise CaseInvalid("この書類の登録は取消済みです。")
        if not reason.strip():
            raise CaseInvalid("取消の理由を入力してください。")
        paper.cancelled_at, paper.cancel_reason = timezone.now(), reason.strip()[:200]
        paper.save(update_fields=["cancelled_at", "cancel_reason"])
        return paper
