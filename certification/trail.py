"""The change trail of certification's tables (docs/subsystems/audit.md, "Change trail"; how an app
declares its trail: "How an app declares its trail" there). Imported at the end of
certification/models.py; certification's migrations create the event tables, make them
append-only and install the triggers.

A case's own moves are also in ``CaseEvent`` (the state machine's record, shown on the case page);
the trail records every write of the case row by any path, and of the papers and certifications.
"""

from __future__ import annotations

from audit.trail_models import event_model, person_trail_source
from certification.cases.models import Case, ReceivedPaper
from certification.decisions.models import Certification

CaseTrailEvent = event_model(Case, model_name="CaseTrailEvent", verbose_name="認定申請案件の変更履歴",
                             exclude=["updated_at", "received_at"])
ReceivedPaperEvent = event_model(ReceivedPaper, model_name="ReceivedPaperEvent", verbose_name="受領書類の変更履歴",
                                 exclude=["received_at"])
CertificationEvent = event_model(Certification, model_name="CertificationEvent", verbose_name="認定の変更履歴",
                                 exclude=["created_at"])

person_trail_source(CaseTrailEvent, key="c", rank=3, label="認定申請", where="e.resident_id = %(person)s")
person_trail_source(CertificationEvent, key="n", rank=4, label="認定", where="e.resident_id = %(person)s")
