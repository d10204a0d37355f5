"""Decisions' consumer of eligibility's events (kaigo/outbox): a person whose last qualification
period has ended (death, 転出, ...) has the certification in force lapse on the loss day (失効:
LAPSED, ended_on = the loss day) and certification.ended is published. The open cases are closed
by certification.cases.consumers (not here)."""

from __future__ import annotations

from datetime import date

from certification.decisions.services import certifications_lapse_on_loss
from kaigo.outbox.registry import consumer


@consumer("eligibility.qualification_changed", name="certification.certifications_lapse")
def qualification_changed(event) -> None:
    periods = (event.payload or {}).get("periods") or []
    if event.person_id is None or not periods or periods[-1].get("end") is None:
        return
    certifications_lapse_on_loss(resident_id=event.person_id, lost_on=date.fromisoformat(periods[-1]["end"]))
