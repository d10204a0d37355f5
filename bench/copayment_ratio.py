"""Benchmark: the yearly co-payment ratio (負担割合の年次判定) of every certified person, with their
certificates queued for printing (issue 19: 100,000 persons in < 1 min), on the benchmark city.

    .venv/bin/python -m kaigo.devenv exec .venv/bin/python bench/copayment_ratio.py --residents 500000 \
        --certified-share 0.75

- job: the batch kind ``benefits.ratio_year`` for fiscal year 2026 on a real Celery worker of 2
  processes: per chunk of 5,000 persons, the certified persons (certification's selector), the
  household's 第1号 members on 8月1日 (eligibility's), their tax facts (premiums'), the rule in Python,
  one COPY of the rows and one INSERT ... SELECT of the certificates.
- beside it, in the same run: a set-based ``INSERT ... SELECT`` of the same rows (the same persons,
  household test and thresholds written as SQL CASE) into a copy of the table: the ceiling. The two
  results are compared person by person.

Certifications are made once for ``--certified-share`` of the residents aged 65+ (renewal_due.py's
set-up), tax facts by the synthetic city's premium step, household history by its backfill.
"""

from __future__ import annotations

import argparse
import os
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
from django.db import connection, transaction  # noqa: E402

from bench.registry_intake import ensure_city, start_worker, wait  # noqa: E402
from bench.renewal_due import ensure_certifications  # noqa: E402
from benefits.rules.copayment_ratio import thresholds_on  # noqa: E402
from certification.rules.levels import CERTIFIED_LEVELS  # noqa: E402
from eligibility.households.services import household_history_backfill  # noqa: E402
from kaigo.batches.models import BatchRun  # noqa: E402
from kaigo.batches.services import batch_start  # noqa: E402
from synthetic.premium_facts import premium_facts_generate  # noqa: E402

FY = 2026
P, E = date(FY, 8, 1), date(FY + 1, 7, 31)


def _covers(alias: str) -> str:
    return (f"({alias}.start IS NULL OR {alias}.start <= %(p)s) "
            f"AND ({alias}.\"end\" IS NULL OR %(p)s < {alias}.\"end\")")


def set_based_sql() -> str:
    """The same determination as one INSERT ... SELECT (the ceiling)."""
    t = thresholds_on(P)
    first_class = ("q.recorded_to IS NULL AND q.insured_class = '1' AND q.start <= %(p)s "
                   "AND (q.\"end\" IS NULL OR %(p)s < q.\"end\")")
    g = "greatest(0, t.total_income - t.special_deduction)"
    return f"""
INSERT INTO bench_ratio (resident_id, period_start, valid_from, valid_to, ratio, reason, cause, reference_day,
                         household_id, first_class_members, tax_fact_ids, decided_at)
WITH certified AS (
  SELECT c.resident_id, min(greatest(c.valid_from, %(p)s)) AS first_day FROM certification_certification c
  WHERE c.level = ANY(%(levels)s) AND c.valid_from <= %(e)s AND c.valid_to >= %(p)s
    AND (c.ended_on IS NULL OR c.ended_on > greatest(c.valid_from, %(p)s)) GROUP BY c.resident_id),
household AS (
  SELECT m.household_id, count(*) AS n,
         sum(coalesce(t.taxable_pension_income + greatest(0, {g} - t.pension_misc_income), 0)) AS h
  FROM eligibility_householdmembership m
  JOIN eligibility_qualificationperiod q ON q.resident_id = m.resident_id AND {first_class}
  LEFT JOIN premiums_taxfact t ON t.resident_id = m.resident_id AND t.fiscal_year = %(fy)s AND t.recorded_to IS NULL
  WHERE {_covers('m')} AND m.household_id IN (
    SELECT m2.household_id FROM eligibility_householdmembership m2 JOIN certified c2 ON c2.resident_id = m2.resident_id
    WHERE {_covers('m2')})
  GROUP BY m.household_id)
SELECT c.resident_id, %(p)s, c.first_day, %(e)s,
  CASE WHEN q.id IS NULL OR t.id IS NULL OR t.public_assistance OR NOT t.self_taxed THEN 1
       WHEN {g} >= {t.three_income} AND coalesce(h.h, 0) >= CASE WHEN coalesce(h.n, 1) = 1 THEN {t.three_single}
            ELSE {t.three_multi} END THEN 3
       WHEN {g} >= {t.two_income} AND coalesce(h.h, 0) >= CASE WHEN coalesce(h.n, 1) = 1 THEN {t.two_single}
            ELSE {t.two_multi} END THEN 2
       ELSE 1 END,
  '', 'yearly', %(p)s, m.household_id, coalesce(h.n, 0), CASE WHEN t.id IS NULL THEN '{{}}' ELSE ARRAY[t.id] END, now()
FROM certified c
LEFT JOIN eligibility_householdmembership m ON m.resident_id = c.resident_id AND {_covers('m')}
LEFT JOIN household h ON h.household_id = m.household_id
LEFT JOIN eligibility_qualificationperiod q ON q.resident_id = c.resident_id AND {first_class}
LEFT JOIN premiums_taxfact t ON t.resident_id = c.resident_id AND t.fiscal_year = %(fy)s AND t.recorded_to IS NULL
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=500_000)
    parser.add_argument("--certified-share", type=float, default=0.75)
    args = parser.parse_args()
    call_command("migrate", "--no-input", verbosity=0)
    call_command("keys_create", verbosity=0)
    city = ensure_city(args.residents)
    t = time.perf_counter()
    taxed, _ = premium_facts_generate(fiscal_year=FY, seed=1)
    if taxed:
        print(f"tax facts generated: {taxed:,} in {time.perf_counter() - t:.0f} s", flush=True)
    with transaction.atomic():
        filled = household_history_backfill()
    if filled:
        print(f"household history backfilled for {filled:,} residents", flush=True)
    ensure_certifications(share=args.certified_share)
    params = {"p": P, "e": E, "fy": FY, "levels": sorted(CERTIFIED_LEVELS)}
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE benefits_ratiocertificate, benefits_ratiodetermination")
        cursor.execute("DROP TABLE IF EXISTS bench_ratio; "
                       "CREATE TABLE bench_ratio (LIKE benefits_ratiodetermination INCLUDING ALL)")
        cursor.execute("VACUUM ANALYZE")
        t = time.perf_counter()
        cursor.execute(set_based_sql(), params)
        ceiling_rows = cursor.rowcount
        ceiling = time.perf_counter() - t

    worker = start_worker()
    try:
        started = time.perf_counter()
        run = batch_start(kind="benefits.ratio_year", params={"fiscal_year": FY}, actor=None,
                          origin=BatchRun.Origin.COMMAND, confirmed=True)
        wait(run)
        elapsed = time.perf_counter() - started
    finally:
        os.killpg(worker.pid, 9)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM benefits_ratiodetermination WHERE batch_run_id = %s", [run.pk])
        (rows,) = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM benefits_ratiocertificate WHERE batch_run_id = %s", [run.pk])
        (certificates,) = cursor.fetchone()
        cursor.execute("SELECT ratio, count(*) FROM benefits_ratiodetermination GROUP BY ratio ORDER BY ratio")
        by_ratio = dict(cursor.fetchall())
        cursor.execute("SELECT count(*) FROM benefits_ratiodetermination d JOIN bench_ratio b USING (resident_id) "
                       "WHERE d.ratio <> b.ratio OR d.valid_from <> b.valid_from")
        (differ,) = cursor.fetchone()
    print(f"ratio year {FY}: {rows:,} persons decided, {certificates:,} certificates queued, in {elapsed:.1f} s "
          f"({rows / elapsed:,.0f} persons/s; run {run.status}, {run.chunk_count} chunks, worker of 2 processes; "
          f"city of {city:,})")
    print(f"  by ratio: {by_ratio}")
    print(f"  ceiling: set-based INSERT ... SELECT of the same {ceiling_rows:,} rows in {ceiling:.1f} s "
          f"({ceiling_rows / ceiling:,.0f} rows/s); the batch takes {elapsed / ceiling:.1f}x the ceiling")
    print(f"  cross-check against the set-based rows: {differ:,} persons differ")


if __name__ == "__main__":
    main()
