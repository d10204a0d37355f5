"""Benchmark and check: ``generate_city`` into a fresh database, timed, and a digest of the city it wrote.

    make bench BENCH=bench/city_digest.py ARGS="--residents 200000 --seed 7"

Same seed, same city: two runs of the same code, or the code before and after a change to the
generator, must print the same digests. The database (``--database``, default
``kaigo_city_digest`` on the benchmark server) is dropped and created again first, so the
numbers taken from sequences (宛名番号, 世帯番号, 被保険者番号, row ids) start alike.

The digest reads the city's deterministic content, table by table, in primary-key order: every
column except timestamps (the time of the run) and ciphertext (random nonces, random data keys),
and for the residents their decrypted fields in place of the ciphertext. Two digests are printed:
``content`` (clear columns and decrypted values: independent of the keyring) and ``blind
indexes`` (the residents' blind indexes: the same keyring, var/keyring.json, gives the same ones).
Only digests are printed, never a value.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import sys
import time
import urllib.parse
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaigo.settings")

# The tables of the digest: (table, primary key). Every column is read but timestamps and bytea.
TABLES = [
    ("eligibility_household", "id"),
    ("eligibility_resident", "id"),
    ("eligibility_residencespell", "id"),
    ("eligibility_qualificationperiod", "id"),
    ("eligibility_insurednumber", "resident_id"),
    ("premiums_taxfact", "id"),
    ("premiums_pensionfact", "id"),
    ("certification_case", "id"),
    ("certification_certification", "id"),
]
BLIND_INDEXES = ("my_number_bidx", "kana_name_bidx", "kana_surname_birth_bidx")
DECRYPTED = ("my_number", "name_kanji", "name_kana", "address", "phone", "sensitive_reason")
BATCH = 20_000


def fresh_database(name: str) -> None:
    """Point DATABASE_URL at ``name``, dropped and created again (before Django is set up)."""
    import psycopg

    url = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
    with psycopg.connect(url._replace(path="/postgres").geturl(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = url._replace(path=f"/{name}").geturl()


def _line(values) -> bytes:
    return ("\x1f".join("" if v is None else str(v) for v in values) + "\n").encode()


def table_digest(table: str, key: str, content, indexes) -> int:
    """Feed ``table``'s clear columns (and a resident's decrypted fields) into ``content``, the
    residents' blind indexes into ``indexes``. Returns the number of rows."""
    from django.db import connection

    from eligibility.models import Resident
    from kaigo.crypto.deks import dek_cache_clear, dek_preload

    with connection.cursor() as cursor:
        cursor.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s AND data_type NOT IN"
                       " ('bytea', 'timestamp with time zone') ORDER BY ordinal_position", [table])
        columns = [c for (c,) in cursor.fetchall() if c not in BLIND_INDEXES]
    content.update(f"{table}({','.join(columns)})\n".encode())
    quoted = ", ".join(f'"{c}"' for c in columns)
    rows, last = 0, None
    while True:
        with connection.cursor() as cursor:
            where = f"WHERE {key} > %s " if last is not None else ""
            cursor.execute(f"SELECT {quoted} FROM {table} {where}ORDER BY {key} LIMIT {BATCH}",
                           [last] if last is not None else [])
            batch = cursor.fetchall()
        if not batch:
            return rows
        position = columns.index(key)
        last = batch[-1][position]
        if table == "eligibility_resident":
            ids = [row[position] for row in batch]
            dek_preload(ids)
            people = {r.pk: r for r in Resident.objects.filter(pk__in=ids)}
            for row in batch:
                person = people[row[position]]
                content.update(_line([*row, *(getattr(person, f) for f in DECRYPTED)]))
                indexes.update(_line([person.pk, *(getattr(person, f) for f in BLIND_INDEXES)]))
            dek_cache_clear()
        else:
            for row in batch:
                content.update(_line(row))
        rows += len(batch)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database", default="kaigo_city_digest")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    fresh_database(args.database)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", "--no-input", verbosity=0)
    call_command("keys_create", verbosity=0)
    out = io.StringIO()
    started = time.perf_counter()
    call_command("generate_city", residents=args.residents, seed=args.seed, stdout=out, stderr=io.StringIO())
    elapsed = time.perf_counter() - started
    print(out.getvalue().rstrip())
    print(f"generate_city --residents {args.residents} --seed {args.seed}: {elapsed:.1f} s (whole command)")

    started = time.perf_counter()
    content, indexes = hashlib.sha256(), hashlib.sha256()
    for table, key in TABLES:
        count = table_digest(table, key, content, indexes)
        print(f"  {table}: {count:,} rows")
    print(f"digest content:        {content.hexdigest()}")
    print(f"digest blind indexes:  {indexes.hexdigest()}")
    print(f"(digest read in {time.perf_counter() - started:.0f} s)")
    if not args.keep:
        connections.close_all()
        import psycopg

        url = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
        with psycopg.connect(url._replace(path="/postgres").geturl(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')


if __name__ == "__main__":
    main()
