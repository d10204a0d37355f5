"""Write a simulated month of benefit records (給付実績) from the national federation for the
synthetic city's certified persons. See docs/subsystems/benefits-records.md."""

import time
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from linkage.kokuhoren.simulator import certified_people, simulate_records


def year_month(text: str) -> date:
    year, month = text.split("-")
    return date(int(year), int(month), 1)


class Command(BaseCommand):
    help = "Write a simulated month of benefit records (給付実績) for the city's certified persons."

    def add_arguments(self, parser):
        parser.add_argument("--service-month", type=year_month, required=True, help="YYYY-MM")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--out", type=Path, required=True, help="the file to write")
        parser.add_argument("--unknown", type=int, default=0, help="records with insured numbers never issued")
        parser.add_argument("--bad-lines", type=int, default=0, help="faulty lines added (for tests of the intake)")
        parser.add_argument("--reimbursed-share", type=float, default=0.005, help="share of 償還払い records")

    def handle(self, *args, service_month, seed, out, unknown=0, bad_lines=0, reimbursed_share=0.005, **options):
        if settings.PRODUCTION:
            raise CommandError("the benefit-record simulator is never run in production")
        if unknown < 0 or bad_lines < 0 or not 0 <= reimbursed_share <= 1:
            raise CommandError("--unknown and --bad-lines must be >= 0, --reimbursed-share within 0..1")
        started = time.perf_counter()
        people = certified_people(service_month)
        made = simulate_records(people, service_month=service_month, seed=seed, unknown=unknown, bad_lines=bad_lines,
                                reimbursed_share=reimbursed_share)
        out.write_bytes(made.data)
        self.stdout.write(f"benefit records of {service_month:%Y-%m} (審査年月 {made.month:%Y-%m}): {made.lines:,} lines "
                          f"for {len(people):,} certified persons ({made.reimbursed:,} 償還払い, {bad_lines:,} faulty) "
                          f"written to {out} in {time.perf_counter() - started:.2f} s")
