"""Write a simulated day's payment file for bills (収納データ: counters, account transfers,
convenience stores). See docs/subsystems/payment-feed.md."""

import time
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from linkage.payments.simulator import installments_of, simulate_payment_day
from premiums.intake.payment_feed.format import PaymentChannel
from premiums.intake.payment_feed.parser import parse_payment_file


class Command(BaseCommand):
    help = "Write a simulated day's payment file (収納データ) for made-up bill installments."

    def add_arguments(self, parser):
        parser.add_argument("--day", type=date.fromisoformat, required=True, help="the file's day, YYYY-MM-DD")
        parser.add_argument("--notices", type=int, required=True,
                            help="made-up payment notices (通知書) of the fiscal year, ten installments each")
        parser.add_argument("--fiscal-year", type=int, default=None, help="default: the fiscal year of --day")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--out", type=Path, required=True, help="the file to write")
        parser.add_argument("--confirm", type=Path, action="append", default=[],
                            help="an earlier day's file: its convenience-store 速報 lines get their 確報 (repeatable)")
        parser.add_argument("--unknown", type=int, default=0, help="payments with a 納付番号 never issued")
        parser.add_argument("--bad-lines", type=int, default=0, help="faulty lines added (for tests of the intake)")

    def handle(self, *args, day, notices, seed, out, fiscal_year=None, confirm=(), unknown=0, bad_lines=0, **options):
        if settings.PRODUCTION:
            raise CommandError("the payment-file simulator is never run in production")
        if notices <= 0 or unknown < 0 or bad_lines < 0:
            raise CommandError("--notices must be positive, --unknown and --bad-lines >= 0")
        fiscal_year = fiscal_year or (day.year if day.month >= 4 else day.year - 1)
        started = time.perf_counter()
        installments = installments_of(notices, fiscal_year=fiscal_year, seed=seed)
        preliminary = []
        for path in confirm:
            parsed = parse_payment_file(path.read_bytes(), today=day)
            if parsed.rejected:
                raise CommandError(f"{path}: rejected ({parsed.errors[0].code})")
            preliminary.extend(r for r in parsed.records if r.channel == PaymentChannel.STORE_PRELIMINARY)
        made = simulate_payment_day(installments, day=day, seed=seed, confirm=preliminary, unknown=unknown,
                                    bad_lines=bad_lines)
        elapsed = time.perf_counter() - started
        out.write_bytes(made.data)
        self.stdout.write(f"payment file {day.isoformat()}: {made.lines:,} lines ({bad_lines:,} faulty) written to "
                          f"{out} in {elapsed:.2f} s")
