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
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import connection, transaction
from django.utils import timezone

from eligibility.codes import OWN_MUNICIPALITY_CODES, FacilityKind, ResidenceStatus, Ward, WorkKind
from eligibility.intake.format import HEADER
from eligibility.intake.models import (
    ChangeStatus,
    RegistryChange,
    RegistryFile,
    RegistryFileStatus,
    WorkItem,
    WorkStatus,
)
from eligibility.intake.parser import KindOfChange, RegistryRecord, parse_feed
from eligibility.intake.rules import ACTION_STAYS, WorkAction, actions_for
from eligibility.intake.selectors import change_record, work_item_in_scope
from eligibility.qualification.models import Facility, FacilityStay, QualificationSource
from eligibility.qualification.services import Context, qualification_horizon, requalify
from eligibility.residents.models import Household, ResidenceSpell, Resident, SpellEnd
from eligibility.residents.services import resident_indexes
from kaigo.batches.registry import RecordError
from kaigo.crypto.blind_index import my_number_index
from kaigo.crypto.deks import dek_new, dek_preload, dek_remember, dek_wrap
from kaigo.crypto.models import PersonKey
from kaigo.crypto.services import person_key_create
from kaigo.db import copy_rows, update_rows
from kaigo.errors import ApplicationError, InvalidState, NotPermitted

PAST_DATED_DAYS = 14  # a change effective more than this before the business date needs a clerk
QUALIFY_AHEAD_DAYS = 0  # the intake derives periods up to the business date (the monthly run looks ahead)


class IntakeFileInvalid(ApplicationError):
    code = "registry_file_invalid"


@dataclass
class Received:
    file: RegistryFile
    created: bool
    lines: int = 0
    rejected: int = 0
    duplicates: int = 0


def registry_file_receive(data: bytes, *, file_name: str, business_date: date, actor=None) -> Received:
    """Store a change file and its lines (one transaction). The same bytes again: nothing new."""
    digest = hashlib.sha256(data).hexdigest()
    existing = RegistryFile.objects.filter(sha256=digest).first()
    if existing is not None:
        return Received(existing, created=False)
    parsed = parse_feed(data, today=business_date)
    if parsed.rejected:
        raise IntakeFileInvalid("ファイルを受け付けられません: " + " ".join(e.message for e in parsed.errors[:3]))
    # the parser's line numbers: split on "\n" only (splitlines() would also split on U+2028)
    text_lines = [t.rstrip("\r") for t in data.decode("utf-8").split("\n")]
    if text_lines and text_lines[-1] == "":
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


def _record_of(change: RegistryChange, header: str) -> RegistryRecord:
    parsed = parse_feed((header + "\n" + change.line + "\n").encode("utf-8"))
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
    header = HEADER
    person_ids = sorted({c.person_id for c in changes})
    dek_preload(person_ids)
    residents = {r.pk: r for r in Resident.objects.filter(id__any=person_ids)}
    facilities: dict[str, Facility] = {}  # filled as codes appear
    applier = _Applier(file=file, residents=residents, actor_id=actor_id, batch_run_id=batch_run_id)
    now = timezone.now()
    touched: set[int] = set()
    for change in changes:
        record = _record_of(change, header)
        judgement = (decide or {}).get(change.pk)
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
            return None
        if r.kind == K.DEATH:
            if r.effective_on < resident.birth_date:
                return "death_before_birth", "死亡日が生年月日より前です。"
            if self._before_move_in(resident.pk, r.effective_on):
                return "before_move_in", "死亡日が登録されている転入日より前です。"
            self._set(resident, status=ResidenceStatus.DECEASED, died_on=r.effective_on)
            self._close_spell(resident.pk, r.effective_on, SpellEnd.DEATH)
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
        if r.relation and r.relation != resident.relation:
            self._set(resident, relation=r.relation)

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
        if self.work:
            WorkItem.objects.bulk_create(self.work)


def _pg_type(field) -> str:
    return {"BigIntegerField": "int8", "IntegerField": "int4", "DateField": "date", "DateTimeField": "timestamptz",
            "BooleanField": "bool", "EncryptedTextField": "bytea", "ForeignKey": "int8"}.get(
        type(field).__name__, "text")


def mark_done(file: RegistryFile) -> None:
    RegistryFile.objects.filter(pk=file.pk).update(status=RegistryFileStatus.DONE)


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
    RegistryFile.objects.filter(pk=received.file.pk).update(batch_run=run, status=RegistryFileStatus.APPLYING)
    received.file.batch_run = run
    return received, run


# --- the work queue (要確認案件): a clerk's decisions --------------------------------------------


class WorkActionInvalid(ApplicationError):
    code = "work_action_invalid"


def work_item_resolve(*, actor, item_id: int, action: str) -> WorkItem:
    """Carry out a clerk's decision on an open work item (one transaction). Raises
    WorkItem.DoesNotExist, NotPermitted (another ward's item), InvalidState (already resolved),
    WorkActionInvalid (a decision this item does not offer, or a change that cannot be applied:
    with the intake's reason)."""
    with transaction.atomic(durable=True):
        item = WorkItem.objects.select_for_update().select_related("change__file").get(pk=item_id)
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
