"""Review-board records for the walks, the service inventory and the screen crawl: a panel with
five members in term, a session a week ahead, a case whose primary assessment is done (made-up
people only)."""

from __future__ import annotations

import itertools
import secrets
from datetime import date, timedelta

from django.db import transaction

_serial = itertools.count(1)
_RUN = secrets.randbelow(900_000) + 100_000  # panel names stay unique across runs on a kept database


def board_session(actor, *, days: int = 7):
    """A session of a new panel of five members (three attending), ``days`` from today."""
    from certification.board.services import member_appoint, panel_create, session_create

    n = next(_serial)
    panel = panel_create(actor=actor, name=f"試験合議体{_RUN}-{n}")
    start = date.today() - timedelta(days=30)
    ids = [member_appoint(actor=actor, name=f"委員 試験{n}-{i}", field="medical", profession="医師", term_start=start,
                          panel_id=panel.pk).pk for i in range(5)]
    return session_create(actor=actor, panel_id=panel.pk, held_on=date.today() + timedelta(days=days),
                          place="試験会議室", attending=ids[:3])


def assessed_case(actor, resident_id: int, *, level: str = "22"):
    """A new application of the resident, moved to ASSESSED with a primary level."""
    from certification.cases.services import Application, case_lock, case_move, case_open
    from certification.rules.cases import CaseKind, Move

    case = case_open(actor=actor, resident_id=resident_id,
                     application=Application(kind=CaseKind.NEW, applied_on=date.today() - timedelta(days=20)))
    with transaction.atomic():
        case = case_lock(case.pk)
        case_move(case, Move.REQUEST, actor=actor)
        case_move(case, Move.ASSESS, actor=actor)
        case.primary_level = level
        case.save(update_fields=["primary_level"])
    return case


def scheduled_case(actor, resident_id: int, session):
    from certification.board.services import case_assign

    case = assessed_case(actor, resident_id)
    case_assign(actor=actor, session_id=session.pk, case_id=case.pk)
    return case


def board_panel(actor, *, members: int = 5):
    """A new panel and its members in term (their ids)."""
    from certification.board.services import member_appoint, panel_create

    n = next(_serial)
    panel = panel_create(actor=actor, name=f"試験合議体{_RUN}-{n}")
    start = date.today() - timedelta(days=30)
    return panel, [member_appoint(actor=actor, name=f"委員 試験{n}-{i}", field="welfare", profession="社会福祉士",
                                  term_start=start, panel_id=panel.pk).pk for i in range(members)]
