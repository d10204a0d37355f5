"""The review board's writes: panels (合議体), members and their terms, sessions with their
attendance (a quorum of the panel, 施行令 §9), and the assignment of cases to a session through
the case's state machine (Move.SCHEDULE / Move.UNSCHEDULE, certification.cases.services.case_move).

The board serves the whole city: its panels, members and sessions are written by any holder of
``certification.board``; a case is assigned or unassigned only by a clerk whose ward scope holds
the case's person (certification.scope). Refusals are Japanese messages without personal data
(and without members' names). See docs/subsystems/certification-board.md."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, time

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from certification.board.models import (
    BoardMember,
    BoardSession,
    Panel,
    SessionAttendance,
    SessionCase,
)
from certification.board.rules import (
    LARGEST_CAPACITY,
    MemberField,
    Seat,
    default_capacity,
    panel_size_problems,
    session_problems,
    term_end,
    term_problems,
    term_years,
)
from certification.cases.models import Case
from certification.cases.services import case_lock, case_move
from certification.rules.cases import CLOSED_STATES, CaseState, Move
from certification.scope import require_certification_update, require_permission
from kaigo.errors import ProblemsError

BOARD = "certification.board"


class BoardInvalid(ProblemsError):
    code = "certification_board_invalid"


def _day(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


# --- panels and members -------------------------------------------------------------------------------


def panel_create(*, actor, name: str, size: int = 5, reduced_reason: str = "") -> Panel:
    """A panel (合議体, 施行令 §9 第1項) of ``size`` members (第2項: 5 as the standard; fewer, never
    below 3, only with the reason the quality of the judgment is kept)."""
    require_permission(actor, BOARD)
    name = name.strip()
    problems = [] if name else ["合議体の名称を入力してください。"]
    problems += panel_size_problems(size, reduced_reason=reduced_reason)
    if problems:
        raise BoardInvalid(problems)
    with transaction.atomic(durable=True):
        if Panel.objects.filter(name=name).exists():
            raise BoardInvalid("同じ名称の合議体があります。")
        return Panel.objects.create(name=name[:40], size=size,
                                    reduced_reason=reduced_reason.strip()[:200] if size < 5 else "",
                                    created_by=actor)


def member_appoint(*, actor, name: str, field: str, profession: str, term_start: date,
                   term_end_on: date | None = None, panel_id: int | None = None,
                   predecessor_id: int | None = None) -> BoardMember:
    """Record a member appointed by the mayor (法 §15 第2項: 保健・医療・福祉の学識経験者) with their
    term (施行令 §6 第1項: the 条例's term from ``term_start`` unless ``term_end_on`` is given; a
    substitute, ``predecessor_id``, serves the rest of the predecessor's term)."""
    require_permission(actor, BOARD)
    name, profession = name.strip(), profession.strip()
    problems = []
    if not name:
        problems.append("委員の氏名を入力してください。")
    if field not in MemberField.values:
        problems.append("分野（保健・医療・福祉）を選んでください（介護保険法第15条第2項）。")
    if not profession:
        problems.append("職種を入力してください。")
    with transaction.atomic(durable=True):
        predecessor = None
        if predecessor_id is not None:
            predecessor = BoardMember.objects.filter(pk=predecessor_id).first()
            if predecessor is None:
                problems.append("前任の委員が見つかりません。")
        end = term_end_on
        if end is None:
            end = (predecessor.term_end if predecessor is not None
                   else term_end(term_start, years=term_years(term_start)))
        problems += term_problems(term_start, end,
                                  predecessor_end=predecessor.term_end if predecessor is not None else None)
        panel = None
        if panel_id is not None:
            panel = Panel.objects.filter(pk=panel_id).first()
            if panel is None:
                problems.append("合議体が見つかりません。")
        if problems:
            raise BoardInvalid(problems)
        return BoardMember.objects.create(name=name[:60], field=field, profession=profession[:40], panel=panel,
                                          term_start=term_start, term_end=end, predecessor=predecessor,
                                          created_by=actor)


def member_end(*, actor, member_id: int, ended_on: date) -> BoardMember:
    """A member leaves before the end of their term (辞任・解任): they sit no session from
    ``ended_on``; sessions planned from that day lose them and must keep their quorum."""
    require_permission(actor, BOARD)
    with transaction.atomic(durable=True):
        member = BoardMember.objects.select_for_update().get(pk=member_id)
        if member.ended_on is not None:
            raise BoardInvalid("この委員は退任済みです。")
        if not member.term_start <= ended_on <= member.term_end:
            raise BoardInvalid("退任日は任期中の日付を入力してください。")
        planned = list(BoardSession.objects.select_for_update()
                       .filter(held_on__gte=ended_on, attendance__member=member).order_by("held_on"))
        member.ended_on = ended_on
        member.save(update_fields=["ended_on"])
        for session in planned:
            SessionAttendance.objects.filter(session=session, member=member).delete()
            problems = _session_check(session.panel_id, session.held_on,
                                      list(session.attendance.values_list("member_id", flat=True)))
            if problems:
                raise BoardInvalid([f"{_day(session.held_on)}の審査会: " + p for p in problems]
                                   + ["先に出席委員を変更してください。"])
        return member


# --- sessions ------------------------------------------------------------------------------------------


def _seats(member_ids) -> list[Seat]:
    return [Seat(pk, panel_id, start, end, ended)
            for pk, panel_id, start, end, ended in BoardMember.objects.filter(pk__in=list(member_ids))
            .values_list("pk", "panel_id", "term_start", "term_end", "ended_on")]


def _session_check(panel_id: int, held_on: date, attending: Sequence[int]) -> list[str]:
    panel_members = _seats(BoardMember.objects.filter(panel_id=panel_id).values_list("pk", flat=True))
    if len(set(attending)) != len(_seats(attending)):
        return ["出席委員が見つかりません。"]
    return session_problems(panel_id=panel_id, panel_members=panel_members, attending=_seats(attending),
                            held_on=held_on)


def session_create(*, actor, panel_id: int, held_on: date, place: str, attending: Sequence[int],
                   starts_at: time | None = None, capacity: int | None = None,
                   today: date | None = None) -> BoardSession:
    """Plan a session of a panel: from today on, with members of the panel whose term covers the
    day, a majority of the panel attending (施行令 §9), and the cases it takes at most (the
    office's capacity table unless ``capacity`` is given)."""
    today = today or timezone.localdate()
    require_permission(actor, BOARD)
    place = place.strip()
    with transaction.atomic(durable=True):
        panel = Panel.objects.filter(pk=panel_id).first()
        if panel is None:
            raise BoardInvalid("合議体を選んでください。")
        problems = []
        if held_on < today:
            problems.append("開催日に過去の日付は入力できません。")
        if not place:
            problems.append("開催場所を入力してください。")
        capacity = capacity if capacity is not None else default_capacity(held_on)
        if not 1 <= capacity <= LARGEST_CAPACITY:
            problems.append(f"審査件数の上限は1件から{LARGEST_CAPACITY}件までで入力してください。")
        problems += _session_check(panel.pk, held_on, attending)
        if BoardSession.objects.filter(panel=panel, held_on=held_on).exists():
            problems.append("この合議体はその日に開催済み（予定）です。")
        if problems:
            raise BoardInvalid(problems)
        session = BoardSession.objects.create(panel=panel, held_on=held_on, starts_at=starts_at, place=place[:100],
                                              capacity=capacity, created_by=actor)
        SessionAttendance.objects.bulk_create(SessionAttendance(session=session, member_id=m)
                                              for m in dict.fromkeys(attending))
        return session


def _session_lock(session_id: int) -> BoardSession:
    return BoardSession.objects.select_for_update().get(pk=session_id)


def session_move(*, actor, session_id: int, held_on: date, reason: str, attending: Sequence[int] | None = None,
                 today: date | None = None) -> BoardSession:
    """Move a session to another day (and change its attendance): its cases are unassigned
    (Move.UNSCHEDULE, their 審査会開催日 cleared) for the clerks to assign them again, since the new
    day changes each case's deadline."""
    today = today or timezone.localdate()
    require_permission(actor, BOARD)
    with transaction.atomic(durable=True):
        session = _session_lock(session_id)
        if session.held_on < today:
            raise BoardInvalid("開催日を過ぎた審査会は変更できません。")
        attending = (list(session.attendance.values_list("member_id", flat=True)) if attending is None
                     else list(dict.fromkeys(attending)))
        problems = []
        if not reason.strip():
            problems.append("変更の理由を入力してください。")
        if held_on < today:
            problems.append("開催日に過去の日付は入力できません。")
        if held_on != session.held_on and BoardSession.objects.filter(panel_id=session.panel_id,
                                                                      held_on=held_on).exists():
            problems.append("この合議体はその日に開催済み（予定）です。")
        problems += _session_check(session.panel_id, held_on, attending)
        if problems:
            raise BoardInvalid(problems)
        if held_on != session.held_on:
            for row in SessionCase.objects.filter(session=session, removed_at__isnull=True).order_by("sequence"):
                _release(row, actor=actor, reason=f"審査会の日程変更（{reason.strip()}）"[:200])
        session.held_on = held_on
        session.save(update_fields=["held_on", "updated_at"])
        SessionAttendance.objects.filter(session=session).exclude(member_id__in=attending).delete()
        have = set(session.attendance.values_list("member_id", flat=True))
        SessionAttendance.objects.bulk_create(SessionAttendance(session=session, member_id=m)
                                              for m in attending if m not in have)
        return session


# --- cases of a session -------------------------------------------------------------------------------


def case_assign(*, actor, session_id: int, case_id: int, today: date | None = None) -> SessionCase:
    """Assign a case whose primary assessment is done (ASSESSED) to a session to come, as the last
    of its list: the case moves to SCHEDULED (Move.SCHEDULE) and its 審査会開催日 is the session's
    day. Refused beyond the session's capacity, for a session that has passed, or for a case
    outside the clerk's ward scope."""
    today = today or timezone.localdate()
    require_permission(actor, BOARD)
    with transaction.atomic(durable=True):
        session = _session_lock(session_id)
        case = case_lock(case_id)
        require_certification_update(actor, case.resident_id, permission=BOARD)
        problems = []
        if session.held_on < today:
            problems.append("開催日を過ぎた審査会には割り当てられません。")
        if case.state != CaseState.ASSESSED:
            problems.append("一次判定が済んだ案件（審査会への割当前）だけを割り当てられます。")
        active = SessionCase.objects.filter(session=session, removed_at__isnull=True)
        if active.exclude(case__state__in=list(CLOSED_STATES)).count() >= session.capacity:
            problems.append(f"この審査会の審査件数の上限（{session.capacity}件）に達しています。")
        if problems:
            raise BoardInvalid(problems)
        case_move(case, Move.SCHEDULE, actor=actor, note=f"{_day(session.held_on)} {session.panel.name}"[:200])
        case.board_on = session.held_on
        case.save(update_fields=["board_on", "updated_at"])
        sequence = (active.aggregate(m=Max("sequence"))["m"] or 0) + 1
        try:
            with transaction.atomic():
                return SessionCase.objects.create(session=session, case=case, sequence=sequence, assigned_by=actor)
        except IntegrityError:  # the case is on another session's list (not possible once ASSESSED was checked)
            raise BoardInvalid("この案件は他の審査会に割り当てられています。") from None


def _release(row: SessionCase, *, actor, reason: str) -> None:
    """Take a case off a session's list: a SCHEDULED case goes back to ASSESSED (Move.UNSCHEDULE)
    and its 審査会開催日 is cleared; a case closed meanwhile (withdrawn, ended) only leaves the list."""
    case = case_lock(row.case_id)
    if case.state == CaseState.SCHEDULED:
        case_move(case, Move.UNSCHEDULE, actor=actor, note=reason)
        case.board_on = None
        case.save(update_fields=["board_on", "updated_at"])
    elif case.state not in CLOSED_STATES:
        raise BoardInvalid("二次判定が入力された案件は割当を取り消せません（二次判定の取消が先です）。")
    row.removed_at, row.removed_by, row.remove_reason = timezone.now(), actor, reason[:200]
    row.save(update_fields=["removed_at", "removed_by", "remove_reason"])


def case_unassign(*, actor, session_id: int, case_id: int, reason: str) -> SessionCase:
    """Take a case off a session (its assignment kept with when, who and why): a scheduled case
    returns to ASSESSED (Move.UNSCHEDULE); a case withdrawn or ended meanwhile leaves the list."""
    require_permission(actor, BOARD)
    with transaction.atomic(durable=True):
        session = _session_lock(session_id)
        row = SessionCase.objects.select_for_update().filter(session=session, case_id=case_id,
                                                             removed_at__isnull=True).first()
        if row is None:
            raise BoardInvalid("この案件はこの審査会に割り当てられていません。")
        require_certification_update(actor, Case.objects.values_list("resident_id", flat=True).get(pk=case_id),
                                     permission=BOARD)
        if not reason.strip():
            raise BoardInvalid("割当を取り消す理由を入力してください。")
        _release(row, actor=actor, reason=reason.strip())
        return row
