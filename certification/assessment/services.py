"""The primary assessment (一次判定, DOMAIN.md 3.6) as services: recording a case's primary result
(the case's 一次判定日 and result, the case moved by Move.ASSESS), from the development estimator
run for one case or from the national software's result file imported line by line (the good
lines recorded, the bad ones listed with their reasons). A result needs the survey done (the
case's 調査実施日) and the opinion received (意見書受領日): refused otherwise. Every write checks
the actor's role and the resident's ward here. See docs/subsystems/certification-assessment.md."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone

from certification.assessment.estimator import Estimator
from certification.assessment.exchange import BadLine, FileRefused, ImportedResults, result_file_read
from certification.assessment.models import PrimaryResult, ResultImport
from certification.assessment.port import AssessmentInput, AssessmentResult
from certification.cases.models import Case
from certification.cases.services import CaseInvalid, case_lock, case_move
from certification.opinion.selectors import opinion_facts
from certification.rules.cases import Move
from certification.rules.levels import Level
from certification.rules.survey_items import answer_severity
from certification.survey.selectors import survey_answers
from certification.scope import require_certification_update, require_permission
from kaigo.errors import NotPermitted

NO_SURVEY = "認定調査が終わっていないため（調査実施日が未登録）、一次判定はできません。"
NO_OPINION = "主治医意見書を受領していないため（意見書受領日が未登録）、一次判定はできません。"


def assessment_problems(case: Case) -> list[str]:
    """Why ``case`` cannot have a primary result yet (empty: it can): the survey (法 §27 第2項) and
    the doctor's opinion (法 §27 第3項) come before the assessment (法 §27 第4項, DOMAIN.md 3.3)."""
    problems = []
    if case.surveyed_on is None:
        problems.append(NO_SURVEY)
    if case.opinion_received_on is None:
        problems.append(NO_OPINION)
    return problems


def _record(case: Case, result: AssessmentResult, *, actor, today: date,
            imported: ResultImport | None = None) -> PrimaryResult:
    """Record ``result`` for a locked case, in the caller's transaction (checks done)."""
    m, g = result.minutes, result.group_scores
    row = PrimaryResult.objects.create(
        case=case, kind=result.kind, software_version=result.software_version, meal=m["meal"],
        excretion=m["excretion"], transfer=m["transfer"], hygiene=m["hygiene"], indirect=m["indirect"],
        bpsd=m["bpsd"], training=m["training"], medical=m["medical"], dementia_addition=result.dementia_addition,
        total=result.total, group1=g[1], group2=g[2], group3=g[3], group4=g[4], group5=g[5], level=result.level,
        warnings=list(result.warnings), imported=imported, created_by=actor)
    case.assessed_on, case.primary_level = today, result.level
    case.save(update_fields=["assessed_on", "primary_level", "updated_at"])
    case_move(case, Move.ASSESS, actor=actor, note=f"{Level(result.level).label}（基準時間 {result.total}分）")
    return row


def survey_severities(case_id: int) -> dict[str, float]:
    """The case's survey answers as severities (item code -> 0..1) for the estimator
    (certification.survey.selectors.survey_answers, certification.rules.survey_items.answer_severity)."""
    return {code: float(answer_severity(code, answer)) for code, answer in survey_answers(case_id).items()}


def primary_estimate(*, actor, case_id: int, severities: dict[str, float] | None = None,
                     today: date | None = None) -> PrimaryResult:
    """Run the development estimator for a case and record its result (NOT the official logic:
    certification.assessment.estimator). ``severities``: the survey's answers as severities; None
    reads them from the survey (survey_severities)."""
    today = today or timezone.localdate()
    with transaction.atomic(durable=True):
        case = case_lock(case_id)
        require_certification_update(actor, case.resident_id)
        problems = assessment_problems(case)
        if problems:
            raise CaseInvalid(problems)
        facts = opinion_facts(case.pk)
        if facts is None:
            raise CaseInvalid(NO_OPINION)
        if severities is None:
            severities = survey_severities(case.pk)
        try:
            result = Estimator().assess(AssessmentInput(case.number, severities, facts))
        except ValueError:
            raise CaseInvalid("認定調査の回答に判定に使えない値があります。") from None
        return _record(case, result, actor=actor, today=today)


@dataclass
class ImportOutcome:
    file: ResultImport | None
    recorded: list[str] = field(default_factory=list)  # case numbers
    bad: list[BadLine] = field(default_factory=list)


def assessment_import(*, actor, data: bytes, file_name: str, today: date | None = None) -> ImportOutcome:
    """Import the national software's result file: each good line becomes its case's primary result
    (with the software's version), each bad line is listed with its reasons — a line of the file's
    layout, a case not found, outside the actor's wards, not yet surveyed or without the opinion,
    or in a state that cannot be assessed. The good lines are kept even when others are bad; the
    file, its counts and bad lines are recorded. CaseInvalid when the whole file is unreadable."""
    today = today or timezone.localdate()
    require_permission(actor, "certification.update")
    try:
        read = result_file_read(data)
    except FileRefused as refused:
        raise CaseInvalid(f"結果ファイルを読めません: {refused}") from None
    adapter = ImportedResults(read)
    bad = list(read.bad)
    recorded: list[str] = []
    with transaction.atomic(durable=True):
        imported = ResultImport.objects.create(file_name=file_name[:200], sha256=hashlib.sha256(data).hexdigest(),
                                               lines=len(read.results) + len(read.bad), imported_by=actor)
        cases = {c.number: c.pk for c in Case.objects.filter(number__in=list(read.results))}
        for number, (line, _) in sorted(read.results.items(), key=lambda item: item[1][0]):
            if number not in cases:
                bad.append(BadLine(line, number, ("この案件番号の案件はありません。",)))
                continue
            try:
                with transaction.atomic():
                    case = case_lock(cases[number])
                    require_certification_update(actor, case.resident_id)
                    problems = assessment_problems(case)
                    if problems:
                        raise CaseInvalid(problems)
                    result = adapter.assess(AssessmentInput(number, {}, opinion_facts(case.pk)))
                    _record(case, result, actor=actor, today=today, imported=imported)
            except NotPermitted:
                bad.append(BadLine(line, number, ("担当区の外の案件です。",)))
                continue
            except CaseInvalid as refused:
                bad.append(BadLine(line, number, tuple(refused.problems)))
                continue
            recorded.append(number)
        bad.sort(key=lambda b: b.line)
        imported.recorded = len(recorded)
        imported.bad_lines = [{"line": b.line, "case_number": b.case_number, "reasons": list(b.reasons)} for b in bad]
        imported.save(update_fields=["recorded", "bad_lines"])
    return ImportOutcome(imported, recorded, bad)
