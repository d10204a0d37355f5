"""Benchmark: a payment file of 300,000 records parsed, matched and applied (issue #5: under 1
minute), on the benchmark city after its main levy (bench/main_levy.py levies it).

    make bench BENCH=bench/payment_file.py ARGS="--records 300000"

The file comes from the collecting agents' simulator (linkage/payments/simulator.py): the bills
due in the first months of the year, paid by account transfer, at counters and at stores (速報
and 確報), some underpaid, overpaid or paid twice, a few unknown 納付番号. Timed: receiving it
(parse, COPY into a temporary table, match by 納付番号, one INSERT ... SELECT, the refused lines)
in one transaction. Beside it: parsing alone, and a raw COPY of the same number of payment rows
into a copy of the payment table, in the same run. The payments are removed afterwards.
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

from kaigo.db import copy_rows  # noqa: E402
from linkage.payments.simulator import OpenInstallment, simulate_payment_day  # noqa: E402
from premiums.intake.payment_feed.format import payment_number
from premiums.intake.payment_feed.parser import parse_payment_file
from premiums.intake.services import payment_file_receive

FY = 2026


def installments(records: int) -> tuple[list[OpenInstallment], date]:
    """Bill installments, month after month from July, until about ``records`` lines can come of them
    (each collection day brings the lines of the installments due about then)."""
    chosen: list[OpenInstallment] = []
    with connection.cursor() as cursor:
        for month in (7, 8, 9, 10, 11, 12):
            cursor.execute("SELECT l.notice_number, i.number, i.amount, i.due_date FROM premiums_levy l "
                           "JOIN premiums_levyinstallment i ON i.levy_id = l.id WHERE l.fiscal_year = %s "
                           "AND l.recorded_to IS NULL AND i.method = 'billing' AND i.month = %s",
                           [FY, date(FY, month, 1)])
            rows = cursor.fetchall()
            chosen += [OpenInstallment(payment_number(FY, n, k), amount, due) for n, k, amount, due in rows]
            if len(chosen) * 0.45 >= records:
                return chosen, max(i.due_date for i in chosen)
    return chosen, max(i.due_date for i in chosen)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=300_000)
    args = parser.parse_args()
    call_command("migrate", "--no-input", verbosity=0)
    bills, _ = installments(args.records)
    if not bills:
        raise SystemExit("no levy in the benchmark database: run bench/main_levy.py first")
    # the day after July's 納期限 had its store 速報; two days later come the transfer results, the
    # counter payments and the 確報 of those 速報
    # a file of several collection days (a weekly file) until it holds ``--records`` lines
    data, dues = b"", sorted({i.due_date for i in bills})
    for k, due in enumerate(dues):
        before = simulate_payment_day(bills, day=due, seed=10 * k + 1, serial_start=(2 * k + 1) * 10**8)
        one = simulate_payment_day(bills, day=due + timedelta(days=2), seed=10 * k + 2, confirm=before.preliminary,
                                   unknown=100, serial_start=(2 * k + 2) * 10**8)
        data = one.data if not data else data + one.data.split(b"\n", 1)[1]
        if data.count(b"\n") - 1 >= args.records:
            break
    day = type(one)(data=data)
    lines = day.data.count(b"\n") - 1
    t = time.perf_counter()
    parsed = parse_payment_file(day.data)
    parse_seconds = time.perf_counter() - t

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM premiums_inboundlineerror WHERE file_id IN (SELECT id FROM premiums_inboundfile "
                       "WHERE kind = 'payment')")
        # earlier runs' payments, 速報 and settlements (benchmark database only: TRUNCATE, which the
        # change trail does not record, instead of a row-by-row DELETE that it would)
        cursor.execute("TRUNCATE premiums_preliminarypayment, premiums_settlement, premiums_payment")
        cursor.execute("DELETE FROM premiums_inboundfile WHERE kind = 'payment'")
        cursor.execute("VACUUM ANALYZE premiums_payment")
    started = time.perf_counter()
    received = payment_file_receive(day.data, file_name="bench-shuno.csv")
    elapsed = time.perf_counter() - started

    now = timezone.now()
    rows = [(1, FY, "billing", date(FY, 7, 1), "bank", 1_000, date(FY, 7, 31), date(FY, 7, 31), "", "00000", str(n),
             now, "") for n in range(received.applied)]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bench_payment (LIKE premiums_payment INCLUDING ALL) ON COMMIT DROP")
        t = time.perf_counter()
        copy_rows("bench_payment", ["resident_id", "fiscal_year", "method", "month", "channel", "amount", "paid_on",
                                    "booked_on", "payment_number", "agent_code", "serial", "recorded_at", "note"], rows,
                  types=["int8", "int2", "text", "date", "text", "int4", "date", "date", "text", "text", "text",
                         "timestamptz", "text"])
        copy_seconds = time.perf_counter() - t
    print(f"payment file: {lines:,} records ({received.applied:,} payments applied, {received.preliminary:,} store "
          f"速報 waiting, {received.transfer_failed:,} failed transfers listed, {received.rejected:,} refused, "
          f"{received.duplicates:,} already counted) received in {elapsed:.1f} s = {lines / elapsed:,.0f} records/s "
          f"(target: 300,000 in under 60 s)")
    print(f"  parse alone: {parse_seconds:.1f} s ({len(parsed.records) / parse_seconds:,.0f} lines/s); raw COPY of "
          f"{received.applied:,} payment rows into a copy of the table: {copy_seconds:.1f} s; "
          f"receive / (parse + COPY) = {elapsed / (parse_seconds + copy_seconds):.1f}x")


if __name__ == "__main__":
    main()
