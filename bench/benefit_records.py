"""Benchmark: the monthly benefit-record file (給付実績) of 500,000 records received (issue 19,
"Speed": under 1 minute, within 6x of the raw parse-and-COPY of the same file).

    make bench BENCH=bench/benefit_records.py ARGS="--residents 600000 --certified-share 0.9"

The file comes from the federation's simulator (linkage/kokuhoren/simulator.py) for the persons
certified in the service month (the month before today) on the benchmark city with the synthetic
city's certification step as of today (bench/certification_screens.py's set-up; ``--certified-share``
certifies more of those aged 65+ so that a smaller city gives a month of 500,000 records: about
about 3 records a person; claims of the month before make up the rest). Timed: ``records_file_receive`` (parse, match insured numbers and the
certifications of the month through eligibility's and certification's selectors, COPY into a
temporary table, repeats found set-based, one INSERT ... SELECT, the refused lines) in one
transaction. Beside it, in the same run: the raw parse-and-COPY of the same file (split each line,
the numbers converted, one binary COPY into a copy of the record table with its indexes, no
checks), and parsing alone. Earlier runs' files are removed first (benchmark database only).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date, timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaigo.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from benefits.records.format import LAYOUT  # noqa: E402
from benefits.records.parser import parse_record_file  # noqa: E402
from benefits.records.services import records_file_receive  # noqa: E402
from bench.certification_screens import ensure_certification  # noqa: E402
from bench.person_screens import ensure_city  # noqa: E402
from kaigo.db import copy_rows  # noqa: E402
from linkage.kokuhoren.simulator import certified_people, simulate_records  # noqa: E402

TARGET_SECONDS, TARGET_RATIO = 60, 6


def raw_parse_and_copy(data: bytes) -> tuple[int, float]:
    """The floor: each data line split and its numbers converted, one binary COPY into a copy of
    the record table (same columns and indexes), nothing checked or matched. (rows, seconds)."""
    started = time.perf_counter()
    rows = []
    for n, raw in enumerate(data.split(b"\n")[1:-2], start=2):
        f = raw.decode().split(",")
        month = date(int(f[3][:4]), int(f[3][4:]), 1)
        rows.append((1, n, int(f[1]), f[2], month, f[4], "in_kind" if f[5] == "1" else "reimbursed", int(f[6]),
                     int(f[7].replace(".", "")), int(f[8]), int(f[9]), int(f[10]), int(f[11]), int(f[12]), "22"))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bench_benefitrecord (LIKE benefits_benefitrecord INCLUDING ALL) "
                       "ON COMMIT DROP")
        copy_rows("bench_benefitrecord", ["file_id", "line_no", "resident_id", "provider_number", "service_month",
                                          "service_type", "route", "units", "unit_price", "total_cost", "benefit_rate",
                                          "insurer_amount", "public_amount", "copayment", "level"], rows,
                  types=["int8", "int4", "int8", "text", "date", "text", "text", "int4", "int2", "int4", "int2",
                         "int4", "int4", "int4", "text"])
    return len(rows), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=500_000)
    parser.add_argument("--residents", type=int, default=600_000)
    parser.add_argument("--certified-share", type=float, default=0.9)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    call_command("migrate", "--no-input", verbosity=0)
    call_command("keys_create", verbosity=0)
    ensure_city(args.residents)
    certified, _ = ensure_certification(args.seed, args.certified_share, None)
    today = timezone.localdate()
    service_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    t = time.perf_counter()
    people = certified_people(service_month)
    made = simulate_records(people, service_month=service_month, seed=args.seed)
    simulate_seconds = time.perf_counter() - t
    lines = made.data.split(b"\n")[1:-2][:args.records]
    late = 0
    if len(lines) < args.records:  # claims of the month before (月遅れ請求) make up the rest
        earlier = (service_month - timedelta(days=1)).replace(day=1)
        more = simulate_records(certified_people(earlier), service_month=earlier, seed=args.seed,
                                serial_start=made.lines + 1)
        extra = more.data.split(b"\n")[1:-2][:args.records - len(lines)]
        late, lines = len(extra), lines + extra
    data = LAYOUT.file([raw.decode() for raw in lines])
    print(f"city: {certified:,} persons certified today; {len(people):,} certified in {service_month:%Y-%m}; "
          f"simulated {made.lines:,} records in {simulate_seconds:.0f} s, file of {len(lines):,} records "
          f"({len(data) / 1e6:.1f} MB; {late:,} of them of the month before, as late claims)")
    if len(lines) < args.records:
        print(f"  note: fewer records than --records ({args.records:,}): grow the city or --certified-share")

    with connection.cursor() as cursor:  # earlier runs (benchmark database only)
        cursor.execute("TRUNCATE benefits_benefitrecord, benefits_recordlineerror, benefits_recordfile")
    t = time.perf_counter()
    parsed = parse_record_file(data, month=made.month)
    parse_seconds = time.perf_counter() - t
    started = time.perf_counter()
    received = records_file_receive(data, file_name="bench-kyufu.csv", month=made.month, actor=None)
    elapsed = time.perf_counter() - started
    raw_rows, raw_seconds = raw_parse_and_copy(data)
    print(f"benefit-record file: {len(lines):,} records ({received.applied:,} applied, {received.rejected:,} refused, "
          f"{received.file.reimbursed:,} 償還払い) received in {elapsed:.1f} s = {len(lines) / elapsed:,.0f} records/s "
          f"(target: 500,000 in under {TARGET_SECONDS} s)")
    print(f"  ceiling: raw parse-and-COPY of the same {raw_rows:,} lines into a copy of the table: {raw_seconds:.1f} s; "
          f"receive / raw = {elapsed / raw_seconds:.1f}x (target: within {TARGET_RATIO}x); "
          f"the strict parse alone: {parse_seconds:.1f} s ({len(parsed.records) / parse_seconds:,.0f} lines/s)")


if __name__ == "__main__":
    main()
