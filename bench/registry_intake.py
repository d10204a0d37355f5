"""Benchmark: the nightly resident-registry intake and the qualification consistency check
(issue #4), on a city of 1,500,000 with a real Celery worker of 2 processes.

    make bench BENCH=bench/registry_intake.py ARGS="--changes 50000"

- intake: a simulated spring moving-season day of N changes (linkage/registry/simulator.py) is
  received (parsed, sealed, stored) and applied by the `eligibility.registry_intake` batch.
  Target: 50,000 changes in under 60 s. Beside it, the machine's own floor for the same file:
  parsing it in one process, without the database.
- check: `eligibility.qualification_check` recomputes every resident's qualification from the
  registry facts and compares it with the stored history. Target: 1,500,000 residents in under
  120 s. Beside it, the floor: reading the same facts (residents, spells, stored periods) in one
  process with three set-based queries, without deriving or comparing.

The city comes from the benchmark database (bench/person_screens.py or generate_city creates
it); residents without qualification data get it first (qualification_backfill).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaigo.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from eligibility.codes import FacilityKind  # noqa: E402
from eligibility.intake.models import ChangeStatus, RegistryChange  # noqa: E402
from eligibility.intake.parser import parse_feed  # noqa: E402
from eligibility.intake.services import registry_file_receive_and_start  # noqa: E402
from eligibility.qualification.models import Facility  # noqa: E402
from eligibility.qualification.rules import next_month_start  # noqa: E402
from eligibility.residents.models import Resident  # noqa: E402
from kaigo.batches.models import BatchRun  # noqa: E402
from kaigo.batches.services import batch_start  # noqa: E402
from kaigo.celery import app as celery_app  # noqa: E402
from linkage.registry.simulator import ResidentSnapshot, simulate_day  # noqa: E402
from synthetic.city import generate, qualification_backfill  # noqa: E402

AS_OF = date(2026, 4, 1)


def ensure_city(residents: int) -> int:
    have = Resident.objects.count()
    if have < residents:
        print(f"generating {residents - have:,} residents ...", flush=True)
        generate(residents=residents - have, seed=have + 1, as_of=AS_OF)
    t = time.perf_counter()
    filled = qualification_backfill(as_of=AS_OF)
    if filled:
        print(f"qualification backfilled for {filled:,} residents in {time.perf_counter() - t:.1f} s", flush=True)
    return Resident.objects.count()


def facilities() -> list[str]:
    rows = [("BF00000001", "ベンチ特養", FacilityKind.SPECIAL, "141305"),
            ("BF00000002", "ベンチ障害者支援施設", FacilityKind.EXEMPTION, "141305"),
            ("BF00000003", "ベンチ有料老人ホーム", FacilityKind.OTHER, "141305")]
    for code, name, kind, municipality in rows:
        Facility.objects.get_or_create(code=code, defaults={"name": name, "kind": kind, "municipality": municipality})
    return [r[0] for r in rows]


def sequence_iter(name: str, count: int):
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [name, count])
        return iter([r[0] for r in cursor.fetchall()])


def start_worker() -> subprocess.Popen:
    celery_app.control.purge()
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "kaigo", "worker", "--loglevel", "WARNING", "--concurrency", "2",
         "--hostname", "intake@localhost", "--without-gossip", "--without-mingle"],
        cwd=BASE_DIR, start_new_session=True)
    while not celery_app.control.ping(destination=["intake@localhost"], timeout=0.5):
        time.sleep(0.2)
    return worker


def wait(run: BatchRun) -> None:
    while True:
        run.refresh_from_db()
        if run.is_finished:
            return
        time.sleep(0.2)


def catch_up_age65(*, worker_ready: bool) -> None:
    """The monthly 65th-birthday runs from the city's reference date to this month (a city loaded
    on AS_OF has not had them): without them the check rightly lists everyone who turned 65 since."""
    month = date(AS_OF.year, AS_OF.month, 1)
    end = date.today().replace(day=1)
    while month <= end:
        key = f"{month:%Y-%m}"
        if not BatchRun.objects.filter(kind="eligibility.age65", params__month=key,
                                       status=BatchRun.Status.SUCCEEDED).exists():
            run = batch_start(kind="eligibility.age65", params={"month": key}, actor=None,
                              origin=BatchRun.Origin.COMMAND)
            wait(run)
            print(f"  65th-birthday run {key}: {run.total:,} persons, {run.failed:,} could not gain", flush=True)
        month = next_month_start(month)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=1_500_000)
    parser.add_argument("--changes", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--skip-check", action="store_true")
    parser.add_argument("--repair-first", action="store_true",
                        help="before the timed check, record a new revision for every person who differs")
    args = parser.parse_args()
    call_command("migrate", "--no-input", verbosity=0)
    call_command("keys_create", verbosity=0)
    city = ensure_city(args.residents)
    codes = facilities()

    snapshots = [ResidentSnapshot(*row) for row in Resident.objects.values_list(
        "id", "household_id", "birth_date", "ward", "status", "sex").iterator(chunk_size=20_000)]
    day = date.today()
    data = simulate_day(snapshots, day=day, size=args.changes, seed=args.seed,
                        new_person_ids=sequence_iter("eligibility_resident_number_seq", args.changes),
                        new_household_ids=sequence_iter("eligibility_household_number_seq", args.changes),
                        facility_codes=codes, serial_start=(args.seed % 10**6) * 10**6 + 1)
    t = time.perf_counter()
    parsed = parse_feed(data)
    parse_seconds = time.perf_counter() - t

    worker = start_worker()
    try:
        started = time.perf_counter()
        received, run = registry_file_receive_and_start(data, file_name=f"bench-{args.seed}.csv", business_date=day,
                                                        actor=None, origin=BatchRun.Origin.COMMAND)
        received_at = time.perf_counter()
        wait(run)
        elapsed = time.perf_counter() - started
        counts = dict.fromkeys(ChangeStatus.values, 0)
        for status in RegistryChange.objects.filter(file=received.file).values_list("status", flat=True):
            counts[status] += 1
        print(f"registry intake: {received.lines:,} changes on a city of {city:,} in {elapsed:.1f} s "
              f"({received.lines / elapsed:,.0f} changes/s; receive {received_at - started:.1f} s, "
              f"apply {elapsed - (received_at - started):.1f} s in {run.chunk_count} chunks, worker of 2 processes) "
              f"(target: 50,000 in under 60 s)")
        print(f"  outcome: {counts}; run status {run.status}")
        print(f"  floor: parsing the same file in one process without the database: {parse_seconds:.2f} s "
              f"({len(parsed.records) / parse_seconds:,.0f} lines/s); intake / parse = {elapsed / parse_seconds:.1f}x")

        if not args.skip_check:
            catch_up_age65(worker_ready=True)
            if args.repair_first:
                repair = batch_start(kind="eligibility.qualification_check", params={"chunk_size": 10_000, "repair": True},
                                     actor=None, origin=BatchRun.Origin.COMMAND)
                wait(repair)
                print(f"  repair run: {repair.failed:,} persons given a new revision", flush=True)
            started = time.perf_counter()
            check = batch_start(kind="eligibility.qualification_check", params={"chunk_size": 10_000},
                                actor=None, origin=BatchRun.Origin.COMMAND)
            wait(check)
            elapsed = time.perf_counter() - started
            t = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*), count(birth_date), count(died_on) FROM eligibility_resident")
                cursor.execute("SELECT count(*), count(start), count(\"end\") FROM eligibility_residencespell")
                cursor.execute("SELECT count(*), count(start) FROM eligibility_qualificationperiod "
                               "WHERE recorded_to IS NULL")
            floor = time.perf_counter() - t
            print(f"qualification check: {check.total:,} residents recomputed in {elapsed:.1f} s "
                  f"({check.total / elapsed:,.0f}/s, {check.chunk_count} chunks), {check.failed:,} differ "
                  f"(target: 1,500,000 in under 120 s)")
            print(f"  floor: scanning the same facts set-based in one process: {floor:.2f} s; "
                  f"check / scan = {elapsed / floor:.1f}x")
    finally:
        os.killpg(worker.pid, 9)


if __name__ == "__main__":
    main()
