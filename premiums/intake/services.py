"""Receiving the premiums' inbound files: the inhabitant-tax file (住民税課税情報, 当初 and 更正),
the pension insurers' listings (特別徴収対象者情報 / 追加候補者情報) and results (特別徴収結果), and the
payment files (収納データ). Each file is received in one transaction: the good lines become facts
(TaxFact, PensionFact) or payments, every rejected line an InboundLineError with its line number
and a Japanese reason (never a value of the line); the same bytes again, or a line whose serial
was received before, change nothing. A tax correction closes the person's current fact, adds the
corrected one and queues the year for the re-levy.

Formats: docs/subsystems/tax-feed.md, pension-feed.md and payment-feed.md; facts and levy:
docs/subsystems/levy.md."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from eligibility.residents.selectors import birth_dates, residents_by_kana_index
from kaigo.batches.services import require_operate
from kaigo.crypto.blind_index import kana_name_index
from kaigo.db import constraints_immediate, copy_rows, fetch_rows
from kaigo.errors import ApplicationError
from kaigo.outbox.services import NewEvent, publish
from premiums.collection.models import DeductionStop, Payment, PaymentChannel
from premiums.collection.selectors import year_collection
from premiums.intake.models import InboundFile, InboundKind, InboundLineError, PensionFact, TaxFact
from premiums.intake.payment_feed.format import TransferResult
from premiums.intake.payment_feed.parser import parse_payment_file
from premiums.intake.pension_feed.format import DeductionResult, Notice
from premiums.intake.pension_feed.parser import PensionRecord, parse_pension_file
from premiums.intake.tax_feed.format import TaxRecordKind
from premiums.intake.tax_feed.parser import TaxRecord, parse_tax_file
from premiums.levy.models import LevyPendingCause
from premiums.levy.services import levy_pending_add
from premiums.rates.selectors import collection_plan_for
from premiums.rules.schedule import first_deduction_month
from premiums.rules.tables import fiscal_year_of

# The facts' columns in the order of a COPY (the intake adds "file_id"; the synthetic city's
# generator, synthetic/premium_facts.py, writes the same rows without it).
# a 更正 of the inhabitant-tax facts (payload: fiscal_year, tax_fact, file ids; docs/subsystems/outbox.md)
TAX_CORRECTED = "premiums.tax_corrected"

TAX_COLUMNS = ["resident_id", "fiscal_year", "serial", "correction", "household_no", "head", "self_taxed",
               "household_taxed", "total_income", "pension_misc_income", "taxable_pension_income", "salary_income",
               "special_deduction", "non_taxable_pension_income", "public_assistance", "old_age_welfare_pension",
               "recorded_from"]
TAX_TYPES = ["int8", "int2", "text", "bool", "int8", "bool", "bool", "bool", "int8", "int8", "int8", "int8", "int8",
             "int8", "bool", "bool", "timestamptz"]
PENSION_COLUMNS = ["resident_id", "fiscal_year", "serial", "listed_in", "insurer_code", "pension_kind",
                   "annual_amount", "withholdable", "recorded_from"]
PENSION_TYPES = ["int8", "int2", "text", "date", "text", "text", "int4", "bool", "timestamptz"]


class InboundFileInvalid(ApplicationError):
    code = "inbound_file_invalid"


@dataclass
class Received:
    file: InboundFile
    created: bool
    applied: int = 0
    rejected: int = 0
    duplicates: int = 0


def _existing(data: bytes) -> tuple[str, InboundFile | None]:
    """The file's digest and the file received before with the same bytes; a file refused before
    is refused again (InboundFileInvalid, with its recorded reason)."""
    digest = hashlib.sha256(data).hexdigest()
    existing = InboundFile.objects.filter(sha256=digest).first()
    if existing is not None and existing.refused:
        raise InboundFileInvalid(f"このファイルは受付不可として記録済みです（ファイル {existing.pk}）: {existing.refusal}")
    return digest, existing


def _refuse(parsed, *, digest: str, kind: str, file_name: str, actor, **fields) -> None:
    """A file refused whole (a file-level fault: encoding, header, trailer, ...): recorded with its
    reason and nothing else (no fact, no payment, no line), then InboundFileInvalid."""
    if not parsed.rejected:
        return
    reason = " ".join(e.message for e in parsed.errors if e.code in parsed.file_errors)[:600]
    refused = InboundFile.objects.create(kind=kind, sha256=digest, file_name=file_name[:200],
                                         total_lines=parsed.total_lines, refusal=reason,
                                         received_by=actor if getattr(actor, "pk", None) else None, **fields)
    raise InboundFileInvalid(f"ファイルを受け付けられません（ファイル {refused.pk}）: {reason}")


class _Errors:
    """The rejected lines of one file, written together at the end."""

    def __init__(self, parser_errors):
        self.rows = {e.line_no: (e.code, e.message) for e in parser_errors}

    def add(self, line_no: int, code: str, reason: str) -> None:
        self.rows[line_no] = (code, f"{line_no}行目: {reason}"[:300])

    def resent(self, line_no: int) -> None:
        self.add(line_no, "serial_received", "この連番は受信済みです（再送）。反映しません。")

    def write(self, file: InboundFile) -> None:
        InboundLineError.objects.bulk_create(
            InboundLineError(file=file, line_no=n, code=code, message=message[:300])
            for n, (code, message) in sorted(self.rows.items()))


def _known_serials(model, serials: list[str]) -> set[str]:
    if not serials:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT serial FROM {model._meta.db_table} WHERE serial = ANY(%s)", [serials])
        return {r[0] for r in cursor.fetchall()}


def main_levy_done(fiscal_year: int) -> bool:
    from kaigo.batches.models import BatchRun

    return BatchRun.objects.filter(kind="premiums.main_levy", params__fiscal_year=fiscal_year,
                                   status=BatchRun.Status.SUCCEEDED).exists()


def _month_or_none(month: tuple[int, int]) -> date | None:
    return date(*month, 1) if 1 <= month[1] <= 12 else None


# --- the inhabitant-tax file ------------------------------------------------------------------


def tax_file_receive(data: bytes, *, file_name: str, fiscal_year: int, actor=None) -> Received:
    """Store the tax facts of a 当初 or 更正 file of ``fiscal_year`` (one transaction).

    Refused per line, besides the parser's checks: a serial received before (再送, counted as a
    duplicate), a person the city does not know or whose birth date differs, a 当初 line for a
    person who has facts for the year already (send it as 更正), a 更正 for a person with none,
    and a second line of a person whose line was applied from this file (two 更正 of one person,
    or a 当初 and its 更正: the earlier is applied, the later refused with the earlier's line
    number, as the parser does for two 当初 lines; the tax office sends it again if it is right).
    Every 更正, and a 当初 line arriving after the year's main levy, queues the person's year
    for the re-levy."""
    require_operate(actor)
    digest, existing = _existing(data)
    if existing is not None:
        return Received(existing, created=False)
    parsed = parse_tax_file(data, fiscal_year=fiscal_year)
    _refuse(parsed, digest=digest, kind=InboundKind.TAX, file_name=file_name, actor=actor, fiscal_year=fiscal_year)
    errors = _Errors(parsed.errors)
    records: list[TaxRecord] = parsed.records
    known = _known_serials(TaxFact, [r.serial for r in records])
    births = birth_dates(sorted({r.person_id for r in records}))
    now = timezone.now()
    with transaction.atomic():
        constraints_immediate()  # bulk writes to trail-tracked tables (kaigo.db)
        file = InboundFile.objects.create(kind=InboundKind.TAX, sha256=digest, file_name=file_name[:200],
                                          fiscal_year=fiscal_year, total_lines=parsed.total_lines,
                                          received_by=actor if getattr(actor, "pk", None) else None)
        with connection.cursor() as cursor:
            cursor.execute("SELECT resident_id, id FROM premiums_taxfact WHERE fiscal_year = %s "
                           "AND recorded_to IS NULL AND resident_id = ANY(%s) FOR UPDATE",
                           [fiscal_year, sorted(births)])
            current = dict(cursor.fetchall())
        duplicates, closing, rows, queued = 0, [], [], []
        applied_line: dict[int, int] = {}  # person -> the line applied for them from this file
        late = main_levy_done(fiscal_year)
        for r in records:
            if r.serial in known:
                duplicates += 1
                errors.resent(r.line_no)
                continue
            if r.person_id not in births:
                errors.add(r.line_no, "person_unknown", "宛名番号に該当する住民がいません。")
                continue
            if births[r.person_id] != r.birth_date:
                errors.add(r.line_no, "birth_date_mismatch", "生年月日が住民記録と一致しません。")
                continue
            earlier = applied_line.get(r.person_id)
            if earlier is not None:  # one line per person in a file (a 当初 and its 更正, two 更正 ...)
                errors.add(r.line_no, "person_duplicate",
                           f"宛名番号が{earlier}行目と重複しています（1つのファイルで1人1行です。後の行を受け付けません）。")
                continue
            correction = r.kind == TaxRecordKind.CORRECTION
            if not correction and r.person_id in current:
                errors.add(r.line_no, "initial_exists", "この年度の課税情報は受信済みです（変更は更正で送ってください）。")
                continue
            if correction and r.person_id not in current:
                errors.add(r.line_no, "correction_without_initial", "更正の対象となる当初の課税情報がありません。")
                continue
            if correction:
                closing.append(current[r.person_id])
            current[r.person_id] = -1
            applied_line[r.person_id] = r.line_no
            known.add(r.serial)
            rows.append((r.person_id, fiscal_year, r.serial, correction, r.household_id, r.relation == "head",
                         r.self_taxed, r.household_taxed, r.total_income, r.pension_misc_income,
                         r.taxable_pension_income, r.salary_income, r.special_deduction,
                         r.non_taxable_pension_income, r.public_assistance, r.old_age_welfare_pension, now, file.pk))
            if correction or late:
                queued.append((r.person_id, fiscal_year, date(fiscal_year, 4, 1), LevyPendingCause.TAX))
        if closing:
            with connection.cursor() as cursor:
                cursor.execute("UPDATE premiums_taxfact SET recorded_to = %s WHERE id = ANY(%s)", [now, closing])
        copy_rows(TaxFact, [*TAX_COLUMNS, "file_id"], rows, types=[*TAX_TYPES, "int8"])
        if closing:  # a 更正 announced (the co-payment ratio recalculates): ids only
            publish(NewEvent(topic=TAX_CORRECTED, dedupe_key=f"tax-corrected:{f.tax_fact_id}", person_id=f.resident_id,
                             effective_from=date(fiscal_year, 4, 1),
                             payload={"fiscal_year": fiscal_year, "tax_fact": f.tax_fact_id, "file": file.pk})
                    for f in fetch_rows("SELECT id AS tax_fact_id, resident_id FROM premiums_taxfact "
                                        "WHERE file_id = %s AND correction ORDER BY id", [file.pk]))
        levy_pending_add(queued)
        errors.write(file)
        InboundFile.objects.filter(pk=file.pk).update(applied=len(rows), rejected=len(errors.rows) - duplicates,
                                                      duplicates=duplicates)
    file.refresh_from_db()
    return Received(file, created=True, applied=len(rows), rejected=len(errors.rows) - duplicates,
                    duplicates=duplicates)


# --- the pension insurers' listings -------------------------------------------------------------


def _matches(records: list[PensionRecord]) -> dict[int, list[int]]:
    """The residents each line may be about, by line number: the file names no 宛名番号 (DOMAIN
    6.6), so a line is matched by the blind index of the kana name, the birth date and the sex."""
    key_of = {r.line_no: (kana_name_index(r.name_kana), r.birth_date, r.sex) for r in records}
    found: dict[tuple, list[int]] = defaultdict(list)
    if key_of:
        keys = set(key_of.values())
        for pid, index, born, sex in residents_by_kana_index(sorted({k[0] for k in keys})):
            if (index, born, sex) in keys:
                found[(index, born, sex)].append(pid)
    return {line_no: found.get(key, []) for line_no, key in key_of.items()}


def _one_resident(line_no: int, matches: dict[int, list[int]], errors: _Errors) -> int | None:
    """The one resident a pension line is about; none or several is a refused line for staff."""
    pids = matches.get(line_no, [])
    if len(pids) == 1:
        return pids[0]
    if pids:
        errors.add(line_no, "person_ambiguous", "氏名カナ・生年月日・性別が一致する住民が複数います。")
    else:
        errors.add(line_no, "person_not_found", "氏名カナ・生年月日・性別が一致する住民がいません（該当者なし）。")
    return None


def pension_listing_receive(data: bytes, *, file_name: str, notice: str, month: tuple[int, int],
                            actor=None) -> Received:
    """Store the listed pensions of a 特別徴収対象者情報 (00) or 追加候補者情報 (01) file for
    ``month``. Each line is matched to a resident by kana name, birth date and sex; none or more
    than one is a rejected line (該当者なし / 複数該当) for staff to resolve. The listing counts for
    the fiscal year its first deduction falls in (premiums.rules.schedule.first_deduction_month):
    a person listed twice for a year keeps the first listing (the second line is reported)."""
    require_operate(actor)
    if notice not in (Notice.TARGETS, Notice.ADDITIONAL_CANDIDATES):
        raise ValueError("pension_listing_receive takes the listing notices 00 and 01")
    digest, existing = _existing(data)
    if existing is not None:
        return Received(existing, created=False)
    parsed = parse_pension_file(data, notice=notice, month=month)
    _refuse(parsed, digest=digest, kind=InboundKind.PENSION, file_name=file_name, actor=actor,
            month=_month_or_none(month), notice=notice)
    errors = _Errors(parsed.errors)
    plan = collection_plan_for(fiscal_year_of(date(*month, 1))).pension
    first = first_deduction_month(month, plan)
    fiscal_year = fiscal_year_of(date(*first, 1))
    records = parsed.records
    known = _known_serials(PensionFact, [r.serial for r in records])
    matches = _matches(records)
    now = timezone.now()
    with transaction.atomic():
        constraints_immediate()  # bulk writes to trail-tracked tables (kaigo.db)
        file = InboundFile.objects.create(kind=InboundKind.PENSION, sha256=digest, file_name=file_name[:200],
                                          fiscal_year=fiscal_year, month=date(*month, 1), notice=notice,
                                          total_lines=parsed.total_lines,
                                          received_by=actor if getattr(actor, "pk", None) else None)
        candidates = sorted({pid for pids in matches.values() for pid in pids})
        with connection.cursor() as cursor:
            cursor.execute("SELECT resident_id FROM premiums_pensionfact WHERE fiscal_year = %s "
                           "AND recorded_to IS NULL AND resident_id = ANY(%s)", [fiscal_year, candidates])
            listed = {r[0] for r in cursor.fetchall()}
        duplicates, rows = 0, []
        for r in records:
            if r.serial in known:
                duplicates += 1
                errors.resent(r.line_no)
                continue
            pid = _one_resident(r.line_no, matches, errors)
            if pid is None:
                continue
            if pid in listed:
                errors.add(r.line_no, "already_listed", "この年度の特別徴収対象の年金は受信済みです（先の年金で特別徴収します）。")
                continue
            listed.add(pid)
            known.add(r.serial)
            rows.append((pid, fiscal_year, r.serial, date(*month, 1), r.insurer_code, r.pension_kind,
                         r.annual_amount, r.withholdable, now, file.pk))
        copy_rows(PensionFact, [*PENSION_COLUMNS, "file_id"], rows, types=[*PENSION_TYPES, "int8"])
        errors.write(file)
        InboundFile.objects.filter(pk=file.pk).update(applied=len(rows), rejected=len(errors.rows) - duplicates,
                                                      duplicates=duplicates)
    file.refresh_from_db()
    return Received(file, created=True, applied=len(rows), rejected=len(errors.rows) - duplicates,
                    duplicates=duplicates)


# --- the payment files (収納データ) -----------------------------------------------------------------

FEED_CHANNELS = {"counter": PaymentChannel.BANK, "account_transfer": PaymentChannel.TRANSFER,
                 "store_final": PaymentChannel.CONVENIENCE}
PRELIMINARY = "store_preliminary"  # コンビニ速報: kept as PreliminaryPayment until its 確報


@dataclass
class PaymentsReceived(Received):
    preliminary: int = 0  # コンビニ速報: kept (PreliminaryPayment), counted as paid when its 確報 arrives
    transfer_failed: int = 0  # 口座振替不能: listed for staff (a bill is sent instead)
    held: int = 0  # far beyond what is due: held for a clerk's decision (HeldPayment), not applied


def payment_file_receive(data: bytes, *, file_name: str, actor=None, today: date | None = None) -> PaymentsReceived:
    """Apply a payment file (docs/subsystems/payment-feed.md) in one transaction, set-based: the
    lines go by COPY into a temporary table, are matched to the current levy's bill installment by
    the 納付番号 (fiscal year, 通知書番号, 期), and become Payments with one INSERT ... SELECT. Refused
    per line: a 納付番号 never issued (or of an installment the current levy no longer has), a
    receipt the collecting agent reported before (its 受付番号: counted once, also within the
    file). Failed account transfers are listed, not paid; store 速報 lines are kept as
    PreliminaryPayment (no reminder meanwhile) and confirmed by their 確報, which alone is paid.
    ``today``: the processing day (a 納付日 after it is refused; default: today).

    A payment far beyond what is due is held, not applied (HeldPayment, 保留): one whose amount is
    more than ``settings.KAIGO_PAYMENT_HOLD_MARGIN`` yen above what the person's fiscal year still
    owes on its bills before this file (the current levy's bill installments minus the bill
    payments recorded). A clerk applies it as an overpayment or returns it
    (premiums.collection.services.held_payment_decide); nothing is booked until then."""
    require_operate(actor)
    digest, existing = _existing(data)
    if existing is not None:
        return PaymentsReceived(existing, created=False)
    hold_margin = int(settings.KAIGO_PAYMENT_HOLD_MARGIN)
    parsed = parse_payment_file(data, today=today or timezone.localdate())
    _refuse(parsed, digest=digest, kind=InboundKind.PAYMENT, file_name=file_name, actor=actor)
    errors = _Errors(parsed.errors)
    rows, preliminary, failed = [], 0, 0
    for r in parsed.records:
        if r.channel == PRELIMINARY:
            preliminary += 1
            rows.append((r.line_no, r.fiscal_year, r.notice_number, r.installment, PRELIMINARY, r.amount,
                         r.paid_on, r.booked_on, r.payment_number, r.agent_code, r.serial))
            continue
        if not r.paid:
            failed += 1
            errors.add(r.line_no, "transfer_failed",
                       f"口座振替ができませんでした（{TransferResult(r.transfer_result).label}）。納付書を送付してください。")
            continue
        rows.append((r.line_no, r.fiscal_year, r.notice_number, r.installment, FEED_CHANNELS[r.channel], r.amount,
                     r.paid_on, r.booked_on, r.payment_number, r.agent_code, r.serial))
    with transaction.atomic():
        constraints_immediate()  # bulk writes to trail-tracked tables (kaigo.db)
        file = InboundFile.objects.create(kind=InboundKind.PAYMENT, sha256=digest, file_name=file_name[:200],
                                          total_lines=parsed.total_lines,
                                          received_by=actor if getattr(actor, "pk", None) else None)
        with connection.cursor() as cursor:
            cursor.execute("CREATE TEMP TABLE payment_lines (line_no int, fiscal_year int, notice_number int, "
                           "installment int, channel text, amount int, paid_on date, booked_on date, "
                           "payment_number text, agent_code text, serial text, resident_id bigint, month date, "
                           "first_line boolean, open_amount bigint, held boolean NOT NULL DEFAULT false, "
                           "late_charge int NOT NULL DEFAULT 0) "
                           "ON COMMIT DROP")
            copy_rows("payment_lines", ["line_no", "fiscal_year", "notice_number", "installment", "channel", "amount",
                                        "paid_on", "booked_on", "payment_number", "agent_code", "serial"], rows,
                      types=["int4", "int4", "int4", "int4", "text", "int4", "date", "date", "text", "text", "text"])
            cursor.execute("ANALYZE payment_lines")
            cursor.execute(
                "UPDATE payment_lines t SET resident_id = l.resident_id, month = i.month FROM premiums_levy l "
                "JOIN premiums_levyinstallment i ON i.levy_id = l.id AND i.method = 'billing' "
                "WHERE l.fiscal_year = t.fiscal_year AND l.notice_number = t.notice_number "
                "AND l.recorded_to IS NULL AND i.number = t.installment")
            # a receipt counts once: the first line of each (agent, 受付番号) in the file, if not received before
            cursor.execute(
                "UPDATE payment_lines t SET first_line = d.first AND NOT EXISTS (SELECT 1 FROM premiums_payment p "
                "WHERE p.agent_code = t.agent_code AND p.serial = t.serial AND p.serial <> '') "
                "AND NOT EXISTS (SELECT 1 FROM premiums_heldpayment h WHERE h.agent_code = t.agent_code "
                "AND h.serial = t.serial) "
                "FROM (SELECT line_no, row_number() OVER (PARTITION BY agent_code, serial ORDER BY line_no) = 1 "
                "AS first FROM payment_lines) d WHERE d.line_no = t.line_no")
            # far beyond what is due: a payment more than the margin above what the person's year
            # still owes on its bills (before this file) is held for a clerk, not applied
            cursor.execute(
                "UPDATE payment_lines t SET open_amount = o.open, held = t.amount > o.open + %s FROM ("
                "SELECT k.resident_id, k.fiscal_year, "
                "COALESCE((SELECT sum(i.amount) FROM premiums_levy l JOIN premiums_levyinstallment i "
                "ON i.levy_id = l.id AND i.method = 'billing' WHERE l.resident_id = k.resident_id "
                "AND l.fiscal_year = k.fiscal_year AND l.recorded_to IS NULL), 0) "
                "- COALESCE((SELECT sum(p.amount) FROM premiums_payment p WHERE p.resident_id = k.resident_id "
                "AND p.fiscal_year = k.fiscal_year AND p.method = 'billing'), 0) AS open "
                "FROM (SELECT DISTINCT resident_id, fiscal_year FROM payment_lines WHERE resident_id IS NOT NULL) k"
                ") o WHERE o.resident_id = t.resident_id AND o.fiscal_year = t.fiscal_year AND t.first_line "
                "AND t.channel <> %s", [hold_margin, PRELIMINARY])
            _late_charge_split(cursor, hold_margin)
            cursor.execute(
                "INSERT INTO premiums_heldpayment (file_id, line_no, resident_id, fiscal_year, method, month, channel, "
                "amount, open_amount, paid_on, booked_on, payment_number, agent_code, serial, held_at, status, reason) "
                "SELECT %s, line_no, resident_id, fiscal_year, 'billing', month, channel, amount, open_amount, "
                "paid_on, booked_on, payment_number, agent_code, serial, now(), 'held', '' FROM payment_lines "
                "WHERE held ORDER BY line_no RETURNING line_no", [file.pk])
            held = sorted(r[0] for r in cursor.fetchall())
            cursor.execute(
                "INSERT INTO premiums_payment (resident_id, fiscal_year, method, month, channel, amount, paid_on, "
                "booked_on, payment_number, agent_code, serial, file_id, recorded_at, note) "
                "SELECT resident_id, fiscal_year, 'billing', month, channel, amount, paid_on, booked_on, "
                "payment_number, agent_code, serial, %s, now(), '' FROM payment_lines "
                "WHERE resident_id IS NOT NULL AND first_line AND NOT held AND channel <> %s AND amount <> 0 "
                "ORDER BY line_no", [file.pk, PRELIMINARY])
            applied = cursor.rowcount
            # the late charges paid with their premium (the premium's Payment of the same line, if any)
            cursor.execute(
                "INSERT INTO premiums_latechargepayment (resident_id, fiscal_year, method, month, channel, amount, "
                "paid_on, booked_on, payment_id, recorded_at) "
                "SELECT t.resident_id, t.fiscal_year, 'billing', t.month, t.channel, t.late_charge, t.paid_on, "
                "t.booked_on, (SELECT p.id FROM premiums_payment p WHERE p.file_id = %s AND p.resident_id = "
                "t.resident_id AND p.payment_number = t.payment_number AND p.agent_code = t.agent_code "
                "AND p.serial = t.serial AND p.paid_on = t.paid_on ORDER BY p.id LIMIT 1), now() "
                "FROM payment_lines t WHERE t.late_charge > 0 ORDER BY t.line_no", [file.pk])
            applied += _count(cursor, "SELECT count(*) FROM payment_lines WHERE late_charge > 0 AND amount = 0")
            # 速報: kept until their 確報 (a resent 速報 changes nothing; an unknown 納付番号 waits for the 確報's error)
            cursor.execute(
                "INSERT INTO premiums_preliminarypayment (resident_id, fiscal_year, month, amount, paid_on, "
                "payment_number, agent_code, serial, file_id, recorded_at) "
                "SELECT resident_id, fiscal_year, month, amount, paid_on, payment_number, agent_code, serial, %s, now() "
                "FROM payment_lines WHERE resident_id IS NOT NULL AND first_line AND channel = %s ORDER BY line_no "
                "ON CONFLICT (agent_code, serial) DO NOTHING", [file.pk, PRELIMINARY])
            # 確報: each confirms the open 速報 of the same 納付番号, amount, 納付日 and agent (one each)
            cursor.execute(
                "UPDATE premiums_preliminarypayment pp SET confirmed_by_id = m.payment_id FROM ("
                "SELECT DISTINCT ON (p.id) p.id AS payment_id, pp2.id AS preliminary_id FROM premiums_payment p "
                "JOIN premiums_preliminarypayment pp2 ON pp2.payment_number = p.payment_number "
                "AND pp2.amount = p.amount AND pp2.paid_on = p.paid_on AND pp2.agent_code = p.agent_code "
                "AND pp2.confirmed_by_id IS NULL WHERE p.file_id = %s AND p.channel = %s ORDER BY p.id, pp2.id) m "
                "WHERE pp.id = m.preliminary_id", [file.pk, PaymentChannel.CONVENIENCE])
            cursor.execute("SELECT line_no, resident_id IS NOT NULL FROM payment_lines "
                           "WHERE channel <> %s AND (resident_id IS NULL OR NOT first_line)", [PRELIMINARY])
            refused = cursor.fetchall()
            cursor.execute("DROP TABLE payment_lines")
        for line_no in held:
            errors.add(line_no, "payment_held",
                       "金額がこの年度の未納額を大きく超えているため、収納せずに保留しました"
                       "（保留中の収納の画面で、過納として収納するか返戻するかを判断してください）。")
        duplicates = 0
        for line_no, matched in refused:
            if matched:
                duplicates += 1
                errors.add(line_no, "receipt_received", "この受付番号の収納は受信済みです（二重計上しません）。")
            else:
                errors.add(line_no, "payment_number_unknown", "納付番号に該当する納期がありません（未発行または更正により変更）。")
        errors.write(file)
        rejected = len(errors.rows) - duplicates - failed - len(held)
        InboundFile.objects.filter(pk=file.pk).update(applied=applied, rejected=rejected, duplicates=duplicates)
    file.refresh_from_db()
    return PaymentsReceived(file, created=True, applied=applied, rejected=rejected, duplicates=duplicates,
                            preliminary=preliminary, transfer_failed=failed, held=len(held))


def _count(cursor, sql: str, params=()) -> int:
    cursor.execute(sql, params)
    return cursor.fetchone()[0]


def _late_charge_split(cursor, hold_margin: int) -> None:
    """Split the lines of ``payment_lines`` (payment_file_receive) that pay a bill after its 納期限
    with its late charge: a 納付書 of a bill past its 納期限 prints the premium and its 延滞金 under
    one 納付番号 (docs/subsystems/premium-notices.md), so the bank reports one amount. The premium
    comes first (what the installment still owes before this line), the rest up to the
    installment's open late charge as of the 納付日 is the charge's (``late_charge``, booked as a
    LateChargePayment), and anything beyond stays on the premium as an overpayment. The charge is
    the city's under its 条例 (地方自治法 §231の3(2)), counted as 地方税法 §326 counts it
    (premiums.rules.arrears.late_charge_of, the day of payment included); when its rate for a
    calendar year is missing the line is not split (the charge is never guessed).

    A line held only because it carried a late charge (more than the year's open premium, but not
    more than that plus the year's open late charges and the margin) is not held."""
    cursor.execute(
        "SELECT t.line_no, t.resident_id, t.fiscal_year, t.month, t.amount, t.paid_on, t.held, t.open_amount, "
        "i.amount - COALESCE((SELECT sum(p.amount) FROM premiums_payment p WHERE p.resident_id = t.resident_id "
        "AND p.fiscal_year = t.fiscal_year AND p.method = 'billing' AND p.month = t.month), 0) "
        "FROM payment_lines t JOIN premiums_levy l ON l.resident_id = t.resident_id "
        "AND l.fiscal_year = t.fiscal_year AND l.recorded_to IS NULL "
        "JOIN premiums_levyinstallment i ON i.levy_id = l.id AND i.method = 'billing' AND i.month = t.month "
        "WHERE t.first_line AND t.channel <> %s AND t.paid_on > i.due_date ORDER BY t.line_no", [PRELIMINARY])
    premium_left: dict[tuple[int, int, date], int] = {}
    charge_left: dict[tuple[int, int, date], int] = {}
    years: dict[tuple[int, int, date], object] = {}
    splits, released = [], []
    for row in cursor.fetchall():
        line_no, resident_id, fiscal_year, month, amount, paid_on, held, year_open, installment_open = row
        key = (resident_id, fiscal_year, month)
        premium = premium_left.setdefault(key, max(installment_open, 0))
        rest = amount - min(amount, premium)
        if rest <= 0:
            premium_left[key] = premium - amount
            continue
        year_key = (resident_id, fiscal_year, paid_on)
        if year_key not in years:
            years[year_key] = year_collection(resident_id, fiscal_year, as_of=paid_on)
        year = years[year_key]
        charge = year.late_charge("billing", month) if year else None
        if charge is None or charge.rate_missing:
            continue
        if held:
            # held against the year's open premium alone: a slip with its late charge is not beyond what is due
            if amount > (year_open or 0) + year.late_charge_open + hold_margin:
                continue
            released.append(line_no)
        left = charge_left.setdefault(key, charge.open)
        late = min(rest, left)
        premium_left[key] = premium - min(amount, premium)
        charge_left[key] = left - late
        if late > 0:
            splits.append((line_no, late))
    if released:
        cursor.execute("UPDATE payment_lines SET held = false WHERE line_no = ANY(%s)", [released])
    for line_no, late in splits:
        cursor.execute("UPDATE payment_lines SET amount = amount - %s, late_charge = %s WHERE line_no = %s",
                       [late, late, line_no])


def pension_results_receive(data: bytes, *, file_name: str, month: tuple[int, int], actor=None) -> Received:
    """Apply a 特別徴収結果通知 (10) for the pension month ``month``: every deducted line becomes a
    Payment of the pension installment of that month (channel 特別徴収, paid on the pension
    payment day), matched to the resident like the listings. A deduction the 年金保険者 could not
    make is listed with its reason and recorded as a DeductionStop, and the person's year queued
    for the re-levy, which drops that month's and later deductions and bills them (普通徴収へ切替)."""
    require_operate(actor)
    digest, existing = _existing(data)
    if existing is not None:
        return Received(existing, created=False)
    parsed = parse_pension_file(data, notice=Notice.RESULTS, month=month)
    _refuse(parsed, digest=digest, kind=InboundKind.PENSION, file_name=file_name, actor=actor,
            month=_month_or_none(month), notice=Notice.RESULTS)
    errors = _Errors(parsed.errors)
    fiscal_year = fiscal_year_of(date(*month, 1))
    matches = _matches(parsed.records)
    known = set(Payment.objects.filter(channel=PaymentChannel.PENSION, serial__in=[
        r.serial for r in parsed.records]).values_list("serial", flat=True))
    first_of_month = date(*month, 1)
    with transaction.atomic():
        constraints_immediate()  # bulk writes to trail-tracked tables (kaigo.db)
        file = InboundFile.objects.create(kind=InboundKind.PENSION, sha256=digest, file_name=file_name[:200],
                                          fiscal_year=fiscal_year, month=first_of_month, notice=Notice.RESULTS,
                                          total_lines=parsed.total_lines,
                                          received_by=actor if getattr(actor, "pk", None) else None)
        persons = sorted({pid for pids in matches.values() for pid in pids})
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT l.resident_id, i.due_date FROM premiums_levy l JOIN premiums_levyinstallment i "
                "ON i.levy_id = l.id AND i.method = 'pension' AND i.month = %s WHERE l.recorded_to IS NULL "
                "AND l.fiscal_year = %s AND l.resident_id = ANY(%s)", [first_of_month, fiscal_year, persons])
            requested = dict(cursor.fetchall())
        payments, stops, duplicates = [], [], 0
        for r in parsed.records:
            if r.serial in known:
                duplicates += 1
                errors.resent(r.line_no)
                continue
            pid = _one_resident(r.line_no, matches, errors)
            if pid is None:
                continue
            if pid not in requested:
                errors.add(r.line_no, "deduction_not_requested", "この月の特別徴収を依頼していない方です。")
                continue
            if not r.deducted:
                errors.add(r.line_no, "not_deducted",
                           f"特別徴収されませんでした（{DeductionResult(r.result).label}）。この月以降の特別徴収は"
                           "次の更正で普通徴収に切り替えます。")
                stops.append(DeductionStop(resident_id=pid, fiscal_year=fiscal_year, month=first_of_month,
                                           result=r.result, file=file))
                continue
            known.add(r.serial)
            payments.append(Payment(resident_id=pid, fiscal_year=fiscal_year, method="pension",
                                    month=first_of_month, channel=PaymentChannel.PENSION, amount=r.deducted_amount,
                                    paid_on=requested[pid], booked_on=requested[pid], serial=r.serial,
                                    agent_code=r.insurer_code, file=file))
        Payment.objects.bulk_create(payments)
        DeductionStop.objects.bulk_create(stops, ignore_conflicts=True)
        levy_pending_add([(stop.resident_id, fiscal_year, first_of_month, LevyPendingCause.PENSION) for stop in stops])
        errors.write(file)
        rejected = len(errors.rows) - duplicates
        InboundFile.objects.filter(pk=file.pk).update(applied=len(payments), rejected=rejected, duplicates=duplicates)
    file.refresh_from_db()
    return Received(file, created=True, applied=len(payments), rejected=rejected, duplicates=duplicates)
