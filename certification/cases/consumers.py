"""Certification's consumers of eligibility's events (kaigo/outbox): a person who loses
qualification (death, 転出, ...) has their open cases closed (法 §11: the process ends with the
qualification). Certifications in force lapse by certification.decisions.consumers."""

from __future__ import annotations

from datetime import date

from certification.cases.services import cases_end_on_loss
from eligibility.codes import LossReason
from kaigo.outbox.registry import consumer

LOSS_LABELS = dict(LossReason.choices)


@consumer("eligibility.qualification_changed", name="certification.cases_end")
def qualification_changed(event) -> None:
    """The person's current periods after the change: when the last one has ended, every open
    case ends on the loss day with its reason."""
    periods = (event.payload or {}).get("periods") or []
    if event.person_id is None or not periods or periods[-1].get("end") is None:
        return
    last = periods[-1]
    cases_end_on_loss(resident_id=event.person_id, lost_on=date.fromisoformat(last["end"]),
                      reason=f"資格喪失（{LOSS_LABELS.get(last.get('loss') or '', 'その他')}）")
