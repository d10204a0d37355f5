"""Benchmark: a correction run (更正) recalculating every person of the year, on the benchmark city
after its main levy (bench/main_levy.py), with a real Celery worker of 2 processes.

    make bench BENCH=bench/main_levy.py ARGS="--residents 4000000"   # once: the city and its levy
    make bench BENCH=bench/correction_run.py

The target (decided in issue 16): the job at least half the rate of the floor of the data model
below. A correction keeps every revision (every yen explainable), so the set-based write of what a
revision-keeping correction must write is its ceiling; issue 5's first yardstick, an in-place
UPDATE of the amounts (no history), is still measured and printed beside it, for reference.

The cause: the year's base amount (基準額) raised by 1,200円 times the highest revision of the
year (a raise no earlier run used) in the benchmark database only (the
situation of a rate revision after the main levy), so every person's amount changes. The job:
`premiums.relevy` with everyone, business date 2026-09-15: per chunk the facts and the current
schedules are read, each person's levy is revised (the installments already due kept, the rest
re-split), and the changed persons get a new revision by COPY with their current rows closed.
Beside it, measured in the same run on a copy of the levy table: one set-based
`UPDATE ... FROM` setting the new annual amount and amount of the same rows (no schedule, no
history). The base amount is put back afterwards; the revisions stay (run main_levy.py again
to start over).

Between the two, the floor of the data model: the writes a correction must make to keep the
previous levy as a revision (issue #5, item 4), done set-based with nothing decided, on copies of
the levy and installment tables with their indexes and the revision guard: close every current
row, insert its next revision with the new amounts, insert the new revision's installments (the
old ones with their amounts changed). No job that keeps the history can be faster than this
floor; its ratio to the ceiling says how much of the goal the data model leaves to the job.
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
from premiums.models import Levy  # noqa: E402
from premiums.rates.selectors import rate_table_row_for

FY = 2026
RAISE_STEP = 1_200


def main() -> None:
    table_id, table = rate_table_row_for(FY)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM premiums_levy WHERE fiscal_year = %s AND recorded_to IS NULL", [FY])
        levied = cursor.fetchone()[0]
        if not levied:
            raise SystemExit("no levy in the benchmark database: run bench/main_levy.py first")
        # a raise no earlier run of this benchmark used, so that every person's amount changes
        # (an amount that comes out the same is no new revision)
        cursor.execute("SELECT max(revision) FROM premiums_levy WHERE fiscal_year = %s", [FY])
        raise_by = RAISE_STEP * cursor.fetchone()[0]
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
            f"FROM (VALUES {rates}) AS r(stage, rate) WHERE r.stage = b.stage", [table.base_amount + raise_by,
                                                                                 table.base_amount + raise_by])
        ceiling_rows = cursor.rowcount
        ceiling = time.perf_counter() - t
        cursor.execute("DROP TABLE bench_levy")
        floor = model_floor(cursor, rates, table.base_amount + raise_by)
        cursor.execute("UPDATE premiums_premiumratetable SET base_amount = base_amount + %s WHERE id = %s",
                       [raise_by, table_id])
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
                           [raise_by, table_id])
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM premiums_levy WHERE fiscal_year = %s AND batch_run_id = %s",
                       [FY, run.pk])
        revised = cursor.fetchone()[0]
    rate, ceiling_rate = run.total / elapsed, ceiling_rows / ceiling
    print(f"correction run: {run.total:,} persons recalculated ({revised:,} new revisions) in {elapsed:.1f} s = "
          f"{rate:,.0f} persons/s; {run.chunk_count} chunks, worker of 2 processes; run {run.status}, "
          f"{run.failed:,} errors")
    floor_total = sum(floor.values())
    print(f"  floor of the data model (the same revisions and installments written set-based, nothing decided): "
          f"{floor_total:.1f} s = {ceiling_rows / floor_total:,.0f} persons/s; floor rate / in-place rate = "
          f"{ceiling / floor_total:.2f}; " + ", ".join(f"{k} {v:.1f} s" for k, v in floor.items()))
    print(f"  job rate / floor rate = {rate / (ceiling_rows / floor_total):.2f} (the target: at least 0.5; the floor "
          f"is the ceiling of a correction that keeps every revision, issue 16)")
    print(f"  in place, for reference: set-based UPDATE ... FROM of the same {ceiling_rows:,} levy rows (amounts only, "
          f"no history): {ceiling:.1f} s = {ceiling_rate:,.0f} rows/s; job rate / in-place rate = "
          f"{rate / ceiling_rate:.2f} (issue 5's first yardstick; not the target)")


def model_floor(cursor, rates: str, base: int) -> dict[str, float]:
    """The set-based writes of a correction that keeps history (docstring), timed step by step on
    copies of the current levies of the year and their installments."""
    cursor.execute("DROP TABLE IF EXISTS bench_levy, bench_installment")
    cursor.execute("CREATE TABLE bench_levy (LIKE premiums_levy INCLUDING ALL)")
    cursor.execute("CREATE TABLE bench_installment (LIKE premiums_levyinstallment INCLUDING ALL)")
    cursor.execute("INSERT INTO bench_levy SELECT * FROM premiums_levy WHERE fiscal_year = %s "
                   "AND recorded_to IS NULL", [FY])
    cursor.execute("INSERT INTO bench_installment SELECT i.* FROM premiums_levyinstallment i JOIN bench_levy l "
                   "ON l.id = i.levy_id")
    cursor.execute("SELECT coalesce(max(id), 0) + 1 FROM bench_installment")
    cursor.execute(f"ALTER TABLE bench_installment ALTER COLUMN id RESTART WITH {cursor.fetchone()[0]}")
    cursor.execute("CREATE TRIGGER bench_levy_guard BEFORE UPDATE ON bench_levy FOR EACH ROW "
                   "EXECUTE FUNCTION premiums_levy_guard()")
    cursor.execute("VACUUM ANALYZE bench_levy")
    cursor.execute("VACUUM ANALYZE bench_installment")
    cursor.execute("SELECT max(id) FROM premiums_levy")
    offset = cursor.fetchone()[0] + 1
    steps = {}
    t = time.perf_counter()
    cursor.execute("UPDATE bench_levy SET recorded_to = now() WHERE fiscal_year = %s AND recorded_to IS NULL", [FY])
    steps["close"] = time.perf_counter() - t
    columns = [f.column for f in Levy._meta.concrete_fields]
    changed = {"id": "l.id + %(offset)s", "revision": "l.revision + 1", "recorded_from": "now()",
               "recorded_to": "NULL", "source": "'relevy'",
               "annual_amount": "floor(%(base)s * r.rate)::int",
               "amount": "floor(floor(%(base)s * r.rate) * l.months / 12)::int"}
    t = time.perf_counter()
    cursor.execute(
        f"INSERT INTO bench_levy ({', '.join(columns)}) SELECT "
        + ", ".join(changed.get(c, f"l.{c}") for c in columns)
        + f" FROM bench_levy l JOIN (VALUES {rates}) AS r(stage, rate) ON r.stage = l.stage "
        "WHERE l.fiscal_year = %(year)s AND l.id < %(offset)s", {"offset": offset, "base": base, "year": FY})
    steps["revisions"] = time.perf_counter() - t
    t = time.perf_counter()
    cursor.execute("INSERT INTO bench_installment (levy_id, method, kind, number, month, due_date, amount) "
                   "SELECT levy_id + %s, method, kind, number, month, due_date, amount + 100 FROM bench_installment",
                   [offset])
    steps["installments"] = time.perf_counter() - t
    cursor.execute("DROP TABLE bench_levy, bench_installment")
    return steps


if __name__ == "__main__":
    main()
