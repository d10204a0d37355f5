"""A certification case (認定申請案件): its kinds, its states and the transitions allowed between
them, the windows in which an application may be made, and the papers it needs.

A case is a small explicit state machine: ``TRANSITIONS`` is the whole of it, as data; the
service that moves a case (certification.cases.services.case_move) refuses every other move and
records each one as an event with its actor and time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import models


class CaseKind(models.TextChoices):
    """申請の種類 (DOMAIN.md 3.2)."""

    NEW = "new", "新規申請"  # 法 §27
    RENEWAL = "renewal", "更新申請"  # 法 §28
    CHANGE = "change", "区分変更申請"  # 法 §29
    INSURER_CHANGE = "insurer_change", "職権による区分変更"  # 法 §30
    CARRY_OVER = "carry_over", "転入（受給資格証明書）"  # 法 §36


class CaseState(models.TextChoices):
    RECEIVED = "received", "受付"
    IN_PROGRESS = "in_progress", "調査・意見書待ち"
    ASSESSED = "assessed", "一次判定済"
    SCHEDULED = "scheduled", "審査会待ち"
    REVIEWED = "reviewed", "二次判定済"
    DECIDED = "decided", "認定済"
    WITHDRAWN = "withdrawn", "取下げ"
    ENDED = "ended", "終了（死亡・転出等）"
    DISMISSED = "dismissed", "却下"


OPEN_STATES = frozenset({CaseState.RECEIVED, CaseState.IN_PROGRESS, CaseState.ASSESSED, CaseState.SCHEDULED,
                         CaseState.REVIEWED})
CLOSED_STATES = frozenset({CaseState.DECIDED, CaseState.WITHDRAWN, CaseState.ENDED, CaseState.DISMISSED})


class Move(models.TextChoices):
    """What moves a case (the event's name)."""

    RECEIVE = "receive", "申請の受付"
    REQUEST = "request", "調査・意見書の依頼"
    ASSESS = "assess", "一次判定"
    RESURVEY = "resurvey", "再調査"
    SCHEDULE = "schedule", "審査会への割当"
    UNSCHEDULE = "unschedule", "審査会の割当の取消"
    REVIEW = "review", "二次判定の入力"
    REVIEW_UNDO = "review_undo", "二次判定の取消（再審査）"
    DECIDE = "decide", "認定"
    CARRY_OVER = "carry_over", "受給資格証明書による認定"
    WITHDRAW = "withdraw", "申請の取下げ"
    END = "end", "資格喪失（死亡・転出等）による終了"
    DISMISS = "dismiss", "却下"


_CLOSERS = {Move.WITHDRAW: CaseState.WITHDRAWN, Move.END: CaseState.ENDED, Move.DISMISS: CaseState.DISMISSED}

# (state, move) -> next state: every transition a case may make, and no other. (A case is created in
# RECEIVED by the move RECEIVE, which is not a transition.)
TRANSITIONS: dict[tuple[str, str], str] = {
    (CaseState.RECEIVED, Move.REQUEST): CaseState.IN_PROGRESS,
    # 法 §36: a person moving in with a 受給資格証明書 is certified without survey and board
    (CaseState.RECEIVED, Move.CARRY_OVER): CaseState.DECIDED,
    (CaseState.IN_PROGRESS, Move.ASSESS): CaseState.ASSESSED,
    (CaseState.ASSESSED, Move.ASSESS): CaseState.ASSESSED,  # a new primary result replaces the last
    (CaseState.ASSESSED, Move.RESURVEY): CaseState.IN_PROGRESS,
    (CaseState.ASSESSED, Move.SCHEDULE): CaseState.SCHEDULED,
    (CaseState.SCHEDULED, Move.UNSCHEDULE): CaseState.ASSESSED,
    (CaseState.SCHEDULED, Move.REVIEW): CaseState.REVIEWED,
    (CaseState.REVIEWED, Move.REVIEW_UNDO): CaseState.SCHEDULED,
    (CaseState.REVIEWED, Move.DECIDE): CaseState.DECIDED,
    **{(state, move): closed for state in OPEN_STATES for move, closed in _CLOSERS.items()},
}


def next_state(state: str, move: str) -> str | None:
    """The state ``move`` takes a case in ``state`` to, or None when the move is not allowed."""
    return TRANSITIONS.get((state, move))


def moves_from(state: str) -> list[str]:
    """The moves allowed from ``state``, in the order of ``Move``."""
    return [m for m in Move.values if (state, m) in TRANSITIONS]


# --- windows ---------------------------------------------------------------------------------------

RENEWAL_LEAD_DAYS = 60  # 施行規則 第39条 (更新の申請): 有効期間満了の日の60日前から
CARRY_OVER_DAYS = 14  # 法 §36: 被保険者となった日から14日以内
DECISION_DAYS = 30  # 法 §27 第11項: 申請のあった日から30日以内


def renewal_window(valid_to: date) -> tuple[date, date]:
    """The days on which a renewal (更新申請) may be made: 施行規則 第39条, from the 60th day before
    the end of the validity (満了の日の60日前) up to that end (法 §28 第2項)."""
    return valid_to - timedelta(days=RENEWAL_LEAD_DAYS), valid_to


def carry_over_last_day(gained_on: date) -> date:
    """The last day of an application with a 受給資格証明書 (法 §36): within 14 days of becoming
    insured here, the day of gain not counted (民法 §140), so the 14th day after it."""
    return gained_on + timedelta(days=CARRY_OVER_DAYS)


def decision_due(applied_on: date) -> date:
    """The last day of the decision (法 §27 第11項: 申請のあった日から30日以内に); the day of the
    application not counted (民法 §140), so the 30th day after it. By then either the decision or
    the postponement notice (延期通知, §27 第11項 ただし書) must have been made."""
    return applied_on + timedelta(days=DECISION_DAYS)


# --- papers ----------------------------------------------------------------------------------------


class PaperKind(models.TextChoices):
    """Papers that arrive for a case, registered on arrival."""

    APPLICATION = "application", "申請書"
    INSURANCE_CARD = "insurance_card", "被保険者証"
    MEDICAL_INSURANCE = "medical_insurance", "医療保険の被保険者証の写し"
    OPINION = "opinion", "主治医意見書"
    SURVEY = "survey", "認定調査票"
    ELIGIBILITY_CERTIFICATE = "eligibility_certificate", "受給資格証明書"
    OTHER = "other", "その他"


@dataclass(frozen=True)
class PaperNeed:
    kind: str
    why: str


def papers_needed(kind: str, *, second_class: bool) -> tuple[PaperNeed, ...]:
    """The papers a case of ``kind`` needs before its decision.

    施行規則 第35条 (新規の申請: 申請書 and the 被保険者証; a 第2号被保険者 shows the medical insurance
    instead, 第35条第1項・第3項), 第40条 (更新), 第42条/第43条 (区分変更); the 主治医意見書 (法 §27 第3項)
    and the survey (法 §27 第2項) for all but a carry-over, which needs the 受給資格証明書 (法 §36,
    施行規則 第52条). An insurer-initiated change (法 §30) has no application form."""
    card = (PaperNeed(PaperKind.MEDICAL_INSURANCE, "第2号被保険者の医療保険の確認（施行規則第35条）") if second_class
            else PaperNeed(PaperKind.INSURANCE_CARD, "被保険者証の添付（施行規則第35条）"))
    if kind == CaseKind.CARRY_OVER:
        return (PaperNeed(PaperKind.APPLICATION, "申請書"), card,
                PaperNeed(PaperKind.ELIGIBILITY_CERTIFICATE, "受給資格証明書（法第36条）"))
    survey = PaperNeed(PaperKind.SURVEY, "認定調査（法第27条第2項）")
    opinion = PaperNeed(PaperKind.OPINION, "主治医意見書（法第27条第3項）")
    if kind == CaseKind.INSURER_CHANGE:
        return (survey, opinion)
    return (PaperNeed(PaperKind.APPLICATION, "申請書"), card, survey, opinion)
