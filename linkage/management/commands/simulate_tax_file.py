"""Write a simulated inhabitant-tax file (住民税課税情報) of a fiscal year for the synthetic city: the
当初 file, or a file of corrections (更正) to the 当初 file the same seed gives. Reads the
residents' snapshot (no decryption). See docs/subsystems/tax-feed.md."""

import time
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from eligibility.residents.selectors import resident_columns
from linkage.tax.simulator import TaxSnapshot, simulate_tax_corrections, simulate_tax_file


def default_serial_start(fiscal_year: int, corrections: bool) -> int:
    """YY of the fiscal year, 1 (当初) or 2 (更正), then a 9-digit counter from 1."""
    return int(f"{fiscal_year % 100:02d}{2 if corrections else 1}000000001")


class Command(BaseCommand):
    help = "Write a simulated inhabitant-tax file (住民税課税情報, 当初 or 更正) for the synthetic city."

    def add_arguments(self, parser):
        parser.add_argument("--fiscal-year", type=int, required=True, help="the levy's 年度 (income of the year before)")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--out", type=Path, required=True, help="the file to write")
        parser.add_argument("--corrections", action="store_true",
                            help="write corrections (更正) to the 当初 file of the same seed instead")
        parser.add_argument("--share", type=float, default=0.03, help="share of persons corrected (with --corrections)")
        parser.add_argument("--bad-lines", type=int, default=0, help="faulty lines added (for tests of the intake)")
        parser.add_argument("--serial-start", type=int, default=None,
                            help="first 課税連番 (default: YY of the year, 1 or 2, then 000000001)")

    def handle(self, *args, fiscal_year, seed, out, corrections=False, share=0.03, bad_lines=0, serial_start=None,
               **options):
        if settings.PRODUCTION:
            raise CommandError("the tax-file simulator is never run in production")
        if not 2000 <= fiscal_year <= 2999 or bad_lines < 0 or not 0 < share <= 1:
            raise CommandError("--fiscal-year must be a year, --bad-lines >= 0 and 0 < --share <= 1")
        if serial_start is None:
            serial_start = default_serial_start(fiscal_year, corrections)
        started = time.perf_counter()
        levy_date = date(fiscal_year, 4, 1)
        snapshots = [
            TaxSnapshot(*row)
            for row in resident_columns("id", "household_id", "relation", "birth_date", "sex", residents_only=True,
                                        born_by=levy_date, in_household=True, order_by=("household_id", "id"))
        ]
        read = time.perf_counter() - started
        started = time.perf_counter()
        try:
            if corrections:
                initial = simulate_tax_file(snapshots, fiscal_year=fiscal_year, seed=seed)
                made = simulate_tax_corrections(initial.records, fiscal_year=fiscal_year, seed=seed, share=share,
                                                serial_start=serial_start, bad_lines=bad_lines)
            else:
                made = simulate_tax_file(snapshots, fiscal_year=fiscal_year, seed=seed, serial_start=serial_start,
                                         bad_lines=bad_lines)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        elapsed = time.perf_counter() - started
        out.write_bytes(made.data)
        kind = "corrections (更正)" if corrections else "initial (当初)"
        self.stdout.write(
            f"tax file {kind} {fiscal_year}: {len(made.records):,} lines ({bad_lines:,} faulty more) written to {out}; "
            f"{len(snapshots):,} residents read in {read:.1f} s, lines made in {elapsed:.2f} s"
        )
