"""Receiving the monthly benefit-record file (給付実績, docs/subsystems/benefits-records.md) from the
national federation, in one transaction and set-based (a month is about 500,000 records).

The good lines go by COPY into a temporary table, are matched to residents by the insured number
and to the certification in force in their service month (eligibility's and certification's
public selectors), checked there, and become BenefitRecords with one INSERT ... SELECT. Refused per
line, besides the parser's checks (each with its line number and a Japanese reason, never a value):

- an insured number the city never issued (``person_unknown``);
- a person with no certification in force on any day of the service month (``not_certified``);
- a service type not for the person's level that month (a care service for 要支援, a preventive
  service for 要介護: ``service_type_level``);
- the same person, provider, service month, service type and payment route twice in the file
  (``record_duplicate``, the later line: found while matching) or received before in an earlier file
  (``record_received``: a join, only when records of those months exist).

The same bytes again are refused whole (``RecordFileInvalid``; sha256), as is a file the parser
rejects (encoding, header, trailer): recorded with its reason, nothing else applied."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection, transaction

from benefits.records.format import PaymentRoute
from benefits.records.models import BenefitRecord, RecordFile, RecordLineError
from benefits.records.parser import BenefitLine, ParsedRecordFile, parse_record_file
from benefits.rules.service_types import CARE, CARE_LEVEL_CODES, SERVICE_TYPES, SUPPORT_LEVEL_CODES
from certification.decisions.selectors import certified_levels_in_month
from eligibility.residents.selectors import resident_ids_by_insured_number
from kaigo.db import copy_rows
from kaigo.errors import ApplicationError, NotPermitted
from kaigo.staff.roles import has_permission

RUN = "benefit.run"
NOT_PERMITTED = "給付実績ファイルを取り込む権限がありません。"
_CARE_SERVICES = sorted(code for code, t in SERVICE_TYPES.items() if t.kind == CARE)
_TEMP_COLUMNS = ["line_no", "resident_id", "provider_number", "service_month", "service_type", "route", "units",
                 "unit_price", "total_cost", "benefit_rate", "insurer_amount", "public_amount", "copayment", "level"]
_TEMP_TYPES = ["int4", "int8", "text", "date", "text", "text", "int4", "int2", "int4", "int2", "int4", "int4", "int4",
               "text"]


class RecordFileInvalid(ApplicationError):
    code = "record_file_invalid"


@dataclass
class RecordsReceived:
    file: RecordFile
    created: bool
    applied: int = 0
    rejected: int = 0


def _require_run(actor) -> None:
    """``benefit.run``; ``None`` is the city itself (an operator's command on the server)."""
    if actor is not None and not has_permission(actor, RUN):
        raise NotPermitted(NOT_PERMITTED)


def _month_last(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def records_file_receive(data: bytes, *, file_name: str, month: date, actor) -> RecordsReceived:
    """Take in a benefit-record file of the processing month ``month`` (審査年月; any day of it).
    The same bytes received before: the earlier file, ``created=False`` (nothing applied twice);
    refused before: RecordFileInvalid again. Checks ``benefit.run`` (the file concerns the whole
    city: no ward scope)."""
    _require_run(actor)
    month = month.replace(day=1)
    digest = hashlib.sha256(data).hexdigest()
    existing = RecordFile.objects.filter(sha256=digest).first()
    if existing is not None:
        if existing.refused:
            raise RecordFileInvalid(f"このファイルは受付不可として記録済みです（ファイル {existing.pk}）: {existing.refusal}")
        return RecordsReceived(existing, created=False)
    parsed = parse_record_file(data, month=month)
    received_by = actor if getattr(actor, "pk", None) else None
    if parsed.rejected:
        reason = " ".join(e.message for e in parsed.errors if e.code in parsed.file_errors)[:600]
        refused = RecordFile.objects.create(month=month, sha256=digest, file_name=file_name[:200],
                                            total_lines=parsed.total_lines, refusal=reason, received_by=received_by)
        raise RecordFileInvalid(f"ファイルを受け付けられません（ファイル {refused.pk}）: {reason}")
    errors = {e.line_no: (e.code, e.message) for e in parsed.errors}
    rows = _matched_rows(parsed, errors)
    with transaction.atomic():
        file = RecordFile.objects.create(month=month, sha256=digest, file_name=file_name[:200],
                                         total_lines=parsed.total_lines, received_by=received_by)
        applied = _apply(file, rows, errors)
        copy_rows(RecordLineError, ["file_id", "line_no", "code", "message"],
                  ((file.pk, n, code, message[:300]) for n, (code, message) in sorted(errors.items())),
                  types=["int8", "int4", "text", "text"])
        RecordFile.objects.filter(pk=file.pk).update(applied=applied[0], rejected=len(errors), reimbursed=applied[1],
                                                     total_cost=applied[2])
    file.refresh_from_db()
    return RecordsReceived(file, created=True, applied=file.applied, rejected=file.rejected)


def _add(errors: dict, line_no: int, code: str, reason: str) -> None:
    errors[line_no] = (code, f"{line_no}行目: {reason}")


def _matched_rows(parsed: ParsedRecordFile, errors: dict) -> list[tuple]:
    """The parsed lines matched to their resident and the certified levels of their service month,
    as rows of the temporary table; the lines refused here go to ``errors``."""
    records: list[BenefitLine] = parsed.records
    residents = resident_ids_by_insured_number(sorted({r.insured_number for r in records}))
    by_month: dict[date, set[int]] = {}
    for r in records:
        pid = residents.get(r.insured_number)
        if pid is not None:
            by_month.setdefault(r.service_month, set()).add(pid)
    levels = {month: certified_levels_in_month(month, _month_last(month), sorted(pids))
              for month, pids in by_month.items()}
    care_services = frozenset(_CARE_SERVICES)
    rows = []
    first_of: dict[tuple, int] = {}  # the record's key -> the first line with it
    for r in records:
        pid = residents.get(r.insured_number)
        if pid is None:
            _add(errors, r.line_no, "person_unknown", "被保険者番号に該当する被保険者がいません。")
            continue
        held = levels[r.service_month].get(pid)
        if not held:
            _add(errors, r.line_no, "not_certified",
                 "サービス提供年月に有効な要介護・要支援認定がありません（認定のない月の給付実績は受け付けません）。")
            continue
        wanted = CARE_LEVEL_CODES if r.service_type in care_services else SUPPORT_LEVEL_CODES
        if not any(level in wanted for level in held):
            _add(errors, r.line_no, "service_type_level",
                 "サービス種類がサービス提供年月の認定の区分に合いません（要介護は介護給付、要支援は予防給付のサービスです）。")
            continue
        first = first_of.setdefault((pid, r.service_month, r.provider_number, r.service_type, r.route), r.line_no)
        if first != r.line_no:
            _add(errors, r.line_no, "record_duplicate",
                 f"同じ被保険者・事業所・サービス提供年月・サービス種類・給付区分の実績が{first}行目にあります（後の行を受け付けません）。")
            continue
        rows.append((r.line_no, pid, r.provider_number, r.service_month, r.service_type, r.route, r.units, r.unit_price,
                     r.total_cost, r.benefit_rate, r.insurer_amount, r.public_amount, r.copayment, held[-1]))
    return rows


def _apply(file: RecordFile, rows: list[tuple], errors: dict) -> tuple[int, int, int]:
    """COPY the rows into a temporary table, refuse those whose key was received before (in an
    earlier file), insert the rest with one INSERT ... SELECT. (applied, reimbursed, total cost)."""
    table = BenefitRecord._meta.db_table
    months = sorted({row[3] for row in rows})
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE benefit_record_lines (line_no int, resident_id bigint, provider_number text, "
                       "service_month date, service_type text, route text, units int, unit_price smallint, "
                       "total_cost int, benefit_rate smallint, insurer_amount int, public_amount int, copayment int, "
                       "level text) ON COMMIT DROP")
        copy_rows("benefit_record_lines", _TEMP_COLUMNS, rows, types=_TEMP_TYPES)
        received: list[int] = []
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {table} WHERE service_month = ANY(%s))", [months])
        if cursor.fetchone()[0]:  # records of these months received before: look for the repeats
            cursor.execute("ANALYZE benefit_record_lines")
            cursor.execute(
                f"SELECT t.line_no FROM benefit_record_lines t JOIN {table} b "
                "ON b.resident_id = t.resident_id AND b.service_month = t.service_month "
                "AND b.provider_number = t.provider_number AND b.service_type = t.service_type AND b.route = t.route")
            received = sorted(n for (n,) in cursor.fetchall())
        for line_no in received:
            _add(errors, line_no, "record_received",
                 "同じ被保険者・事業所・サービス提供年月・サービス種類・給付区分の実績は受信済みです。")
        columns = ", ".join(_TEMP_COLUMNS)
        cursor.execute(
            f"INSERT INTO {table} (file_id, {columns}) SELECT %s, {columns} "
            "FROM benefit_record_lines WHERE NOT (line_no = ANY(%s))", [file.pk, received])
        applied = cursor.rowcount
        cursor.execute("DROP TABLE benefit_record_lines")  # a second file in the same transaction (a test, a batch)
    refused = set(received)
    kept = [row for row in rows if row[0] not in refused] if refused else rows
    reimbursed = sum(1 for row in kept if row[5] == PaymentRoute.REIMBURSED)
    return applied, reimbursed, sum(row[8] for row in kept)
