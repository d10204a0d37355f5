"""Benchmark: the batch framework's overhead against the machine's own limit.

    make bench                       # or: python -m kaigo.devenv exec python bench/batch_throughput.py

Runs the demo batch kind (one COPY of result rows per chunk, chunk transaction, row lock,
counters, Celery task) over N records with a real worker of 2 processes, and measures in the
same run a raw COPY of the same rows into the same table from one process: the ceiling the
framework is compared to. Prints both rates and their ratio.
"""

from __future__ import annotations

import argparse
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
from django.db import connection, transaction  # noqa: E402

from kaigo.batches.models import BatchRun, DemoResult  # noqa: E402
from kaigo.batches.services import batch_start  # noqa: E402
from kaigo.celery import app as celery_app  # noqa: E402
from kaigo.db import copy_rows  # noqa: E402


def start_worker(concurrency: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "kaigo", "worker", "--loglevel", "WARNING", "--concurrency",
         str(concurrency), "--hostname", "bench@localhost", "--without-gossip", "--without-mingle"],
        cwd=BASE_DIR, start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if celery_app.control.ping(destination=["bench@localhost"], timeout=0.5):
            return process
    raise SystemExit("worker did not start")


def framework_rate(records: int, chunk_size: int) -> tuple[float, BatchRun]:
    started = time.perf_counter()
    run = batch_start(kind="demo.squares", params={"records": str(records), "chunk_size": str(chunk_size)},
                      actor=None, origin=BatchRun.Origin.COMMAND)
    while True:
        run.refresh_from_db()
        if run.is_finished:
            break
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    return records / elapsed, run


def raw_copy_rate(records: int, run: BatchRun) -> float:
    """The same rows, one COPY, one transaction, one process: what the table takes at most."""
    DemoResult.objects.filter(run=run).delete()
    started = time.perf_counter()
    with transaction.atomic():
        copy_rows(DemoResult, ["run_id", "record_no", "value"], ((run.pk, n, n * n) for n in range(1, records + 1)))
    return records / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--chunk-size", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args()

    call_command("migrate", "--no-input", verbosity=0)
    celery_app.control.purge()
    worker = start_worker(args.concurrency)
    try:
        rate, run = framework_rate(args.records, args.chunk_size)
    finally:
        os.killpg(worker.pid, 9)
    assert run.status == BatchRun.Status.SUCCEEDED and run.succeeded == args.records, run.status
    assert DemoResult.objects.filter(run=run).count() == args.records
    ceiling = raw_copy_rate(args.records, run)
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(",")[0]
    print(f"batch framework: {args.records:,} records in {run.chunk_count} chunks of {args.chunk_size:,}, "
          f"{args.concurrency} worker processes ({version}, {os.cpu_count()} cores)")
    print(f"  framework (demo.squares, end to end): {rate:12,.0f} records/s")
    print(f"  raw COPY of the same rows (1 process): {ceiling:12,.0f} records/s")
    print(f"  ratio framework / raw COPY:            {rate / ceiling:12.2f}")


if __name__ == "__main__":
    main()
