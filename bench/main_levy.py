"""Benchmark: the yearly main levy (本算定, issue #5) of every first-class insured person of the
benchmark city, with a real Celery worker of 2 processes.

    make bench BENCH=bench/main_levy.py ARGS="--residents 4000000"

- job: the `premiums.main_levy` batch for fiscal year 2026: per chunk of 10,000 persons, five
  range queries read the facts, the rules (premiums.rules) decide stage, amount, collection
  method and schedule, two binary COPYs write the levy rows and their installments.
  Target: 1,000,000 persons in under 120 s.
- ceiling: a set-based `INSERT ... SELECT` of the same levy rows (stage by CASE over the same
  thresholds, amount, months, collection method; no schedule) into a copy of the levy table
  with the same indexes, measured in the same run. Goal: the job within 20 times that.
  The two are compared person by person afterwards (stage and amount), so the ceiling is the
  same levy, not a cheaper one.

The city comes from the benchmark database (var/bench-pg); about a quarter of residents are
65 or over, so 1,000,000 first-class persons need a city of about 4,000,000. The premium facts
of the year are generated once (synthetic.premium_facts). Earlier levies of the year are removed
before the run (benchmark database only).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaigo.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from bench.registry_intake import ensure_city, start_worker, wait  # noqa: E402
from kaigo.batches.models import BatchRun  # noqa: E402
from kaigo.batches.services import batch_start  # noqa: E402
from premiums.levy.selectors import levy_candidates  # noqa: E402
from premiums.rates.selectors import rate_table_row_for  # noqa: E402
from synthetic.premium_facts import premium_facts_generate  # noqa: E402

FY = 2026


def set_based_sql(table_id: int, table) -> str:
    """The same levy rows in one INSERT ... SELECT: the stage by CASE over the table's bounds."""
    base = table.base_amount
    bands = {s.number: s for s in table.stages}
    rates = ", ".join(f"({n}, {bands[n].reduced_multiplier or bands[n].multiplier}, {bands[n].multiplier})"
                      for n in bands)

    def upper(n):
        return bands[n].income_upper
    exempt = ("t.taxable_pension_income + greatest(t.total_income - t.pension_misc_income - t.special_deduction"
              " - least(t.salary_income, 100000), 0)")
    taxed = "greatest(t.total_income - t.special_deduction - least(t.salary_income + t.pension_misc_income, 100000), 0)"
    taxed_cases = " ".join(f"WHEN {taxed} < {upper(n)} THEN {n}" for n in range(6, 13))
    return f"""
    INSERT INTO bench_levy (id, resident_id, fiscal_year, revision, notice_number, source, cause, recorded_from,
        rate_table_id, tax_fact_id, stage, stage_reason, adjusted_income, measure, annual_amount, reduction,
        first_month, months, amount, exemption, pension_fact_id, collection_method, collection_reason, overpaid,
        february_deduction)
    SELECT nextval('bench_levy_id'), q.resident_id, {FY}, 1, nextval('bench_notice'), 'main', '', now(),
        {table_id}, t.id, s.stage, 'x', 0, 0, floor({base} * r.rate)::int, floor({base} * r.standard)::int
            - floor({base} * r.rate)::int,
        q.first_month, q.months, floor(floor({base} * r.rate) * q.months / 12)::int, 0, p.id,
        CASE WHEN p.id IS NULL OR p.pension_kind IN ('old_age_welfare', 'widow') OR p.annual_amount < 180000
                  OR NOT p.withholdable THEN 'billing'
             WHEN p.listed_in <= '{FY - 1}-11-01' THEN 'pension' ELSE 'both' END, 'x', 0, 0
    FROM (SELECT resident_id, greatest(min(start), '{FY}-04-01')::date AS first_month,
                 12 - greatest(0, (extract(year FROM min(start))::int - {FY}) * 12 + extract(month FROM min(start))::int - 4)
                 AS months
          FROM eligibility_qualificationperiod WHERE recorded_to IS NULL AND insured_class = '1'
               AND start < '{FY + 1}-04-01' AND ("end" IS NULL OR "end" > '{FY}-04-01') GROUP BY resident_id) q
    JOIN premiums_taxfact t ON t.resident_id = q.resident_id AND t.fiscal_year = {FY} AND t.recorded_to IS NULL
    LEFT JOIN premiums_pensionfact p ON p.resident_id = q.resident_id AND p.fiscal_year = {FY}
         AND p.recorded_to IS NULL
    CROSS JOIN LATERAL (SELECT CASE
        WHEN t.public_assistance THEN 1
        WHEN NOT t.household_taxed AND t.old_age_welfare_pension THEN 1
        WHEN NOT t.household_taxed THEN CASE WHEN {exempt} <= {upper(1)} THEN 1 WHEN {exempt} <= {upper(2)} THEN 2
                                             ELSE 3 END
        WHEN NOT t.self_taxed THEN CASE WHEN {exempt} <= {upper(4)} THEN 4 ELSE 5 END
        ELSE CASE {taxed_cases} ELSE 13 END END AS stage) s
    JOIN (VALUES {rates}) AS r(stage, rate, standard) ON r.stage = s.stage
    """


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=4_000_000)
    args = parser.parse_args()
    call_command("migrate", "--no-input", verbosity=0)
    call_command("keys_create", verbosity=0)
    city = ensure_city(args.residents)
    t = time.perf_counter()
    taxed, listed = premium_facts_generate(fiscal_year=FY, seed=1)
    if taxed:
        print(f"premium facts generated: {taxed:,} tax facts, {listed:,} pension listings "
              f"in {time.perf_counter() - t:.0f} s", flush=True)
    persons = len(levy_candidates(FY))
    table_id, table = rate_table_row_for(FY)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE premiums_levyinstallment, premiums_premiumnotice, premiums_levy")
        cursor.execute("DROP TABLE IF EXISTS bench_levy; CREATE TABLE bench_levy (LIKE premiums_levy INCLUDING ALL);"
                       "DROP SEQUENCE IF EXISTS bench_levy_id; CREATE SEQUENCE bench_levy_id;"
                       "DROP SEQUENCE IF EXISTS bench_notice; CREATE SEQUENCE bench_notice;")
        cursor.execute("VACUUM ANALYZE")
        t = time.perf_counter()
        cursor.execute(set_based_sql(table_id, table))
        ceiling_rows = cursor.rowcount
        ceiling = time.perf_counter() - t

    worker = start_worker()
    try:
        started = time.perf_counter()
        run = batch_start(kind="premiums.main_levy", params={"fiscal_year": FY, "business_date": f"{FY}-07-15"},
                          actor=None, origin=BatchRun.Origin.COMMAND)
        wait(run)
        elapsed = time.perf_counter() - started
    finally:
        os.killpg(worker.pid, 9)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), count(DISTINCT resident_id) FROM premiums_levy WHERE fiscal_year = %s "
                       "AND recorded_to IS NULL", [FY])
        levies, people = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM premiums_levyinstallment")
        installments = cursor.fetchone()[0]
        cursor.execute("SELECT collection_method, count(*) FROM premiums_levy GROUP BY 1 ORDER BY 1")
        methods = dict(cursor.fetchall())
        cursor.execute(
            "SELECT count(*) FILTER (WHERE b.stage <> l.stage), count(*) FILTER (WHERE b.amount <> l.amount), "
            "count(*) FILTER (WHERE b.collection_method <> l.collection_method), count(*) FROM bench_levy b "
            "JOIN premiums_levy l ON l.resident_id = b.resident_id AND l.fiscal_year = b.fiscal_year "
            "AND l.recorded_to IS NULL")
        stage_diff, amount_diff, method_diff, compared = cursor.fetchone()
        cursor.execute("DROP TABLE bench_levy; DROP SEQUENCE bench_levy_id; DROP SEQUENCE bench_notice")
    rate = levies / elapsed
    print(f"main levy: {levies:,} persons levied ({persons:,} first-class in fiscal year {FY}, city of {city:,}) "
          f"in {elapsed:.1f} s = {rate:,.0f} persons/s; {installments:,} installments "
          f"({installments / elapsed:,.0f} rows/s); {run.chunk_count} chunks, worker of 2 processes; "
          f"run {run.status}, {run.failed:,} errors (target: 1,000,000 in under 120 s)")
    print(f"  by method: {methods}")
    print(f"  ceiling: set-based INSERT ... SELECT of the same {ceiling_rows:,} levy rows (no schedule) "
          f"in one statement: {ceiling:.1f} s = {ceiling_rows / ceiling:,.0f} rows/s; job / ceiling = "
          f"{elapsed / ceiling:.1f}x (goal: within 20x)")
    print(f"  cross-check of {compared:,} persons against the set-based rows: {stage_diff:,} differ in stage, "
          f"{amount_diff:,} in amount, {method_diff:,} in collection method")


if __name__ == "__main__":
    main()
