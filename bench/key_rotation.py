"""Benchmark: rotating the key-encryption key over the whole city (issue #3: 1.5 million persons
in under 3 minutes), with a real Celery worker of 2 processes, as `keys_rotate` does it.

    make bench BENCH=bench/key_rotation.py

Uses the benchmark database's city (bench/person_screens.py creates it). Beside it, the same
run measures the machine's floor for this work: one process unwrapping and re-wrapping every
data key in memory, without the database.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaigo.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from kaigo.batches.models import BatchRun  # noqa: E402
from kaigo.celery import app as celery_app  # noqa: E402
from kaigo.crypto import envelope  # noqa: E402
from kaigo.crypto.keyring import get_keyring  # noqa: E402
from kaigo.crypto.models import PersonKey  # noqa: E402


def main() -> None:
    call_command("migrate", "--no-input", verbosity=0)
    call_command("keys_create", verbosity=0)
    persons = PersonKey.objects.count()
    if not persons:
        raise SystemExit("no city: run bench/person_screens.py (or generate_city) first")
    celery_app.control.purge()
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "kaigo", "worker", "--loglevel", "WARNING", "--concurrency", "2",
         "--hostname", "rotation@localhost", "--without-gossip", "--without-mingle"],
        cwd=BASE_DIR, start_new_session=True)
    try:
        while not celery_app.control.ping(destination=["rotation@localhost"], timeout=0.5):
            time.sleep(0.2)
        version = f"kek-bench-{int(time.time())}"
        started = time.perf_counter()
        call_command("keys_rotate", version, "--detach", verbosity=0)
        run = BatchRun.objects.filter(kind="crypto.rewrap").latest("id")
        while not run.is_finished:
            time.sleep(0.5)
            run.refresh_from_db()
        elapsed = time.perf_counter() - started
    finally:
        os.killpg(worker.pid, 9)
    assert run.status == BatchRun.Status.SUCCEEDED and run.failed == 0, (run.status, run.failed)
    assert not PersonKey.objects.exclude(kek_version=version).exclude(wrapped_dek__isnull=True).exists()

    # Floor: unwrap and re-wrap 100,000 keys in one process, no database.
    ring = get_keyring()
    sample = list(PersonKey.objects.values_list("person_id", "kek_version", "wrapped_dek")[:100_000])
    kek = ring.kek(version)
    t = time.perf_counter()
    for person_id, v, wrapped in sample:
        dek = envelope.unwrap(ring.kek(v), wrapped, envelope.wrap_aad(person_id, v))
        envelope.wrap(kek, dek, envelope.wrap_aad(person_id, version))
    floor = len(sample) / (time.perf_counter() - t)

    print(f"key rotation: {persons:,} data keys re-wrapped in {elapsed:.1f} s ({persons / elapsed:,.0f}/s), "
          f"{run.chunk_count} chunks, worker of 2 processes, {os.cpu_count()} cores (target: under 180 s)")
    print(f"  floor: unwrap + re-wrap in memory, one process: {floor:,.0f}/s; "
          f"rotation / floor = {persons / elapsed / floor:.2f}")


if __name__ == "__main__":
    main()
