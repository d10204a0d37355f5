"""Benchmark: a correction run (更正) recalculating every person of the year (issue #5: at least half
the rate of a set-based UPDATE ... FROM of the same rows), on the benchmark city after its main
levy (bench/main_levy.py), with a real Celery worker of 2 processes.

    make bench BENCH=bench/correction_run.py

The cause: the year's base amount (基準額) raised by 1,200円 in the benchmark database only (the
situation of a rate revision after the main levy), so every person's amount changes. The job:
`premiums.relevy` with everyone, business date 2026-09-15: per chunk the facts and the current
schedules are read, each person's levy is revised (the installments already due kept, the rest
re-split), and the changed persons get a new revision by COPY with their current rows closed.
Beside it, measured in the same run on a copy of the levy table: one set-based
`UPDATE ... FROM` setting the new annual amount and amount of the same rows (no schedule, no
history). The base amount is put back afterwards; the revisions stay (run main_levy.py again
to start over).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaigo.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from bench.registry_intake import start_worker, wait  # noqa: E402
from kaigo.batches.models import BatchRun  # noqa: E402
from kaigo.batches.services import batch_start  # noqa: E402
from premiums.selectors import rate_table_row_for  # noqa: E402

FY = 2026
RAISE = 1_200


def main() -> None:
    table_id, table = rate_table_row_for(FY)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM premiums_levy WHERE fiscal_year = %s AND recorded_to IS NULL", [FY])
        levied = cursor.fetchone()[0]
        if not levied:
            raise SystemExit("no levy in the benchmark database: run bench/main_levy.py first")
        rates = ", ".join(f"({s.number}, {s.reduced_multiplier or s.multiplier})" for s in table.stages)
        cursor.execute("DROP TABLE IF EXISTS bench_levy")
        cursor.execute("CREATE TABLE bench_levy (LIKE premiums_levy INCLUDING ALL)")
        cursor.execute("INSERT INTO bench_levy SELECT * FROM premiums_levy WHERE fiscal_year = %s "
                       "AND recorded_to IS NULL", [FY])
        cursor.execute("VACUUM ANALYZE bench_levy")
        t = time.perf_counter()
        cursor.execute(
            f"UPDATE bench_levy b SET annual_amount = floor(%s * r.rate)::int, "
            f"amount = floor(floor(%s * r.rate) * b.months / 12)::int "
            f"FROM (VALUES {rates}) AS r(stage, rate) WHERE r.stage = b.stage", [table.base_amount + RAISE,
                                                                                 table.base_amount + RAISE])
        ceiling_rows = cursor.rowcount
        ceiling = time.perf_counter() - t
        cursor.execute("DROP TABLE bench_levy")
        cursor.execute("UPDATE premiums_premiumratetable SET base_amount = base_amount + %s WHERE id = %s",
                       [RAISE, table_id])
    worker = start_worker()
    try:
        started = time.perf_counter()
        run = batch_start(kind="premiums.relevy", params={"fiscal_year": FY, "everyone": True,
                                                          "business_date": "2026-09-15"},
                          actor=None, origin=BatchRun.Origin.COMMAND)
        wait(run)
        elapsed = time.perf_counter() - started
    finally:
        os.killpg(worker.pid, 9)
        with connection.cursor() as cursor:
            cursor.execute("UPDATE premiums_premiumratetable SET base_amount = base_amount - %s WHERE id = %s",
                           [RAISE, table_id])
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM premiums_levy WHERE fiscal_year = %s AND batch_run_id = %s",
                       [FY, run.pk])
        revised = cursor.fetchone()[0]
    rate, ceiling_rate = run.total / elapsed, ceiling_rows / ceiling
    print(f"correction run: {run.total:,} persons recalculated ({revised:,} new revisions) in {elapsed:.1f} s = "
          f"{rate:,.0f} persons/s; {run.chunk_count} chunks, worker of 2 processes; run {run.status}, "
          f"{run.failed:,} errors")
    print(f"  ceiling: set-based UPDATE ... FROM of the same {ceiling_rows:,} levy rows (amounts only, in place): "
          f"{ceiling:.1f} s = {ceiling_rate:,.0f} rows/s; job rate / ceiling rate = {rate / ceiling_rate:.2f} "
          f"(goal: at least 0.5)")


if __name__ == "__main__":
    main()
