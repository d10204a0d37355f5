"""The synthetic city's people (eligibility's part): residents and households with their data
keys, residence spells, qualification periods and insured numbers, deterministic for a seed, for
development, demos, tests and benchmarks. Every person is made up; the banner on every screen says so.

Who lives in the city (wards, ages, households, names, addresses) is the population model of the
registry's simulator (linkage/registry/population.py, ``CityPlan``), so that the city and a
simulated day of registry changes look alike. This module turns that plan into rows: written
as ciphertext through the same encryption code as the application (kaigo.crypto), in bulk with
binary COPY, in chunks of households of one transaction each, by a writer thread while the next
chunk is laid out (``ChunkWriter``). Its steps of ``generate_city`` are at the end (synthetic/steps.py).
"""

from __future__ import annotations

import io
import os
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.db import connection, connections, transaction
from django.utils import timezone
from tqdm import tqdm

from audit.trail import trail_context_active, trail_context_bind, trail_context_current
from eligibility.models import Household, InsuredNumber, QualificationPeriod, ResidenceSpell, Resident
from eligibility.qualification.rules import PersonFacts, derive_periods
from eligibility.qualification.rules import ResidenceSpell as Spell
from eligibility.qualification.services import PERIOD_COLUMNS, PERIOD_TYPES
from eligibility.residents.rules import insured_number_from_serial
from eligibility.residents.services import resident_indexes
from kaigo.crypto import envelope
from kaigo.crypto.keyring import get_keyring
from kaigo.crypto.models import PersonKey
from eligibility.households.services import household_history_backfill
from kaigo.db import constraints_deferred, constraints_immediate, copy_rows
from linkage.registry.population import CityPlan, HouseholdPlan, Person

if TYPE_CHECKING:
    from synthetic.steps import CityRun

CHUNK_HOUSEHOLDS = 4_000

RESIDENT_COLUMNS = [
    "id", "household_id", "relation", "my_number_ct", "name_kanji_ct", "name_kana_ct", "address_ct", "phone_ct",
    "sensitive_reason_ct", "my_number_bidx", "kana_name_bidx", "kana_surname_birth_bidx", "sex", "birth_date", "ward",
    "status", "sensitive", "created_at", "updated_at",
]
RESIDENT_TYPES = [
    "int8", "int8", "text", "bytea", "bytea", "bytea", "bytea", "bytea", "bytea", "int4", "int4", "int4", "text", "date",
    "text", "text", "bool", "timestamptz", "timestamptz",
]


def _secondary_indexes() -> dict[str, str]:
    """The resident table's declared indexes (Resident.Meta.indexes) as DDL: dropped before a
    bulk load into an empty table and built once after it."""
    editor = connection.schema_editor()
    return {index.name: str(index.create_sql(Resident, editor)) for index in Resident._meta.indexes}


class RowWriter:
    """Seals one person's fields with their new data key and lays out their rows for COPY."""

    def __init__(self):
        ring = get_keyring()
        self.kek_version = ring.kek_active
        self.kek = AESGCM(ring.kek(ring.kek_active))
        self.now = timezone.now()

    def person_rows(self, person_id: int, household_id: int, household: HouseholdPlan, person: Person):
        dek = os.urandom(32)
        aead = AESGCM(dek)
        nonce = os.urandom(12)
        wrapped = envelope.WRAP_PREFIX + nonce + self.kek.encrypt(
            nonce, dek, envelope.wrap_aad(person_id, self.kek_version))

        def seal(column: str, text: str | None) -> bytes | None:
            if text is None:
                return None
            n = os.urandom(12)
            aad = envelope.field_aad("eligibility_resident", column, person_id, person_id)
            return envelope.FIELD_PREFIX + b"\x01" + n + aead.encrypt(n, text.encode(), aad)

        kana = f"{person.surname[1]} {person.given[1]}"
        indexes = resident_indexes(name_kana=kana, birth_date=person.birth_date, my_number=person.my_number)
        resident = (
            person_id, household_id, person.relation, seal("my_number_ct", person.my_number),
            seal("name_kanji_ct", f"{person.surname[0]} {person.given[0]}"), seal("name_kana_ct", kana),
            seal("address_ct", household.address), seal("phone_ct", person.phone),
            seal("sensitive_reason_ct", "DV等支援措置" if person.sensitive else None),
            indexes["my_number_bidx"], indexes["kana_name_bidx"], indexes["kana_surname_birth_bidx"],
            person.sex, person.birth_date, household.ward, "resident", person.sensitive, self.now, self.now,
        )
        key = (person_id, self.kek_version, wrapped, 1, self.now)
        return resident, key


def reserve_numbers(sequence: str, count: int) -> int:
    """The first of ``count`` consecutive numbers taken from ``sequence`` (run on a quiet system:
    another session taking a number meanwhile would fall inside the range)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s)", [sequence])
        (first,) = cursor.fetchone()
        cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
    return first


def generate(*, residents: int, seed: int, as_of: date, progress: Callable[[int], None] | None = None) -> int:
    """Create about ``residents`` residents (whole households; the last is cut to fit). Returns the count.

    Python lays out and encrypts one chunk while PostgreSQL takes the one before (``ChunkWriter``)."""
    plan = CityPlan(seed=seed, as_of=as_of)
    writer = RowWriter()
    first_person = reserve_numbers("eligibility_resident_number_seq", residents)
    first_household = reserve_numbers("eligibility_household_number_seq", residents)
    fresh = not _table_has_rows()
    if fresh:
        _drop_secondary_indexes()
    used: set[str] = set()
    written, chunk = 0, 0
    try:
        with ChunkWriter(as_of=as_of) as write:
            while written < residents:
                households = plan.households(chunk, CHUNK_HOUSEHOLDS, used)
                rows = chunk_rows(writer, households, first_person + written,
                                  first_household + chunk * CHUNK_HOUSEHOLDS, residents - written, as_of)
                write(rows, done=(lambda n=written + rows.residents: progress(n)) if progress else None)
                written += rows.residents
                chunk += 1
    finally:
        if fresh:
            _create_secondary_indexes()
    return written


MOVED_IN_SHARE = 0.15  # residents who moved into the city as adults (the rest: since birth or before records)


def moved_in_on(person: Person, as_of: date) -> date | None:
    """When the person moved into the city (None: since birth or before records). Drawn from the
    person's own number so that the rest of the city does not shift with it."""
    rng = random.Random(person.my_number)
    if rng.random() >= MOVED_IN_SHARE:
        return None
    earliest = person.birth_date + timedelta(days=20 * 365)
    latest = as_of - timedelta(days=90)  # not a move-in still being notified
    if earliest >= latest:
        return None
    return earliest + timedelta(days=rng.randrange((latest - earliest).days + 1))


def qualification_rows(person_id: int, person: Person, as_of: date, now):
    """The residence spell and the qualification periods of a generated resident: derived with the
    same rules as the intake, so that the consistency check finds the generated city consistent."""
    start = moved_in_on(person, as_of)
    spell = (person_id, start, None, start is not None, "")
    facts = PersonFacts(birth_date=person.birth_date,
                        residence=(Spell(start=start, end=None, start_is_move_in=start is not None),))
    periods = [(person_id, p.insured_class, p.start, p.end, p.gain_reason, p.loss_reason or "", 1, now, "generated",
                None, None) for p in derive_periods(facts, until=as_of)]
    return spell, periods


@dataclass
class ChunkRows:
    """One chunk's rows, laid out for COPY."""

    keys: list
    households: list
    residents_rows: list
    spells: list
    periods: list

    @property
    def residents(self) -> int:
        return len(self.residents_rows)


def chunk_rows(writer: RowWriter, households: list[HouseholdPlan], next_person: int, next_household: int,
               room: int, as_of: date | None = None) -> ChunkRows:
    """The rows of a chunk of households (at most ``room`` persons), encrypted; no database work."""
    as_of = as_of or date.today()
    rows = ChunkRows([], [], [], [], [])
    for offset, household in enumerate(households):
        if room <= 0:
            break
        members = household.members[:room]
        household_id = next_household + offset
        rows.households.append((household_id, household.ward, next_person))
        for person in members:
            resident, key = writer.person_rows(next_person, household_id, household, person)
            rows.residents_rows.append(resident)
            rows.keys.append(key)
            spell, periods = qualification_rows(next_person, person, as_of, writer.now)
            rows.spells.append(spell)
            rows.periods += periods
            next_person += 1
        room -= len(members)
    return rows


def write_chunk(rows: ChunkRows, as_of: date, trail=None) -> None:
    """COPY one chunk's rows in one transaction (insured numbers taken here, in chunk order).
    ``trail``: the change trail's context to bind (that of the thread that started the writes)."""
    with transaction.atomic():
        _bind_trail(trail)
        constraints_deferred()  # households and residents name each other (an outer transaction may be immediate)
        copy_rows(PersonKey, ["person_id", "kek_version", "wrapped_dek", "dek_gen", "created_at"], rows.keys,
                  types=["int8", "text", "bytea", "int2", "timestamptz"])
        copy_rows(Household, ["id", "ward", "head_id"], rows.households, types=["int8", "text", "int8"])
        copy_rows(Resident, RESIDENT_COLUMNS, rows.residents_rows, types=RESIDENT_TYPES)
        constraints_immediate()  # the households' heads exist now; what follows references written rows
        copy_rows(ResidenceSpell, ["resident_id", "start", "end", "start_is_move_in", "end_kind"], rows.spells,
                  types=["int8", "date", "date", "bool", "text"])
        copy_rows(QualificationPeriod, PERIOD_COLUMNS, rows.periods, types=PERIOD_TYPES)
        household_history_backfill([row[0] for row in rows.spells])  # the household history's first stretch
        insured = sorted({row[0] for row in rows.periods})
        if insured:
            first = reserve_numbers("eligibility_insured_number_seq", len(insured))
            copy_rows(InsuredNumber, ["resident_id", "number", "issued_on"],
                      [(pid, insured_number_from_serial(first + i), as_of) for i, pid in enumerate(insured)],
                      types=["int8", "text", "date"])


class ChunkWriter:
    """Writes chunks in order. Outside a transaction (the command), in a thread of its own with its
    own database connection, at most ``PENDING`` chunks behind: PostgreSQL takes one chunk while
    Python lays out and encrypts the next (COPY waits on the server with the GIL released). Inside
    a transaction (a test's), inline in it. The first failure is raised, from the next ``write``
    or on leaving the block; chunks written before it stay (each is whole), none after it is."""

    PENDING = 2

    def __init__(self, *, as_of: date):
        self.as_of = as_of
        self.threaded = not connection.in_atomic_block
        self.pool = None
        self.pending: list = []
        self.failed = threading.Event()

    def __enter__(self):
        if self.threaded:
            self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="city-writer")
        return self

    def __call__(self, rows: ChunkRows, done: Callable[[], None] | None = None) -> None:
        if not self.threaded:
            write_chunk(rows, self.as_of)
            if done:
                done()
            return
        while len(self.pending) >= self.PENDING:
            self._settle_first()
        self.pending.append((self.pool.submit(self._write, rows, trail_context_current()), done))

    def _write(self, rows: ChunkRows, trail) -> None:
        if self.failed.is_set():  # a chunk before this one failed: write nothing after it
            return
        try:
            write_chunk(rows, self.as_of, trail)
        except BaseException:
            self.failed.set()
            raise

    def _settle_first(self) -> None:
        future, done = self.pending.pop(0)
        future.result()
        if done:
            done()

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.pool is None:
            return
        try:
            if exc_type is None:
                while self.pending:
                    self._settle_first()
        finally:
            if self.pending:  # left by a failure: what is still queued writes nothing
                self.failed.set()
                for future, _ in self.pending:
                    future.cancel()
            self.pool.submit(_close_connection).result()
            self.pool.shutdown(wait=True)


def _close_connection() -> None:
    connections.close_all()


def _bind_trail(trail=None) -> None:
    """Name the generator in the change trail of the rows this transaction COPYs (inside a
    ``trail_context``; the command opens one). ``trail``: a context taken from another thread."""
    if trail is not None or trail_context_active():
        trail_context_bind(trail)


def _table_has_rows() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM eligibility_resident)")
        return cursor.fetchone()[0]


def _drop_secondary_indexes() -> None:
    with connection.cursor() as cursor:
        for name in _secondary_indexes():
            cursor.execute(f"DROP INDEX IF EXISTS {name}")


def _create_secondary_indexes() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # inside an outer transaction (tests)
        for name, ddl in _secondary_indexes().items():
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
            cursor.execute(ddl)
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # back to how Django declares them
        cursor.execute("ANALYZE eligibility_resident")


def raw_copy_rate() -> tuple[int, float]:
    """The machine's own ceiling for these rows: the resident rows just written, read back and
    COPYed (binary, one transaction) into an empty copy of the table with the same indexes and
    constraints. Returns (rows, rows per second)."""
    buffer = io.BytesIO()
    with connection.cursor() as cursor:
        with cursor.copy("COPY eligibility_resident TO STDOUT (FORMAT BINARY)") as copy:
            for block in copy:
                buffer.write(block)
    data = buffer.getvalue()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE raw_copy_resident (LIKE eligibility_resident INCLUDING ALL) ON COMMIT DROP")
        started = time.perf_counter()
        with cursor.copy("COPY raw_copy_resident FROM STDIN (FORMAT BINARY)") as copy:
            for offset in range(0, len(data), 1 << 20):
                copy.write(data[offset : offset + (1 << 20)])
        elapsed = time.perf_counter() - started
        cursor.execute("SELECT count(*) FROM raw_copy_resident")
        (rows,) = cursor.fetchone()
    return rows, rows / elapsed


def qualification_backfill(*, as_of: date, progress: Callable[[int], None] | None = None, chunk: int = 50_000) -> int:
    """Residence spells, qualification periods and insured numbers for residents that have no spell
    yet (a city generated before qualification existed). Same rules as the generator; COPY in
    chunks of one transaction each. Returns the number of residents completed."""
    now = timezone.now()
    done, last = 0, 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT r.id, r.birth_date FROM eligibility_resident r WHERE r.id > %s AND NOT EXISTS "
                "(SELECT 1 FROM eligibility_residencespell s WHERE s.resident_id = r.id) ORDER BY r.id LIMIT %s",
                [last, chunk])
            rows = cursor.fetchall()
        if not rows:
            return done
        spells, periods = [], []
        for pid, born in rows:
            spells.append((pid, None, None, False, ""))
            facts = PersonFacts(birth_date=born, residence=(Spell(start=None, end=None, start_is_move_in=False),))
            periods += [(pid, p.insured_class, p.start, p.end, p.gain_reason, p.loss_reason or "", 1, now,
                         "generated", None, None) for p in derive_periods(facts, until=as_of)]
        insured = sorted({p[0] for p in periods})
        with transaction.atomic():
            _bind_trail()
            constraints_immediate()  # the residents exist (kaigo.db: trail triggers and deferred checks)
            copy_rows(ResidenceSpell, ["resident_id", "start", "end", "start_is_move_in", "end_kind"], spells,
                      types=["int8", "date", "date", "bool", "text"])
            copy_rows(QualificationPeriod, PERIOD_COLUMNS, periods, types=PERIOD_TYPES)
            if insured:
                first = reserve_numbers("eligibility_insured_number_seq", len(insured))
                copy_rows(InsuredNumber, ["resident_id", "number", "issued_on"],
                          [(pid, insured_number_from_serial(first + i), as_of) for i, pid in enumerate(insured)],
                          types=["int8", "text", "date"])
        done += len(rows)
        last = rows[-1][0]
        if progress:
            progress(done)


# ----- steps of generate_city (synthetic/steps.py) ---------------------------------------------------


def residents_step(run: CityRun) -> str | None:
    """The city's people: ``run.residents`` residents in whole households, with their data keys,
    residence spells, qualification periods and insured numbers. Nothing when the city exists."""
    if run.existing:
        return None
    started = time.perf_counter()
    if run.progress_file is None:
        count = generate(residents=run.residents, seed=run.seed, as_of=run.as_of)
    else:
        with tqdm(total=run.residents, unit="人", desc="合成データ生成", file=run.progress_file,
                  dynamic_ncols=True) as bar:
            count = generate(residents=run.residents, seed=run.seed, as_of=run.as_of,
                             progress=lambda n: bar.update(n - bar.n))
    elapsed = time.perf_counter() - started
    said = f"synthetic city: {count:,} residents in {elapsed:.1f} s ({count / elapsed:,.0f} residents/s), seed {run.seed}"
    if run.compare_copy:
        rows, ceiling = raw_copy_rate()
        said += (f"\nraw COPY of the same {rows:,} resident rows into a copy of the table (same indexes): "
                 f"{ceiling:,.0f} rows/s; generator / raw COPY = {count / elapsed / ceiling:.2f} "
                 f"(the generator also creates the households and data keys, and encrypts)")
    return said


def qualification_step(run: CityRun) -> str | None:
    """On an existing city: the residence spells, qualification periods and insured numbers of
    residents generated before qualification existed (new residents get theirs with them)."""
    if not run.existing:
        return None
    filled = qualification_backfill(as_of=run.as_of)
    return f"qualification completed for {filled:,} residents" if filled else None
