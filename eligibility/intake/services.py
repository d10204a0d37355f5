"""Writes of the resident-registry intake (住基異動): receive a change file, keep its lines (sealed),
and apply them person by person in a batch (kind ``eligibility.registry_intake``,
eligibility/intake/batch_kinds.py); carry out a clerk's decision on a work item (要確認案件).

Receiving is one transaction: the file row, its data key and one row per line (applicable,
rejected with line number and reason, or a duplicate of a serial applied before). A file whose
bytes were received before is not stored again; a serial applied before is never applied again.
Applying runs in chunks of persons: every change of one person is in the same chunk, in the order
of its effective date, so a worker killed mid-chunk leaves nothing and the chunk is redone.

What needs a person's judgement goes to the work queue (WorkItem) instead of being applied:
a change dated too far in the past, a move into or out of a facility (適用除外 / 住所地特例
candidates), data that contradicts the resident as stored.

A clerk's decision on a work item is one transaction: apply the change as a normal change, or
first record the stay the clerk decided (適用除外 / 住所地特例) and then apply it, or dismiss it
(取下げ); the work item records who decided what and when. Applying goes through ``apply_chunk``
restricted to the one person and the one change (``decide={change_id: action}``), so the
resident, the registry change and the qualification revision (source "work_queue") change
exactly as in the nightly run.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from django.db import connection, transaction
from django.utils import timezone

from eligibility.codes import ABROAD_CODE, OWN_MUNICIPALITY_CODES, FacilityKind, ResidenceStatus, Ward, WorkKind
from eligibility.intake.format import LAYOUT
from eligibility.intake.models import (
    ChangeStatus,
    ManualMove,
    ManualMoveStatus,
    MoveKind,
    RegistryChange,
    RegistryFile,
    RegistryFileStatus,
    WorkItem,
    WorkStatus,
)
from eligibility.intake.parser import KindOfChange, RegistryRecord, parse_feed
from eligibility.intake.rules import ACTION_STAYS, MoveInput, WorkAction, actions_for, manual_move_check
from eligibility.intake.selectors import change_record, work_item_in_scope
from eligibility.qualification.models import Facility, FacilityStay, QualificationSource
from eligibility.qualification.rules import Period, derive_periods, move_out_loss_date
from eligibility.qualification.rules import ResidenceSpell as QSpell
from eligibility.qualification.services import (
    Context,
    facts_for,
    latest_fact,
    qualification_horizon,
    requalify,
    stored_periods,
)
from eligibility.households.models import MembershipCause
from eligibility.households.rules import HouseholdMove
from eligibility.households.services import household_moves_record
from eligibility.residents.models import Household, ResidenceSpell, Resident, SpellEnd
from eligibility.residents.scope import UPDATE_NOT_PERMITTED, in_home_ward, require_person_update
from eligibility.residents.services import resident_indexes
from kaigo.batches.registry import RecordError
from kaigo.batches.services import require_operate
from kaigo.crypto.blind_index import my_number_index
from kaigo.crypto.deks import dek_new, dek_preload, dek_remember, dek_wrap
from kaigo.crypto.models import PersonKey
from kaigo.crypto.services import person_key_create
from kaigo.db import copy_rows, update_rows
from kaigo.errors import ApplicationError, InvalidState, NotPermitted
from kaigo.staff.roles import has_permission

PAST_DATED_DAYS = 14  # a change effective more than this before the business date needs a clerk
QUALIFY_AHEAD_DAYS = 0  # the intake derives periods up to the business date (the monthly run looks ahead)


class IntakeFileInvalid(ApplicationError):
    """A file refused whole; ``faults``: the codes of the file-level faults (for the log: no value)."""

    code = "registry_file_invalid"

    def __init__(self, message: str, *, faults: tuple[str, ...] = ()):
        super().__init__(message)
        self.faults = faults


@dataclass
class Received:
    file: RegistryFile
    created: bool
    lines: int = 0
    rejected: int = 0
    duplicates: int = 0


def registry_file_receive(data: bytes, *, file_name: str, business_date: date, actor=None) -> Received:
    """Store a change file and its lines (one transaction). The same bytes again: nothing new."""
    require_operate(actor)
    digest = hashlib.sha256(data).hexdigest()
    existing = RegistryFile.objects.filter(sha256=digest).first()
    if existing is not None:
        if existing.status == RegistryFileStatus.REFUSED:
            raise IntakeFileInvalid(f"このファイルは受付不可として記録済みです（ファイル {existing.pk}）: {existing.refusal}",
                                    faults=("refused_before",))
        return Received(existing, created=False)
    parsed = parse_feed(data, today=business_date)
    if parsed.rejected:
        # refused whole: recorded with its reason (for 住基異動の取込結果), nothing of it applied
        reason = " ".join(e.message for e in parsed.errors if e.code in parsed.file_errors)[:600]
        refused = RegistryFile.objects.create(
            sha256=digest, file_name=file_name[:200], business_date=business_date, total_lines=parsed.total_lines,
            received_by=actor if getattr(actor, "pk", None) else None, status=RegistryFileStatus.REFUSED,
            refusal=reason)
        raise IntakeFileInvalid(f"ファイルを受け付けられません（ファイル {refused.pk}）: {reason}",
                                faults=tuple(e.code for e in parsed.errors if e.code in parsed.file_errors))
    # the parser's line numbers: split on "\n" only (splitlines() would also split on U+2028);
    # the last line is the trailer, checked by the parser
    text_lines = [t.rstrip("\r") for t in data.decode("utf-8").split("\n")]
    if text_lines and text_lines[-1] == "":
        text_lines.pop()
    text_lines.pop()
    by_line = {r.line_no: r for r in parsed.records}
    errors = {e.line_no: e for e in parsed.errors}
    serials = [r.serial for r in parsed.records]
    seen = set(
        RegistryChange.objects.filter(serial__in=serials)
        .exclude(status__in=[ChangeStatus.REJECTED, ChangeStatus.DUPLICATE]).values_list("serial", flat=True)
    )
    received = Received(file=None, created=True)  # type: ignore[arg-type]
    with transaction.atomic():
        f = RegistryFile.objects.create(sha256=digest, file_name=file_name[:200], business_date=business_date,
                                        received_by=actor if getattr(actor, "pk", None) else None,
                                        total_lines=max(len(text_lines) - 1, 0))
        person_key_create(person_id=f.key_id)
        line_numbers = [n for n in range(2, len(text_lines) + 1) if text_lines[n - 1].strip() or n in errors]
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(pg_get_serial_sequence('eligibility_registrychange', 'id')) "
                           "FROM generate_series(1, %s)", [len(line_numbers)])
            ids = [r[0] for r in cursor.fetchall()]
        field_ = RegistryChange._meta.get_field("line")
        rows = []
        for row_id, n in zip(ids, line_numbers, strict=True):
            probe = RegistryChange(id=row_id, file_id=f.pk)
            sealed = field_.seal(probe, text_lines[n - 1])
            record, error = by_line.get(n), errors.get(n)
            if error is not None or record is None:
                received.rejected += 1
                code = error.code if error else "unparsed"
                message = error.message if error else f"{n}行目: 読み取れません。"
                rows.append((row_id, f.pk, n, error.serial or "" if error else "", "", None, None, "",
                             ChangeStatus.REJECTED, code, message[:300], sealed))
                continue
            status, code, message = ChangeStatus.PENDING, "", ""
            if record.serial in seen:
                status, code = ChangeStatus.DUPLICATE, "duplicate_serial"
                message = f"{n}行目: 異動連番は既に受信済みです（再送）。適用しません。"
                received.duplicates += 1
            seen.add(record.serial)
            rows.append((row_id, f.pk, n, record.serial, record.kind, record.effective_on, record.person_id,
                         record.ward or "", status, code, message, sealed))
        copy_rows(RegistryChange, ["id", "file_id", "line_no", "serial", "kind", "effective_on", "person_id", "ward",
                                   "status", "error_code", "error_message", "line_ct"], rows,
                  types=["int8", "int8", "int4", "text", "text", "date", "int8", "text", "text", "text", "text",
                         "bytea"])
    received.file = f
    received.lines = len(rows)
    return received


# --- applying ----------------------------------------------------------------------------------


@dataclass
class ChunkResult:
    applied: int = 0
    queued: int = 0
    errors: list[RecordError] = field(default_factory=list)


def _record_of(change: RegistryChange) -> RegistryRecord:
    parsed = parse_feed(LAYOUT.file([change.line]))
    if not parsed.records:
        raise ValueError("stored line no longer parses")
    return parsed.records[0]


def apply_chunk(*, file: RegistryFile, lo: int, hi: int, batch_run_id: int | None, actor_id: int | None,
                statuses=(ChangeStatus.PENDING,), decide: dict[int, str] | None = None,
                source: str = "intake") -> ChunkResult:
    """Apply the pending changes of persons [lo, hi) of ``file`` (in the caller's transaction).
    With ``decide`` (a clerk's decision per change id) only those changes are applied: another
    queued change of the same person stays in the queue (queueing it again would duplicate its
    work item). ``source``: the QualificationSource the new revisions record ("work_queue" there)."""
    changes = RegistryChange.objects.filter(file=file, person_id__gte=lo, person_id__lt=hi, status__in=statuses)
    if decide is not None:
        changes = changes.filter(pk__in=list(decide))
    changes = list(changes.order_by("person_id", "effective_on", "line_no"))
    result = ChunkResult()
    if not changes:
        return result
    dek_preload([file.key_id])
    person_ids = sorted({c.person_id for c in changes})
    dek_preload(person_ids)
    residents = {r.pk: r for r in Resident.objects.filter(id__any=person_ids)}
    facilities: dict[str, Facility] = {}  # filled as codes appear
    applier = _Applier(file=file, residents=residents, actor_id=actor_id, batch_run_id=batch_run_id)
    now = timezone.now()
    touched: set[int] = set()
    # moves a clerk entered by hand that the registry has not confirmed yet, per person
    manual: dict[int, list[ManualMove]] = defaultdict(list)
    for m in ManualMove.objects.filter(resident_id__in=person_ids, status=ManualMoveStatus.RECORDED).order_by("id"):
        manual[m.resident_id].append(m)
    for change in changes:
        record = _record_of(change)
        judgement = (decide or {}).get(change.pk)
        if record.kind == KindOfChange.MOVE_OUT and not judgement:
            entered = next((m for m in manual.get(record.person_id, ()) if m.kind != MoveKind.MOVE_WITHIN), None)
            if entered is not None:
                if _manual_match(record, entered):
                    change.status, change.applied_at, change.error_code = ChangeStatus.APPLIED, now, "manual_move"
                    change.error_message = (f"{change.line_no}行目: 手入力で記録済みの転出と一致するため、"
                                            "重ねて適用していません。")
                    _manual_confirm(entered, change)
                    manual[record.person_id].remove(entered)
                    result.applied += 1
                else:
                    message = (f"{change.line_no}行目: 手入力で記録した転出と異動日または転出先（国内・国外）が異なります。"
                               "手入力の転出を訂正（取消）してから適用してください。")
                    change.status, change.error_code, change.error_message = ChangeStatus.QUEUED, WorkKind.CONFLICT, \
                        message
                    applier.queue(change, WorkKind.CONFLICT, record)
                    result.queued += 1
                continue
        if record.kind == KindOfChange.MOVE_WITHIN:
            entered = next((m for m in manual.get(record.person_id, ()) if m.kind == MoveKind.MOVE_WITHIN
                            and m.moved_on == record.effective_on and (not record.ward or m.ward_after == record.ward)),
                           None)
            if entered is not None:  # applied as usual below (same ward, and the address); confirms the entry
                _manual_confirm(entered, change)
                manual[record.person_id].remove(entered)
        problem = None if judgement else _needs_judgement(record, change, residents, file.business_date, facilities)
        if problem is None:
            error = applier.apply(record, judgement=judgement)
            if error:
                change.status, change.error_code, change.error_message = ChangeStatus.REJECTED, error[0], \
                    f"{change.line_no}行目: {error[1]}"
                result.errors.append(RecordError(f"{change.line_no}行目", error[0], change.error_message))
            else:
                change.status, change.applied_at = ChangeStatus.APPLIED, now
                touched.add(record.person_id)
                result.applied += 1
        else:
            kind, message = problem
            change.status, change.error_code, change.error_message = ChangeStatus.QUEUED, kind, message
            applier.queue(change, kind, record)
            result.queued += 1
    applier.flush()
    update_rows(RegistryChange, "id", ["status", "error_code", "error_message", "applied_at"],
                ((c.pk, c.status, c.error_code, c.error_message, c.applied_at) for c in changes),
                types=["int8", "text", "text", "text", "timestamptz"])
    file_status_settle(file.pk)
    if touched:
        requalify(sorted(touched), until=max(file.business_date, qualification_horizon(date.today())),
                  context=Context(source=source, actor_id=actor_id, batch_run_id=batch_run_id,
                                  event_key=f"registry-file:{file.pk}"))
    return result


def _needs_judgement(record: RegistryRecord, change: RegistryChange, residents: dict[int, Resident],
                     business_date: date, facilities: dict[str, Facility]) -> tuple[str, str] | None:
    if record.effective_on < business_date - timedelta(days=PAST_DATED_DAYS):
        return WorkKind.PAST_DATED, f"{change.line_no}行目: 異動日が{PAST_DATED_DAYS}日以上前です。資格への影響を確認してください。"
    if record.facility_code:
        if record.facility_code not in facilities:
            f = Facility.objects.filter(code=record.facility_code).first()
            if f is not None:
                facilities[f.code] = f
        facility = facilities.get(record.facility_code)
        if facility is not None:
            if facility.kind == FacilityKind.EXEMPTION and record.kind in (KindOfChange.MOVE_IN, KindOfChange.MOVE_WITHIN):
                return WorkKind.EXEMPTION, f"{change.line_no}行目: 適用除外施設の住所です。"
            if facility.kind == FacilityKind.SPECIAL and record.kind == KindOfChange.MOVE_OUT \
                    and facility.municipality not in OWN_MUNICIPALITY_CODES:
                return WorkKind.SELF_SPECIAL, f"{change.line_no}行目: 他市町村の住所地特例対象施設への転出です。"
            if facility.kind == FacilityKind.SPECIAL and record.kind == KindOfChange.MOVE_IN \
                    and facility.municipality in OWN_MUNICIPALITY_CODES:
                return WorkKind.OTHER_SPECIAL, f"{change.line_no}行目: 住所地特例対象施設への転入です（他市町村の被保険者の可能性）。"
    resident = residents.get(record.person_id)
    if resident is not None and record.kind in (KindOfChange.BIRTH,):
        return WorkKind.CONFLICT, f"{change.line_no}行目: 出生の届出ですが、宛名番号は既に登録されています。"
    if resident is not None and record.kind == KindOfChange.MOVE_IN and resident.status == ResidenceStatus.RESIDENT:
        return WorkKind.CONFLICT, f"{change.line_no}行目: 転入の届出ですが、既に住民として登録されています。"
    if resident is not None and record.birth_date and record.kind not in (KindOfChange.CORRECTION,) \
            and record.birth_date != resident.birth_date:
        return WorkKind.CONFLICT, f"{change.line_no}行目: 生年月日が登録内容と異なります。"
    return None


class _Applier:
    """Applies records to the residents of one chunk; writes once at flush()."""

    def __init__(self, *, file, residents, actor_id, batch_run_id):
        self.file = file
        self.residents: dict[int, Resident] = residents
        self.new: dict[int, Resident] = {}
        self.dirty: dict[int, set[str]] = defaultdict(set)
        # each person's open spell (from the database, or new in this chunk), updated in memory
        self.open_spell: dict[int, ResidenceSpell] = {
            s.resident_id: s for s in ResidenceSpell.objects.filter(resident__id__any=list(residents), end__isnull=True)
        }
        self.spells_new: list[ResidenceSpell] = []
        self.spells_closed: list[ResidenceSpell] = []
        self.households: dict[int, str] = {}
        self.moves: list[HouseholdMove] = []  # the household history's moves, in the file's order
        self.work: list[WorkItem] = []
        self.actor_id = actor_id
        self.batch_run_id = batch_run_id

    # -- one record ----------------------------------------------------------------------------
    def apply(self, r: RegistryRecord, *, judgement: str | None = None) -> tuple[str, str] | None:
        K = KindOfChange
        resident = self.residents.get(r.person_id) or self.new.get(r.person_id)
        if r.kind in (K.BIRTH, K.MOVE_IN, K.EX_OFFICIO_ENTRY):
            if resident is not None and resident.status == ResidenceStatus.RESIDENT:
                return "already_resident", "既に住民として登録されています。"
            if resident is None:
                missing = [n for n in ("name_kanji", "name_kana", "sex", "birth_date", "ward", "address")
                           if not getattr(r, n)]
                if missing:
                    return "incomplete", "新しい住民の必須項目が不足しています。"
                resident = self._create(r)
            else:  # a former resident moves back
                self._set(resident, status=ResidenceStatus.RESIDENT, moved_out_on=None, ward=r.ward or resident.ward)
                if r.address:
                    self._seal(resident, "address", r.address)
            spell = ResidenceSpell(resident_id=r.person_id, start=None if r.kind == K.BIRTH else r.effective_on,
                                   start_is_move_in=r.kind != K.BIRTH)
            self.spells_new.append(spell)
            self.open_spell[r.person_id] = spell
            self._household(resident, r)
            if resident.household_id:  # back in the city: a membership again (the same household too)
                self._move(r, resident.household_id, MembershipCause.BIRTH if r.kind == K.BIRTH
                           else MembershipCause.MOVE_IN)
            return None
        if resident is None:
            return "unknown_person", "宛名番号が登録されていません。"
        if resident.status == ResidenceStatus.DECEASED:
            return "deceased", "死亡により消除された住民への異動です。"
        if r.kind in (K.MOVE_OUT, K.EX_OFFICIO_REMOVAL):
            if resident.status != ResidenceStatus.RESIDENT:
                return "not_resident", "住民ではない宛名への転出です。"
            if self._before_move_in(resident.pk, r.effective_on):
                return "before_move_in", "異動日が登録されている転入日より前です。"
            self._set(resident, status=ResidenceStatus.MOVED_OUT, moved_out_on=r.effective_on)
            # the destination decides the loss day (法 §11): another municipality that day, or abroad
            self._close_spell(resident.pk, r.effective_on,
                              SpellEnd.MOVE_OUT if r.kind == K.MOVE_OUT else SpellEnd.EX_OFFICIO,
                              moved_to=(r.to_municipality or "") if r.kind == K.MOVE_OUT else "")
            self._move(r, None, MembershipCause.MOVE_OUT)
            return None
        if r.kind == K.DEATH:
            if r.effective_on < resident.birth_date:
                return "death_before_birth", "死亡日が生年月日より前です。"
            if self._before_move_in(resident.pk, r.effective_on):
                return "before_move_in", "死亡日が登録されている転入日より前です。"
            self._set(resident, status=ResidenceStatus.DECEASED, died_on=r.effective_on)
            self._close_spell(resident.pk, r.effective_on, SpellEnd.DEATH)
            self._move(r, None, MembershipCause.DEATH)
            return None
        if r.kind == K.MOVE_WITHIN:
            if r.ward:
                self._set(resident, ward=r.ward)
            if r.address:
                self._seal(resident, "address", r.address)
            self._household(resident, r)
            return None
        if r.kind in (K.NAME_CHANGE, K.CORRECTION):
            if r.name_kanji:
                self._seal(resident, "name_kanji", r.name_kanji)
            if r.name_kana:
                self._seal(resident, "name_kana", r.name_kana)
            if r.kind == K.CORRECTION:
                if r.birth_date:
                    self._set(resident, birth_date=r.birth_date)
                if r.sex:
                    self._set(resident, sex=r.sex)
                if r.address:
                    self._seal(resident, "address", r.address)
            self._reindex(resident)
            return None
        if r.kind == K.HOUSEHOLD_CHANGE:
            if not r.household_id:
                return "incomplete", "世帯番号がありません。"
            self._household(resident, r)
            return None
        return "unknown_kind", "この異動事由は処理できません。"

    def queue(self, change: RegistryChange, kind: str, record: RegistryRecord) -> None:
        resident = self.residents.get(record.person_id)
        # a change naming no ward of a person we do not know: the first ward of the city's list (the
        # head office sees every ward's items)
        ward = record.ward or (resident.ward if resident else "") or Ward.values[0]
        self.work.append(WorkItem(kind=kind, change=change, ward=ward, person_id=record.person_id))

    # -- helpers ---------------------------------------------------------------------------------
    def _before_move_in(self, person_id: int, day: date) -> bool:
        spell = self.open_spell.get(person_id)
        return spell is not None and spell.start is not None and day < spell.start

    def _close_spell(self, person_id: int, day: date, kind: str, *, moved_to: str = "") -> None:
        spell = self.open_spell.pop(person_id, None)
        if spell is None:  # no open spell recorded (data from before the records): keep the fact
            spell = ResidenceSpell(resident_id=person_id, start=None, start_is_move_in=False)
            self.spells_new.append(spell)
        spell.end, spell.end_kind, spell.moved_to = day, kind, moved_to
        if spell.pk is not None:
            self.spells_closed.append(spell)

    def _set(self, resident: Resident, **values) -> None:
        for name, value in values.items():
            setattr(resident, name, value)
            self.dirty[resident.pk].add(name)

    def _seal(self, resident: Resident, name: str, text: str | None) -> None:
        """Set an encrypted field and seal it now (bulk writes do not call pre_save)."""
        f = Resident._meta.get_field(name)
        setattr(resident, name, text)
        f.pre_save(resident, add=False)
        self.dirty[resident.pk].add(name)

    def _reindex(self, resident: Resident) -> None:
        indexes = resident_indexes(name_kana=resident.name_kana, birth_date=resident.birth_date)
        resident.kana_name_bidx = indexes["kana_name_bidx"]
        resident.kana_surname_birth_bidx = indexes["kana_surname_birth_bidx"]
        self.dirty[resident.pk] |= {"kana_name_bidx", "kana_surname_birth_bidx"}

    def _household(self, resident: Resident, r: RegistryRecord) -> None:
        if r.household_id and r.household_id != resident.household_id:
            self.households[r.household_id] = r.ward or resident.ward
            self._set(resident, household_id=r.household_id)
            if r.kind not in (KindOfChange.BIRTH, KindOfChange.MOVE_IN, KindOfChange.EX_OFFICIO_ENTRY):
                self._move(r, r.household_id, MembershipCause.HOUSEHOLD_CHANGE)
        if r.relation and r.relation != resident.relation:
            self._set(resident, relation=r.relation)

    def _move(self, r: RegistryRecord, household_id: int | None, cause: str) -> None:
        self.moves.append(HouseholdMove(r.person_id, household_id, r.effective_on, str(cause), key=r.serial))

    def _create(self, r: RegistryRecord) -> Resident:
        dek = dek_new()
        dek_remember(r.person_id, dek)
        version, wrapped = dek_wrap(r.person_id, dek)
        self._keys = getattr(self, "_keys", [])
        self._keys.append(PersonKey(person_id=r.person_id, kek_version=version, wrapped_dek=wrapped))
        resident = Resident(id=r.person_id, relation=r.relation or "head", sex=r.sex, birth_date=r.birth_date,
                            ward=r.ward, status=ResidenceStatus.RESIDENT,
                            my_number_bidx=my_number_index(r.my_number) if r.my_number else None)
        self.new[r.person_id] = resident
        for name in ("name_kanji", "name_kana", "address", "my_number"):
            self._seal(resident, name, getattr(r, name))
        self._seal(resident, "phone", None)
        self._seal(resident, "sensitive_reason", None)
        self._reindex(resident)
        return resident

    # -- writing ---------------------------------------------------------------------------------
    def flush(self) -> None:
        if getattr(self, "_keys", None):
            PersonKey.objects.bulk_create(self._keys)
        if self.households:
            # a new household's members may sit in two chunks running at once: the first creates it
            Household.objects.bulk_create([Household(id=h, ward=w) for h, w in self.households.items()],
                                          ignore_conflicts=True)
        if self.new:
            Resident.objects.bulk_create(list(self.new.values()))
        now = timezone.now()
        dirty = [self.residents[pid] for pid in self.dirty if pid in self.residents]
        if dirty:
            columns = sorted({Resident._meta.get_field(n).column for pid in self.dirty for n in self.dirty[pid]}
                             | {"updated_at"})
            fields = {f.column: f for f in Resident._meta.concrete_fields}
            for resident in dirty:
                resident.updated_at = now
            update_rows(Resident, "id", columns,
                        ([r.pk, *[getattr(r, fields[c].attname) for c in columns]] for r in dirty),
                        types=["int8", *[_pg_type(fields[c]) for c in columns]])
        if self.spells_closed:
            update_rows(ResidenceSpell, "id", ["end", "end_kind", "moved_to"],
                        ((s.pk, s.end, s.end_kind, s.moved_to) for s in self.spells_closed),
                        types=["int8", "date", "text", "text"])
        if self.spells_new:
            ResidenceSpell.objects.bulk_create(self.spells_new)
        household_moves_record(self.moves)
        if self.work:
            WorkItem.objects.bulk_create(self.work)


def _pg_type(field) -> str:
    return {"BigIntegerField": "int8", "IntegerField": "int4", "DateField": "date", "DateTimeField": "timestamptz",
            "BooleanField": "bool", "EncryptedTextField": "bytea", "ForeignKey": "int8"}.get(
        type(field).__name__, "text")


def file_status_settle(file_id: int) -> str:
    """Set a file's state from its lines (in the caller's transaction) and return it: 適用中 while a
    line is pending, then 一部エラー when a line was refused (by the parser or when applied), else
    適用済. Lines waiting for a clerk (要確認) do not keep the file open: the intake is done, the
    work queue holds them. The file row is locked first, so that the last two chunks of a run,
    committing at the same time, cannot both see the other's lines as pending."""
    file = RegistryFile.objects.select_for_update().get(pk=file_id)
    if file.status == RegistryFileStatus.REFUSED:
        return file.status
    lines = RegistryChange.objects.filter(file_id=file_id)
    if lines.filter(status=ChangeStatus.PENDING).exists():
        status = RegistryFileStatus.APPLYING if file.batch_run_id else file.status
    elif lines.filter(status=ChangeStatus.REJECTED).exists():
        status = RegistryFileStatus.DONE_WITH_ERRORS
    else:
        status = RegistryFileStatus.DONE
    if status != file.status:
        RegistryFile.objects.filter(pk=file_id).update(status=status)
    return status


def registry_file_receive_and_start(data: bytes, *, file_name: str, business_date: date, actor, origin,
                                    persons_per_chunk: int = 2_000):
    """Receive a file and start its intake run (none when the same bytes were received before)."""
    from kaigo.batches.services import batch_start

    received = registry_file_receive(data, file_name=file_name, business_date=business_date, actor=actor)
    if not received.created:
        return received, None
    run = batch_start(kind="eligibility.registry_intake",
                      params={"file_id": received.file.pk, "persons_per_chunk": persons_per_chunk},
                      actor=actor if getattr(actor, "pk", None) else None, origin=origin)
    with transaction.atomic():
        RegistryFile.objects.filter(pk=received.file.pk).update(batch_run=run)
        # a chunk may have settled the file already: only a file still 受信 becomes 適用中
        RegistryFile.objects.filter(pk=received.file.pk, status=RegistryFileStatus.RECEIVED).update(
            status=RegistryFileStatus.APPLYING)
        file_status_settle(received.file.pk)  # a file with no line to apply is done at once
    received.file.refresh_from_db()
    return received, run


# --- the work queue (要確認案件): a clerk's decisions --------------------------------------------


class WorkActionInvalid(ApplicationError):
    code = "work_action_invalid"


def work_item_resolve(*, actor, item_id: int, action: str) -> WorkItem:
    """Carry out a clerk's decision on an open work item (one transaction). Raises
    WorkItem.DoesNotExist, NotPermitted (without ``qualification.update``, or another ward's item:
    both checked here), InvalidState (already resolved),
    WorkActionInvalid (a decision this item does not offer, or a change that cannot be applied:
    with the intake's reason)."""
    with transaction.atomic(durable=True):
        item = WorkItem.objects.select_for_update().select_related("change__file").get(pk=item_id)
        if not has_permission(actor, "qualification.update"):
            raise NotPermitted(UPDATE_NOT_PERMITTED)
        if not work_item_in_scope(actor, item.ward):
            raise NotPermitted("他の区の要確認案件は処理できません。")
        if item.status != WorkStatus.OPEN:
            raise InvalidState("この案件は既に処理されています。")
        if action not in actions_for(item.kind):
            raise WorkActionInvalid("この案件では選べない処理です。")
        change = item.change
        if change.status != ChangeStatus.QUEUED:
            raise InvalidState("この異動は要確認の状態ではありません。")
        if action == WorkAction.DISMISS:
            change.status = ChangeStatus.DISMISSED
            change.save(update_fields=["status"])
        else:
            _apply(actor=actor, change=change, action=action)
        item.status = WorkStatus.DONE
        item.resolution = action
        item.resolved_by = actor
        item.resolved_at = timezone.now()
        item.save(update_fields=["status", "resolution", "resolved_by", "resolved_at"])
    return item


def _apply(*, actor, change: RegistryChange, action: str) -> None:
    record = change_record(change)
    if record is None:
        raise WorkActionInvalid("異動レコードを読み取れないため適用できません。取下げてください。")
    stay_kind = ACTION_STAYS.get(action)
    if stay_kind is not None:
        facility = Facility.objects.filter(code=record.facility_code).first() if record.facility_code else None
        if facility is None:
            raise WorkActionInvalid("異動レコードの施設が施設マスタにないため、施設入所として適用できません。")
        # A person who moves in is created by the apply below, in this transaction: the
        # foreign key is checked at commit.
        FacilityStay.objects.create(resident_id=record.person_id, kind=stay_kind, facility=facility,
                                    start=record.effective_on, decided_by=actor)
    apply_chunk(file=change.file, lo=record.person_id, hi=record.person_id + 1, batch_run_id=None,
                actor_id=actor.pk, statuses=(ChangeStatus.QUEUED,), decide={change.pk: action},
                source=QualificationSource.WORK_QUEUE)
    change.refresh_from_db(fields=["status", "error_message"])
    if change.status != ChangeStatus.APPLIED:
        raise WorkActionInvalid(f"適用できませんでした: {change.error_message or '理由不明'}")


# --- moves entered by hand (転出・転居の手入力) ------------------------------------------------------
#
# A clerk records a 転出 (国内 or 国外) or a 転居 the registry's change file will not carry. It is the
# registry fact the intake would record (the residence spell closed with its destination, the
# resident's status, or the new ward), written by the same rules, and the person's history
# re-derived by the same ``requalify``: a new revision and one eligibility.qualification_changed
# event, on which premiums queue the re-levy (更正). The loss day is the rule's
# (eligibility.qualification.rules.move_out_loss_date, 介護保険法 §11 第1項), never computed here.
#
# When the registry's file later carries the same move (same person, same day, same side of the
# border), its line changes nothing: it is marked applied with the reason, and the manual move is
# confirmed by it (``_manual_match``). A line that says otherwise goes to the work queue (不一致): a
# clerk corrects the manual entry (取消) and applies the line. A 転居 line is applied as usual (its
# ward and address are the same or newer) and confirms the manual 転居 of that day.


class ManualMoveInvalid(ApplicationError):
    code = "manual_move_invalid"

    def __init__(self, problems):
        super().__init__(" ".join(problems))
        self.problems = list(problems)


@dataclass
class MoveEffect:
    """What a move entered by hand does to the person's qualification (the confirmation step)."""

    move: MoveInput
    before: list[Period]
    after: list[Period]
    loss_on: date | None  # the 資格喪失日 the move gives (None: not insured that day, or a 転居)
    loss_reason: str
    rule_loss_on: date | None  # the day the law gives (§11), shown even when nothing changes

    @property
    def changed(self) -> bool:
        return self.before != self.after


def _move_locked(actor, resident_id: int, move: MoveInput, *, permission_check: bool = True):
    """The resident, locked, after the scope check: the clerk's own ward (head office: any); for a
    転居, the ward moved from or the ward moved to (the new ward's office registers it)."""
    resident = (Resident.objects.select_for_update()
                .only("id", "ward", "status", "birth_date", "died_on", "moved_out_on").get(pk=resident_id))
    if not has_permission(actor, "qualification.update"):
        raise NotPermitted(UPDATE_NOT_PERMITTED)
    if move.kind == MoveKind.MOVE_WITHIN and move.ward and in_home_ward(actor, move.ward):
        return resident
    require_person_update(actor, resident)
    return resident


def _open_spell(resident_id: int) -> ResidenceSpell | None:
    return ResidenceSpell.objects.filter(resident_id=resident_id, end__isnull=True).order_by("-id").first()


def _move_problems(move: MoveInput, resident: Resident, today: date) -> list[str]:
    spell = _open_spell(resident.pk)
    return manual_move_check(move, today=today, resident_status=resident.status, current_ward=resident.ward,
                             birth_date=resident.birth_date, spell_start=spell.start if spell else None)


def move_effect(*, actor, resident_id: int, move: MoveInput, today: date | None = None) -> MoveEffect:
    """The confirmation step: check the move and derive the history it would give, writing nothing
    (the facts with the move applied in memory, then ``derive_periods``, as ``requalify`` will).
    Raises ManualMoveInvalid, NotPermitted, Resident.DoesNotExist."""
    today = today or timezone.localdate()
    with transaction.atomic():
        resident = _move_locked(actor, resident_id, move)
        problems = _move_problems(move, resident, today)
        if problems:
            raise ManualMoveInvalid(problems)
        facts = facts_for([resident_id])[resident_id]
        before = stored_periods([resident_id]).get(resident_id, [])
    rule_loss = None
    if move.kind in (MoveKind.MOVE_OUT, MoveKind.ABROAD):
        rule_loss = move_out_loss_date(move.moved_on, abroad=move.kind == MoveKind.ABROAD)
        residence = list(facts.residence)
        closing = replace(residence[-1] if residence and residence[-1].end is None
                          else QSpell(start=None, end=None, start_is_move_in=False),
                          end=move.moved_on, to_other_municipality=move.kind == MoveKind.MOVE_OUT)
        if residence and residence[-1].end is None:
            residence[-1] = closing
        else:
            residence.append(closing)
        facts = replace(facts, residence=tuple(residence))
    until = max(qualification_horizon(today), move.moved_on)
    after = derive_periods(facts, until=max(until, latest_fact(facts)))
    ended = next((p for p in after if rule_loss is not None and p.end == rule_loss), None)
    return MoveEffect(move=move, before=before, after=after, loss_on=ended.end if ended else None,
                      loss_reason=(ended.loss_reason or "") if ended else "", rule_loss_on=rule_loss)


@dataclass
class ManualMoveResult:
    move: ManualMove
    changed: list[int]


def manual_move_record(*, actor, resident_id: int, move: MoveInput, today: date | None = None) -> ManualMoveResult:
    """Record a move entered by hand and re-derive the person's qualification (one transaction;
    module section above). Raises ManualMoveInvalid, NotPermitted, Resident.DoesNotExist."""
    today = today or timezone.localdate()
    with transaction.atomic(durable=True):
        resident = _move_locked(actor, resident_id, move)
        problems = _move_problems(move, resident, today)
        if problems:
            raise ManualMoveInvalid(problems)
        record = ManualMove(resident_id=resident_id, kind=move.kind, moved_on=move.moved_on,
                            ward_before=resident.ward, entered_by=actor)
        if move.kind == MoveKind.MOVE_WITHIN:
            record.ward_after = move.ward
            resident.ward = move.ward
            resident.save(update_fields=["ward", "updated_at"])
        else:
            record.destination = ABROAD_CODE if move.kind == MoveKind.ABROAD else move.destination
            spell = _open_spell(resident_id) or ResidenceSpell(resident_id=resident_id, start=None,
                                                               start_is_move_in=False)
            spell.end, spell.end_kind, spell.moved_to = move.moved_on, SpellEnd.MOVE_OUT, record.destination
            spell.save()
            record.spell = spell
            resident.status, resident.moved_out_on = ResidenceStatus.MOVED_OUT, move.moved_on
            resident.save(update_fields=["status", "moved_out_on", "updated_at"])
        record.save()
        result = requalify([resident_id], until=max(qualification_horizon(today), move.moved_on),
                           context=Context(source=QualificationSource.MANUAL_MOVE, actor_id=actor.pk,
                                           event_key=f"manual-move:{record.pk}"))
    return ManualMoveResult(record, result.changed)


def manual_move_cancel(*, actor, move_id: int, reason: str, today: date | None = None) -> ManualMoveResult:
    """訂正: undo a move entered by hand by mistake (one transaction): the spell reopens (or the ward
    returns), the manual move is kept as cancelled with who, when and why, and the history is
    re-derived (source 訂正: a new revision and event, so premiums correct back). Only the person's
    latest fact can be undone, and only while the registry has not confirmed it (a confirmed move
    is corrected by the registry's own correction line). Raises ManualMoveInvalid, InvalidState,
    NotPermitted, ManualMove.DoesNotExist."""
    today = today or timezone.localdate()
    reason = (reason or "").strip()
    if not reason:
        raise ManualMoveInvalid(["訂正の理由を入力してください。"])
    with transaction.atomic(durable=True):
        record = ManualMove.objects.select_for_update().get(pk=move_id)
        resident = (Resident.objects.select_for_update()
                    .only("id", "ward", "status", "birth_date", "died_on", "moved_out_on").get(pk=record.resident_id))
        if not has_permission(actor, "qualification.update"):
            raise NotPermitted(UPDATE_NOT_PERMITTED)
        require_person_update(actor, resident)
        if record.status == ManualMoveStatus.CANCELLED:
            raise InvalidState("この異動は既に取り消されています。")
        if record.status == ManualMoveStatus.CONFIRMED:
            raise InvalidState("住基の異動で確認済みのため取り消せません（住基の訂正の異動で処理されます）。")
        if record.kind == MoveKind.MOVE_WITHIN:
            if resident.ward != record.ward_after:
                raise InvalidState("転居の後に区が変わっているため取り消せません。")
            resident.ward = record.ward_before
            resident.save(update_fields=["ward", "updated_at"])
        else:
            spell = record.spell
            latest = ResidenceSpell.objects.filter(resident_id=resident.pk).order_by("-id").first()
            if spell is None or latest is None or latest.pk != spell.pk or resident.status != ResidenceStatus.MOVED_OUT:
                raise InvalidState("この転出の後に別の異動が記録されているため取り消せません。")
            spell.end, spell.end_kind, spell.moved_to = None, "", ""
            spell.save(update_fields=["end", "end_kind", "moved_to"])
            resident.status, resident.moved_out_on = ResidenceStatus.RESIDENT, None
            resident.save(update_fields=["status", "moved_out_on", "updated_at"])
        record.status, record.cancelled_by, record.cancelled_at = ManualMoveStatus.CANCELLED, actor, timezone.now()
        record.cancel_reason = reason[:200]
        record.save(update_fields=["status", "cancelled_by", "cancelled_at", "cancel_reason"])
        result = requalify([resident.pk], until=max(qualification_horizon(today), record.moved_on),
                           context=Context(source=QualificationSource.CORRECTION, actor_id=actor.pk,
                                           event_key=f"manual-move-cancel:{record.pk}"))
    return ManualMoveResult(record, result.changed)


def _manual_confirm(manual: ManualMove, change: RegistryChange) -> None:
    """The registry's line confirms a move entered by hand (in the chunk's transaction)."""
    ManualMove.objects.filter(pk=manual.pk).update(status=ManualMoveStatus.CONFIRMED, registry_change=change)


def _manual_match(record: RegistryRecord, manual: ManualMove) -> bool:
    """Whether a registry 転出 line is the move a clerk entered by hand: the same 異動日 and the
    same side of the border (abroad or not; a destination the line leaves empty matches either).
    The loss day depends on nothing else (法 §11 第1項)."""
    if record.effective_on != manual.moved_on:
        return False
    line_abroad = record.to_municipality == ABROAD_CODE
    return not record.to_municipality or line_abroad == (manual.kind == MoveKind.ABROAD)
