"""Decisions of certification as services: the entry of the board's result (二次判定, Move.REVIEW),
the decision (認定, Move.DECIDE) that makes the Certification with its validity (certification.
rules.validity) and ends the one it replaces, the decision of a carry-over (法 §36, Move.CARRY_OVER),
the cancellation of a certification (取消, 法 §31), its lapse when the person loses qualification,
and the issue of the notices (認定結果通知書, 認定延期通知書).

Every write locks the case (certification.cases.services.case_lock) and checks its state after the
lock: two clerks deciding the same case at once, the second waits and is then refused. Role and
ward are checked here (certification.scope). Each decision, change and end publishes its outbox
event in the same transaction, once (dedupe keys below; docs/subsystems/outbox.md).
See docs/subsystems/certification-decisions.md."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from certification.cases.models import Case, ReceivedPaper
from certification.cases.services import case_lock, case_move
from certification.decisions.models import (
    BoardResult,
    Certification,
    CertificationEnd,
    NoticeIssue,
    NoticeKind,
)
from certification.rules.cases import CaseKind, CaseState, Move, PaperKind
from certification.rules.designations import SERVICE_KINDS, board_result_problems
from certification.rules.levels import CERTIFIED_LEVELS, Level, is_same_level
from certification.rules.validity import (
    Validity,
    carry_over_period,
    has_validity,
    months_problem,
    validity_period,
)
from certification.scope import require_certification_update
from kaigo.errors import ProblemsError
from kaigo.outbox.services import NewEvent, publish

DECIDE = "certification.decide"
TOPIC_DECIDED = "certification.decided"
TOPIC_CHANGED = "certification.changed"
TOPIC_ENDED = "certification.ended"
ALREADY_DECIDED = "この案件はすでに認定されています（他の職員が先に決定しました）。画面を開き直して確認してください。"


class DecisionInvalid(ProblemsError):
    code = "certification_decision_invalid"


@dataclass(frozen=True)
class BoardEntry:
    """What the clerk enters from the board's minutes (二次判定)."""

    level: str
    months: int | None
    reviewed_on: date
    level_reason: str = ""
    board_opinion: str = ""
    designated_services: tuple[str, ...] = ()


@dataclass(frozen=True)
class CarryOverEntry:
    """What the clerk copies from the 受給資格証明書 (法 §36)."""

    level: str
    certificate_valid_to: date | None
    board_opinion: str = ""
    designated_services: tuple[str, ...] = ()


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def _same_level_as_before(case: Case, level: str) -> bool:
    previous_level = Certification.objects.filter(pk=case.previous_id).values_list("level", flat=True).first()
    return is_same_level(previous_level, level)


def _refuse_closed(case: Case, expected: str) -> None:
    if case.state == CaseState.DECIDED:
        raise DecisionInvalid(ALREADY_DECIDED)
    if case.state != expected:
        label = dict(CaseState.choices).get(case.state, case.state)
        raise DecisionInvalid(f"現在の状態（{label}）ではこの操作はできません。")


# --- the board's result --------------------------------------------------------------------------------


def board_result_enter(*, actor, case_id: int, entry: BoardEntry, today: date | None = None) -> BoardResult:
    """Enter the board's result for a case awaiting its board (SCHEDULED), moving it to REVIEWED.

    The level differs from the primary result only with a reason; the months lie in the range of
    the case's kind (施行規則 第38条, 第41条: certification.rules.validity) — for a renewal the range
    depends on whether the level is the previous one; 非該当 has no months; designated service
    types (法 §37) from the list; no result without the doctor's opinion received (法 §27 第3項).
    DecisionInvalid with every problem; nothing is written then."""
    today = _today(today)
    with transaction.atomic(durable=True):
        case = case_lock(case_id)
        require_certification_update(actor, case.resident_id, permission=DECIDE)
        _refuse_closed(case, CaseState.SCHEDULED)
        services = list(dict.fromkeys(entry.designated_services))
        problems = board_result_problems(level=entry.level, primary_level=case.primary_level,
                                         level_reason=entry.level_reason, services=services,
                                         reviewed_on=entry.reviewed_on, applied_on=case.applied_on, today=today)
        if case.opinion_received_on is None:
            problems.append("主治医意見書の受領が記録されていないため、二次判定を入力できません（法第27条第3項）。")
        months = None
        if entry.level in CERTIFIED_LEVELS:
            months = entry.months
            problem = months_problem(case.kind, months, same_level=_same_level_as_before(case, entry.level))
            if problem:
                problems.append(problem)
        if problems:
            raise DecisionInvalid(problems)
        result, _ = BoardResult.objects.update_or_create(case=case, defaults={
            "level": entry.level, "level_reason": entry.level_reason.strip()[:400], "months": months,
            "board_opinion": entry.board_opinion.strip()[:400], "designated_services": services,
            "reviewed_on": entry.reviewed_on, "entered_by": actor})
        case_move(case, Move.REVIEW, actor=actor, note=Level(entry.level).label)
        return result


# --- the decision ----------------------------------------------------------------------------------------


def _payload(cert: Certification, case_kind: str, **more) -> dict:
    """What the events carry: numbers, codes and dates only (no names)."""
    return {"certification": cert.pk, "level": cert.level,
            "valid_from": cert.valid_from.isoformat() if cert.valid_from else None,
            "valid_to": cert.valid_to.isoformat() if cert.valid_to else None, "case_kind": case_kind, **more}


def _ended_event(cert: Certification, case_kind: str) -> NewEvent:
    return NewEvent(TOPIC_ENDED, f"{TOPIC_ENDED}:{cert.pk}", cert.resident_id, cert.ended_on,
                    _payload(cert, case_kind, ended_on=cert.ended_on.isoformat(), end_reason=cert.end_reason))


def _end(cert: Certification, *, on: date, reason: str, note: str = "") -> Certification:
    cert.ended_on, cert.end_reason, cert.end_note = on, reason, note[:200]
    cert.save(update_fields=["ended_on", "end_reason", "end_note"])
    return cert


def _certify(case: Case, *, actor, level: str, validity: Validity | None, decided_on: date, board_opinion: str,
             services: list[str]) -> Certification:
    """The certification of a decided case, the end of the one it replaces, and their events."""
    cert = Certification.objects.create(
        resident_id=case.resident_id, case=case, level=level,
        valid_from=validity.valid_from if validity else None, valid_to=validity.valid_to if validity else None,
        decided_on=decided_on, board_opinion=board_opinion, designated_services=services, decided_by=actor)
    case.decided_on = decided_on
    case.save(update_fields=["decided_on", "updated_at"])
    events = [NewEvent(TOPIC_DECIDED, f"{TOPIC_DECIDED}:{cert.pk}", case.resident_id,
                       cert.valid_from or decided_on, _payload(cert, case.kind))]
    previous = (Certification.objects.select_for_update().filter(pk=case.previous_id, ended_on__isnull=True).first()
                if case.previous_id else None)
    if previous is not None:
        if validity is not None:  # a renewal or change certified: the previous ends where the new starts
            _end(previous, on=validity.valid_from, reason=CertificationEnd.SUPERSEDED)
            events.append(_ended_event(previous, case.kind))
        elif case.kind == CaseKind.RENEWAL and previous.valid_to:  # 非該当 on renewal: ends at its own end
            _end(previous, on=previous.valid_to + timedelta(days=1), reason=CertificationEnd.EXPIRED)
            events.append(_ended_event(previous, case.kind))
        # 非該当 on a 区分変更: the certification in force stays (its cancellation is 法 §31, below)
    if case.kind in (CaseKind.CHANGE, CaseKind.INSURER_CHANGE):
        events.append(NewEvent(TOPIC_CHANGED, f"{TOPIC_CHANGED}:{cert.pk}:change", case.resident_id,
                               cert.valid_from or decided_on,
                               _payload(cert, case.kind, cause="change", previous=case.previous_id)))
    publish(events)
    return cert


def decision_decide(*, actor, case_id: int, decided_on: date | None = None, today: date | None = None) -> Certification:
    """Decide a reviewed case (認定, Move.DECIDE): the Certification from its board result, with the
    validity of its kind (法 §27 第8項 from the application; 更新 法 §28 from the day after the
    previous end; 職権 法 §30 from the decision), decided_on on the case, the previous certification
    ended (SUPERSEDED) from the new start, and the events. 非該当 is recorded without a validity.
    Refused when the case is already decided (another clerk, at the same moment: the row lock makes
    the second wait and then see the first one's state)."""
    today = _today(today)
    decided_on = decided_on or today
    with transaction.atomic(durable=True):
        case = case_lock(case_id)
        require_certification_update(actor, case.resident_id, permission=DECIDE)
        _refuse_closed(case, CaseState.REVIEWED)
        result = BoardResult.objects.filter(case=case).first()
        problems = []
        if result is None:
            problems.append("二次判定の結果が入力されていません。")
        if case.opinion_received_on is None:
            problems.append("主治医意見書の受領が記録されていないため、認定できません（法第27条第3項）。")
        if decided_on > today:
            problems.append("認定日に未来の日付は入力できません。")
        elif result is not None and decided_on < result.reviewed_on:
            problems.append("認定日は二次判定日以後の日付を入力してください。")
        if problems:
            raise DecisionInvalid(problems)
        validity = None
        if has_validity(result.level):
            previous_to = Certification.objects.filter(pk=case.previous_id).values_list("valid_to", flat=True).first()
            if case.kind == CaseKind.RENEWAL and previous_to is None:
                raise DecisionInvalid("更新する前回の認定の有効期間がありません。")
            validity = validity_period(case.kind, months=result.months, applied_on=case.applied_on,
                                       decided_on=decided_on, previous_valid_to=previous_to)
        cert = _certify(case, actor=actor, level=result.level, validity=validity, decided_on=decided_on,
                        board_opinion=result.board_opinion, services=list(result.designated_services))
        case_move(case, Move.DECIDE, actor=actor, note=Level(result.level).label)
        return cert


def carry_over_decide(*, actor, case_id: int, entry: CarryOverEntry, decided_on: date | None = None,
                      today: date | None = None) -> Certification:
    """Decide a carry-over (法 §36, Move.CARRY_OVER) straight from RECEIVED: no survey, no opinion, no
    board; the level as the 受給資格証明書 shows it (entered by the clerk), the 受給資格証明書 received
    (registered on arrival), valid from the application date to the certificate's end (our choice:
    certification.rules.validity.carry_over_period)."""
    today = _today(today)
    decided_on = decided_on or today
    with transaction.atomic(durable=True):
        case = case_lock(case_id)
        require_certification_update(actor, case.resident_id, permission=DECIDE)
        _refuse_closed(case, CaseState.RECEIVED)
        problems = []
        if case.kind != CaseKind.CARRY_OVER:
            problems.append("受給資格証明書による認定は、転入（受給資格証明書）の申請だけです。")
        if not ReceivedPaper.objects.filter(case=case, kind=PaperKind.ELIGIBILITY_CERTIFICATE,
                                            cancelled_at__isnull=True).exists():
            problems.append("受給資格証明書の受領が登録されていません（法第36条）。書類の受付を先に登録してください。")
        if entry.level not in CERTIFIED_LEVELS:
            problems.append("受給資格証明書に記載の要介護状態区分（要支援1から要介護5）を選んでください。")
        services = list(dict.fromkeys(entry.designated_services))
        if any(s not in SERVICE_KINDS for s in services):
            problems.append("サービスの種類の指定に正しくない種類があります。")
        if decided_on > today or decided_on < case.applied_on:
            problems.append("認定日は申請日から本日までの日付を入力してください。")
        validity = carry_over_period(applied_on=case.applied_on, certificate_valid_to=entry.certificate_valid_to)
        if validity is None:
            problems.append("受給資格証明書の有効期間が申請日より前に終わっています。新規申請として受け付けてください。")
        if problems:
            raise DecisionInvalid(problems)
        cert = _certify(case, actor=actor, level=entry.level, validity=validity, decided_on=decided_on,
                        board_opinion=entry.board_opinion.strip()[:400], services=services)
        case_move(case, Move.CARRY_OVER, actor=actor, note=Level(entry.level).label)
        return cert


# --- cancellation and lapse ------------------------------------------------------------------------------


def certification_revoke(*, actor, certification_id: int, on: date, reason: str,
                         today: date | None = None) -> Certification:
    """Cancel a certification (認定の取消, 法 §31: the person no longer needs care, or refused the
    survey without good reason): it ends on ``on`` with the reason; events changed and ended."""
    today = _today(today)
    with transaction.atomic(durable=True):
        cert = Certification.objects.select_for_update().select_related("case").get(pk=certification_id)
        require_certification_update(actor, cert.resident_id, permission=DECIDE)
        problems = []
        if cert.ended_on is not None:
            problems.append("この認定はすでに終了しています。")
        if cert.level not in CERTIFIED_LEVELS:
            problems.append("非該当の決定は取り消せません。")
        if not reason.strip():
            problems.append("取消の理由を入力してください（法第31条）。")
        if on > today:
            problems.append("取消日に未来の日付は入力できません。")
        elif cert.valid_from and (on < cert.valid_from or (cert.valid_to and on > cert.valid_to)):
            problems.append("取消日は認定の有効期間内の日付を入力してください。")
        if problems:
            raise DecisionInvalid(problems)
        _end(cert, on=on, reason=CertificationEnd.REVOKED, note=reason.strip())
        publish([NewEvent(TOPIC_CHANGED, f"{TOPIC_CHANGED}:{cert.pk}:revoked", cert.resident_id, on,
                          _payload(cert, cert.case.kind, cause="revoked", ended_on=on.isoformat())),
                 _ended_event(cert, cert.case.kind)])
        return cert


def certifications_lapse_on_loss(*, resident_id: int, lost_on: date) -> list[Certification]:
    """The certifications of a person who lost qualification (death, 転出: 法 §11) lapse on the loss
    day (LAPSED, 失効): those not ended that run on that day or later. Called by the consumer of
    eligibility's qualification events, in its transaction; each publishes certification.ended."""
    lapsed = []
    for cert in (Certification.objects.select_for_update().select_related("case")
                 .filter(resident_id=resident_id, ended_on__isnull=True, level__in=list(CERTIFIED_LEVELS),
                         valid_to__gte=lost_on).order_by("valid_from")):
        lapsed.append(_end(cert, on=max(lost_on, cert.valid_from), reason=CertificationEnd.LAPSED))
    publish([_ended_event(cert, cert.case.kind) for cert in lapsed])
    return lapsed


# --- notices --------------------------------------------------------------------------------------------


def notice_issue(*, actor, request=None, case_id: int, kind: str, today: date | None = None) -> tuple[NoticeIssue, bytes]:
    """Issue a notice of a case and return its PDF: the result notice (認定結果通知書: sets the case's
    notified_on, 通知発送日) of a decided case, or the postponement notice (認定延期通知書) of a case
    whose postponement the core recorded (case_postpone). A second issue is a reprint (再発行). The
    print is logged (channel print) in the same transaction."""
    from audit.services import access_log_write
    from certification.decisions.selectors import notice_holder, notice_render

    today = _today(today)
    if kind not in (NoticeKind.RESULT, NoticeKind.POSTPONEMENT):
        raise DecisionInvalid("通知の種類が正しくありません。")
    resident_id = Case.objects.filter(pk=case_id).values_list("resident_id", flat=True).get()
    require_certification_update(actor, resident_id, permission=DECIDE)
    holder, function = notice_holder(actor=actor, request=request, resident_id=resident_id)
    with transaction.atomic(durable=True):
        case = case_lock(case_id)
        cert = Certification.objects.filter(case=case).first()
        if kind == NoticeKind.RESULT and (case.state != CaseState.DECIDED or cert is None):
            raise DecisionInvalid("認定の決定前には結果通知書を発行できません。")
        if kind == NoticeKind.POSTPONEMENT and case.postponed_on is None:
            raise DecisionInvalid("延期が記録されていないため、延期通知書を発行できません。")
        reprint = NoticeIssue.objects.filter(case=case, kind=kind).exists()
        issue = NoticeIssue.objects.create(resident_id=case.resident_id, case=case,
                                           certification=cert if kind == NoticeKind.RESULT else None, kind=kind,
                                           issued_on=today, reprint=reprint, issued_by=actor)
        if kind == NoticeKind.RESULT and case.notified_on is None:
            case.notified_on = today
            case.save(update_fields=["notified_on", "updated_at"])
        pdf = notice_render(issue, holder)
        access_log_write(actor=actor, request=request, function=function, channel="print",
                         person_ids=[case.resident_id])
        return issue, pdf
