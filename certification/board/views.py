"""Screens of the review board (介護認定審査会): the sessions with the panels and members
(``certification:board_sessions``), a session with its cases (``certification:board_session``) and
its materials as PDF. Reads through certification.board.selectors (cases logged), writes through
certification.board.services (which check role and ward)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from certification.board import selectors
from certification.board.forms import (
    AssignForm,
    MemberForm,
    MoveForm,
    PanelForm,
    SessionForm,
    UnassignForm,
)
from certification.board.services import (
    case_assign,
    case_unassign,
    member_appoint,
    panel_create,
    session_create,
    session_move,
)
from kaigo.forms import form_run
from kaigo.shell.permissions import permission_required
from kaigo.shell.responses import pdf_response

BOARD = "certification.board"


def _board_forms(action=None, data=None):
    """The page's three forms, only the one sent (``action``) bound to the POST."""
    panels, members = selectors.panel_choices(), selectors.member_choices()
    return {
        "panel": PanelForm(data if action == "panel" else None, prefix="panel"),
        "member": MemberForm(data if action == "member" else None, prefix="member", panels=panels, members=members),
        "session": SessionForm(data if action == "session" else None, prefix="session", panels=panels,
                               members=members),
    }


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required(BOARD)
def board_sessions(request):
    action = request.POST.get("action") if request.method == "POST" else None
    if action not in ("panel", "member", "session"):
        action = None
    forms = _board_forms(action, request.POST)
    if action == "panel":
        done = form_run(forms["panel"], lambda d: panel_create(
            actor=request.user, name=d["name"], size=d["size"], reduced_reason=d.get("reduced_reason") or ""))
        if done:
            messages.success(request, "合議体を登録しました。")
            return redirect("certification:board_sessions")
    elif action == "member":
        done = form_run(forms["member"], lambda d: member_appoint(
            actor=request.user, name=d["name"], field=d["field"], profession=d["profession"],
            term_start=d["term_start"], term_end_on=d.get("term_end"), panel_id=d.get("panel"),
            predecessor_id=d.get("predecessor")))
        if done:
            messages.success(request, "委員を登録しました。")
            return redirect("certification:board_sessions")
    elif action == "session":
        done = form_run(forms["session"], lambda d: session_create(
            actor=request.user, panel_id=d["panel"], held_on=d["held_on"], place=d["place"],
            attending=d["attending"], starts_at=d.get("starts_at"), capacity=d.get("capacity")))
        if done:
            messages.success(request, "審査会の開催を登録しました。")
            return redirect("certification:board_session", session_id=done.pk)
    sent = [f for key, f in forms.items() if key == action]
    return render(request, "certification/board/sessions.html", {
        "board": selectors.board_overview(actor=request.user), "forms": forms, "sent": sent, "action": action,
    }, status=400 if any(f.errors for f in sent) else 200)


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required(BOARD)
def board_session(request, session_id: int):
    action = request.POST.get("action") if request.method == "POST" else None
    data = request.POST if action else None
    assign = AssignForm(data if action == "assign" else None, prefix="assign")
    unassign = UnassignForm(data if action == "unassign" else None, prefix="unassign")
    move = MoveForm(data if action == "move" else None, prefix="move")
    if action == "assign":
        done = form_run(assign, lambda d: case_assign(actor=request.user, session_id=session_id, case_id=d["case"]))
        if done:
            messages.success(request, f"案件番号 {done.case.number} を審査順{done.sequence}番に割り当てました。")
            return redirect("certification:board_session", session_id=session_id)
    elif action == "unassign":
        done = form_run(unassign, lambda d: case_unassign(actor=request.user, session_id=session_id,
                                                          case_id=d["case"], reason=d["reason"]))
        if done:
            messages.success(request, "割当を取り消しました。")
            return redirect("certification:board_session", session_id=session_id)
    elif action == "move":
        done = form_run(move, lambda d: session_move(actor=request.user, session_id=session_id,
                                                     held_on=d["held_on"], reason=d["reason"]))
        if done:
            messages.success(request, "開催日を変更しました。割り当てていた案件は割当を取り消しました。")
            return redirect("certification:board_session", session_id=session_id)
    page = selectors.session_page(actor=request.user, request=request, session_id=session_id)
    unassign.offer([(c.case_id, f"審査順{c.sequence} 案件番号 {c.number}") for c in page.cases if c.in_scope])
    sent = [f for f in (assign, unassign, move) if f.is_bound]
    return render(request, "certification/board/session.html", {
        "page": page, "assign": assign, "unassign": unassign, "move": move, "today": timezone.localdate(),
        "versions": [(v, selectors.version_label(v)) for v in selectors.VERSIONS],
    }, status=400 if any(f.errors for f in sent) else 200)


@never_cache
@require_GET
@permission_required(BOARD)
def board_materials(request, session_id: int, version: str):
    pdf = selectors.session_materials_pdf(actor=request.user, request=request, session_id=session_id,
                                          version=version)
    return pdf_response(pdf, f"board-{session_id}-{version}.pdf")
