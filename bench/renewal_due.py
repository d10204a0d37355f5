"""Benchmark: the renewal due list (更新対象者, certifications ending within 60 days) of every ward, on
the benchmark city (issue 18: < 2 s for a city of 1.5 million).

    .venv/bin/python -m kaigo.devenv exec .venv/bin/python bench/renewal_due.py --residents 1500000

- job: certification.decisions.selectors.renewal_due_rows(ward=..., today=...) for each ward: one
  index range scan of certification_certification (index cert_valid_to: valid_to WHERE ended_on IS
  NULL), the ward through eligibility's selector (the person's current ward), the open cases in one
  query.
- beside it: a bare ``SELECT count(*)`` of the same index range (the floor: the rows the list
  must at least touch), and the plan of the range (it must be an index scan).

Certifications are made once for about one in five residents aged 65 or over (issue 18, DOMAIN.md
3), set-based, their ends spread evenly over the next 36 months (benchmark database only).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaigo.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from bench.registry_intake import ensure_city  # noqa: E402
from certification.decisions.selectors import (  # noqa: E402
    DUE_RANGE_SQL,
    RENEWAL_DUE_DAYS,
    renewal_due_rows,
)
from eligibility.codes import Ward  # noqa: E402
from kaigo.staff.models import Staff  # noqa: E402

TODAY = date(2026, 12, 8)


def ensure_certifications(share: float = 0.2, per_person: int = 1) -> int:
    """``per_person`` decided cases with their certifications for about ``share`` of the residents aged
    65+, the ends spread over 36 months from TODAY. ``per_person`` > 1 emulates the number of
    certifications of a larger city on a smaller one (the list's cost is the rows of the range and
    their persons). Made again when the asked-for number changes (benchmark database only)."""
    staff, _ = Staff.objects.get_or_create(username="bench-certification",
                                           defaults={"display_name": "ベンチ", "organisation": "head_office"})
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), count(DISTINCT resident_id) FROM certification_certification")
        have, persons = cursor.fetchone()
        if have and have // max(persons, 1) == per_person:
            return have
        print("making certifications ...", flush=True)
        cursor.execute("DELETE FROM certification_certification WHERE decided_by_id = %s", [staff.pk])
        cursor.execute("DELETE FROM certification_case WHERE received_by_id = %s", [staff.pk])
        cursor.execute(
            "CREATE TEMP TABLE bench_cert AS SELECT r.id AS resident_id, r.ward, row_number() OVER () AS n, "
            "(%(today)s::date - (random() * 300)::int) AS applied_on, "
            "(date_trunc('month', %(today)s::date) + make_interval(months => (random() * 36)::int + 1) "
            " - interval '1 day')::date AS valid_to, "
            "(ARRAY['12','13','21','22','23','24','25'])[1 + (random() * 6)::int] AS level "
            "FROM eligibility_resident r CROSS JOIN generate_series(1, %(per)s) k "
            "WHERE r.birth_date <= %(born)s AND r.id %% 1000 < %(share)s * 1000",
            {"today": TODAY, "born": date(TODAY.year - 65, TODAY.month, TODAY.day), "share": share, "per": per_person})
        cursor.execute(
            "INSERT INTO certification_case (number, resident_id, ward, kind, state, second_class, specified_disease, "
            "applicant_kind, proxy_office, applied_on, decided_on, primary_level, postponement_reason, close_reason, "
            "received_by_id, received_at, updated_at) "
            "SELECT 'B' || b.n, b.resident_id, b.ward, 'new', 'decided', false, '', 'self', '', "
            "b.applied_on, b.applied_on + 25, b.level, '', '', %s, now(), now() FROM bench_cert b", [staff.pk])
        cursor.execute(
            "INSERT INTO certification_certification (resident_id, case_id, level, valid_from, valid_to, decided_on, "
            "board_opinion, designated_services, end_reason, end_note, decided_by_id, created_at) "
            "SELECT b.resident_id, c.id, b.level, least(b.applied_on, b.valid_to), b.valid_to, b.applied_on + 25, "
            "'', '{}', '', '', %s, now() FROM bench_cert b "
            "JOIN certification_case c ON c.number = 'B' || b.n",
            [staff.pk])
        cursor.execute("VACUUM ANALYZE certification_certification")  # a city in use is vacuumed (index-only reads)
        cursor.execute("VACUUM ANALYZE certification_case")
        cursor.execute("SELECT count(*) FROM certification_certification")
        return cursor.fetchone()[0]


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def bare_count():
    from datetime import timedelta

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) {DUE_RANGE_SQL}",
                       {"first": TODAY, "last": TODAY + timedelta(days=RENEWAL_DUE_DAYS)})
        return cursor.fetchone()[0]


def plan() -> str:
    from datetime import timedelta

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN SELECT c.id, c.resident_id, c.level, c.valid_to {DUE_RANGE_SQL} ORDER BY c.valid_to",
                       {"first": TODAY, "last": TODAY + timedelta(days=RENEWAL_DUE_DAYS)})
        return "\n".join(r[0] for r in cursor.fetchall())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=1_500_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--per-person", type=int, default=1,
                        help="certifications per certified person (emulates a larger city's count)")
    args = parser.parse_args()
    from django.core.management import call_command

    call_command("migrate", "--no-input", verbosity=0)
    residents = ensure_city(args.residents)
    certified = ensure_certifications(per_person=args.per_person)
    print(f"city: {residents:,} residents, {certified:,} certifications", flush=True)
    print(plan())
    count_time, in_range = timed(bare_count, args.repeat)
    print(f"bare COUNT of the range: {in_range:,} certifications in {count_time * 1000:.1f} ms (median of "
          f"{args.repeat})")
    worst = 0.0
    for ward, label in Ward.choices:
        t, rows = timed(lambda ward=ward: renewal_due_rows(ward=ward, today=TODAY), args.repeat)
        worst = max(worst, t)
        print(f"renewal due list {label}: {len(rows):,} rows in {t * 1000:.1f} ms "
              f"({t / count_time:.1f} x the bare COUNT)")
    print(f"slowest ward: {worst * 1000:.1f} ms (target < 2000 ms)")


if __name__ == "__main__":
    main()
