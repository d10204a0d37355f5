"""The change trail of certification's tables (docs/subsystems/audit.md, "Change trail"; how an app
declares its trail: "How an app declares its trail" there). Imported at the end of
certification/models.py; certification's migrations create the event tables, make them
append-only and install the triggers.

A case's own moves are also in ``CaseEvent`` (the state machine's record, shown on the case page);
the trail records every write of the case row by any path, and of the papers and certifications.
"""

from __future__ import annotations

from audit.trail_models import event_model, person_trail_source
from certification.assessment.models import PrimaryResult
from certification.cases.models import Case, ReceivedPaper
from certification.decisions.models import BoardResult, Certification
from certification.opinion.models import Opinion
from certification.survey.models import Survey

CaseTrailEvent = event_model(Case, model_name="CaseTrailEvent", verbose_name="認定申請案件の変更履歴",
                             exclude=["updated_at", "received_at"])
ReceivedPaperEvent = event_model(ReceivedPaper, model_name="ReceivedPaperEvent", verbose_name="受領書類の変更履歴",
                                 exclude=["received_at"])
CertificationEvent = event_model(Certification, model_name="CertificationEvent", verbose_name="認定の変更履歴",
                                 exclude=["created_at"])

# The stages' records of a case (issue 18): the survey's answers (their revisions are also kept in
# SurveyRevision), the doctor's opinion, the primary result, the board's result.
SurveyEvent = event_model(Survey, model_name="SurveyEvent", verbose_name="認定調査の変更履歴")
OpinionEvent = event_model(Opinion, model_name="OpinionEvent", verbose_name="主治医意見書の変更履歴")
PrimaryResultEvent = event_model(PrimaryResult, model_name="PrimaryResultEvent", verbose_name="一次判定の変更履歴",
                                 exclude=["created_at"])
BoardResultEvent = event_model(BoardResult, model_name="BoardResultEvent", verbose_name="二次判定の変更履歴")

_OF_CASES = f"e.case_id IN (SELECT id FROM {Case._meta.db_table} WHERE resident_id = %(person)s)"

person_trail_source(CaseTrailEvent, key="c", rank=3, label="認定申請", where="e.resident_id = %(person)s")
person_trail_source(CertificationEvent, key="n", rank=4, label="認定", where="e.resident_id = %(person)s")
person_trail_source(SurveyEvent, key="u", rank=5, label="認定調査", where=_OF_CASES)
person_trail_source(OpinionEvent, key="o", rank=6, label="主治医意見書", where=_OF_CASES)
person_trail_source(PrimaryResultEvent, key="p", rank=7, label="一次判定", where=_OF_CASES)
person_trail_source(BoardResultEvent, key="b", rank=8, label="二次判定", where=_OF_CASES)
