"""The synthetic city: deterministic residents and households for development, demos,
tests and benchmarks. Every person is made up; the banner on every screen says so.

Rows are written as ciphertext through the same encryption code as the application
(kaigo.crypto), in bulk with binary COPY, in chunks of households of one transaction each,
by a writer thread while the next chunk is laid out (``ChunkWriter``).
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.db import connection, transaction
from django.utils import timezone

from eligibility.codes import Relation, Sex, Ward
from eligibility.models import Household, Resident
from eligibility.residents.rules import my_number_check_digit
from eligibility.synthetic.names import (
    GIVEN_FEMALE,
    GIVEN_FEMALE_COMPOSED,
    GIVEN_MALE,
    GIVEN_MALE_COMPOSED,
    SURNAME_TAIL,
    SURNAME_TAIL_WEIGHT,
    SURNAMES,
)
from kaigo.crypto import envelope
from kaigo.crypto.blind_index import KANA_NAME, KANA_SURNAME_BIRTH, MY_NUMBER
from kaigo.crypto.keyring import get_keyring
from kaigo.crypto.models import PersonKey
from kaigo.db import constraints_deferred, constraints_immediate, copy_rows

# Residents per ward (weights close to the city's real ward populations).
WARD_WEIGHTS = {
    Ward.KAWASAKI: 232, Ward.SAIWAI: 172, Ward.NAKAHARA: 264, Ward.TAKATSU: 235,
    Ward.MIYAMAE: 232, Ward.TAMA: 220, Ward.ASAO: 179,
}
TOWNS = {
    Ward.KAWASAKI: ["砂子", "小川町", "大師町", "田島町", "渡田", "藤崎"],
    Ward.SAIWAI: ["小向", "戸手", "南加瀬", "鹿島田", "古市場", "塚越"],
    Ward.NAKAHARA: ["小杉町", "新丸子町", "木月", "井田", "上小田中", "今井南町"],
    Ward.TAKATSU: ["溝口", "二子", "久本", "末長", "梶ケ谷", "千年"],
    Ward.MIYAMAE: ["宮前平", "鷺沼", "有馬", "犬蔵", "野川", "菅生"],
    Ward.TAMA: ["登戸", "宿河原", "菅", "生田", "中野島", "長沢"],
    Ward.ASAO: ["上麻生", "百合丘", "王禅寺", "片平", "栗木", "細山"],
}
# Share of residents by 5-year age band (0-4, 5-9, ... 95-99): about a quarter are 65 or older.
AGE_BANDS = [40, 42, 43, 45, 52, 56, 60, 66, 72, 80, 73, 64, 58, 55, 60, 46, 36, 25, 12, 4]
HOUSEHOLD_SIZES = {1: 38, 2: 28, 3: 17, 4: 13, 5: 4}
PHONE_SHARE = 0.6
SENSITIVE_SHARE = 0.001
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


def address_make(rng: random.Random, ward: str) -> str:
    """A made-up street address in ``ward`` (public: the registry-feed simulator uses it too)."""
    return (f"神奈川県川崎市{Ward(ward).label}{rng.choice(TOWNS[ward])}{rng.randrange(1, 6)}丁目"
            f"{rng.randrange(1, 40)}番{rng.randrange(1, 30)}号")


def given_name_choose(rng: random.Random, sex: str, born: date) -> tuple[str, str]:
    """A given name (kanji, katakana) for ``sex``, often one in fashion when they were born
    (public: the registry-feed simulator uses it too)."""
    pool = GIVEN_MALE if sex == Sex.MALE else GIVEN_FEMALE
    half = len(pool) // 2
    if rng.random() < 0.6:  # names in fashion when they were born
        return rng.choice(pool[:half] if born.year < 1975 else pool[half:])
    return rng.choice(GIVEN_MALE_COMPOSED if sex == Sex.MALE else GIVEN_FEMALE_COMPOSED)


@dataclass(frozen=True)
class Person:
    surname: tuple[str, str]
    given: tuple[str, str]
    sex: str
    birth_date: date
    relation: str
    my_number: str
    phone: str | None
    sensitive: bool


@dataclass(frozen=True)
class HouseholdPlan:
    ward: str
    address: str
    members: list[Person]


class CityPlan:
    """Deterministic people: the same seed gives the same city (chunk by chunk)."""

    def __init__(self, *, seed: int, as_of: date):
        self.seed = seed
        self.as_of = as_of
        self.surnames = [(k, r) for k, r, _ in SURNAMES] + SURNAME_TAIL
        self.surname_weights = [w for _, _, w in SURNAMES] + [SURNAME_TAIL_WEIGHT] * len(SURNAME_TAIL)
        self.wards = list(WARD_WEIGHTS)
        self.ward_weights = list(WARD_WEIGHTS.values())
        self.sizes = list(HOUSEHOLD_SIZES)
        self.size_weights = list(HOUSEHOLD_SIZES.values())

    def households(self, chunk: int, count: int, used_numbers: set[str]) -> list[HouseholdPlan]:
        rng = random.Random(f"{self.seed}:{chunk}")
        return [self._household(rng, used_numbers) for _ in range(count)]

    def _age(self, rng: random.Random, low: int = 0, high: int = 104) -> int:
        while True:
            band = rng.choices(range(len(AGE_BANDS)), AGE_BANDS)[0]
            age = band * 5 + rng.randrange(5)
            if low <= age <= high:
                return age

    def _person(self, rng, used, *, surname, age: int, sex: str, relation: str) -> Person:
        born = self.as_of - timedelta(days=age * 365 + rng.randrange(365))
        given = given_name_choose(rng, sex, born)
        while True:
            first = f"{rng.randrange(10**11):011d}"
            number = first + str(my_number_check_digit(first))
            if number not in used:
                used.add(number)
                break
        phone = f"044-{rng.randrange(200, 999)}-{rng.randrange(10000):04d}" if rng.random() < PHONE_SHARE else None
        return Person(surname, given, sex, born, relation, number, phone, rng.random() < SENSITIVE_SHARE)

    def _household(self, rng: random.Random, used: set[str]) -> HouseholdPlan:
        ward = rng.choices(self.wards, self.ward_weights)[0]
        address = address_make(rng, ward)
        surname = rng.choices(self.surnames, self.surname_weights)[0]
        size = rng.choices(self.sizes, self.size_weights)[0]
        head_age = self._age(rng, 20)
        head_sex = rng.choice([Sex.MALE, Sex.FEMALE])
        members = [self._person(rng, used, surname=surname, age=head_age, sex=head_sex, relation=Relation.HEAD)]
        if size >= 2:
            spouse_sex = Sex.FEMALE if head_sex == Sex.MALE else Sex.MALE
            spouse_age = max(18, min(104, head_age + rng.randint(-5, 5)))
            members.append(self._person(rng, used, surname=surname, age=spouse_age, sex=spouse_sex, relation=Relation.SPOUSE))
        for _ in range(size - len(members)):
            if head_age >= 55 and rng.random() < 0.3:
                age, relation = min(104, head_age + rng.randint(22, 35)), Relation.PARENT
            else:
                age, relation = max(0, head_age - rng.randint(24, 40)), Relation.CHILD
            members.append(self._person(rng, used, surname=surname, age=age,
                                        sex=rng.choice([Sex.MALE, Sex.FEMALE]), relation=relation))
        return HouseholdPlan(ward, address, members)


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
        resident = (
            person_id, household_id, person.relation, seal("my_number_ct", person.my_number),
            seal("name_kanji_ct", f"{person.surname[0]} {person.given[0]}"), seal("name_kana_ct", kana),
            seal("address_ct", household.address), seal("phone_ct", person.phone),
            seal("sensitive_reason_ct", "DV等支援措置" if person.sensitive else None),
            MY_NUMBER.of(person.my_number), KANA_NAME.of(f"{person.surname[1]}{person.given[1]}"),
            KANA_SURNAME_BIRTH.of(f"{person.surname[1]}|{person.birth_date.isoformat()}"),
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
    from eligibility.qualification.rules import PersonFacts, ResidenceSpell, derive_periods

    start = moved_in_on(person, as_of)
    spell = (person_id, start, None, start is not None, "")
    facts = PersonFacts(birth_date=person.birth_date,
                        residence=(ResidenceSpell(start=start, end=None, start_is_move_in=start is not None),))
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
    from eligibility.models import InsuredNumber, QualificationPeriod, ResidenceSpell
    from eligibility.qualification.services import PERIOD_COLUMNS, PERIOD_TYPES
    from eligibility.residents.rules import insured_number_from_serial

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
        import threading

        self.as_of = as_of
        self.threaded = not connection.in_atomic_block
        self.pool = None
        self.pending: list = []
        self.failed = threading.Event()

    def __enter__(self):
        if self.threaded:
            from concurrent.futures import ThreadPoolExecutor

            self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="city-writer")
        return self

    def __call__(self, rows: ChunkRows, done: Callable[[], None] | None = None) -> None:
        if not self.threaded:
            write_chunk(rows, self.as_of)
            if done:
                done()
            return
        from audit.trail import trail_context_current

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
    from django.db import connections

    connections.close_all()


def _bind_trail(trail=None) -> None:
    """Name the generator in the change trail of the rows this transaction COPYs (inside a
    ``trail_context``; the command opens one). ``trail``: a context taken from another thread."""
    from audit.trail import trail_context_active, trail_context_bind

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
    import io
    import time

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
    from eligibility.models import InsuredNumber, QualificationPeriod, ResidenceSpell
    from eligibility.qualification.rules import PersonFacts, derive_periods
    from eligibility.qualification.rules import ResidenceSpell as Spell
    from eligibility.qualification.services import PERIOD_COLUMNS, PERIOD_TYPES
    from eligibility.residents.rules import insured_number_from_serial

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
