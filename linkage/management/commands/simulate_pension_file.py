"""Write a simulated 特別徴収 file of the pension insurers (via 国保連) for the synthetic city: the yearly
listing (00), additional candidates (01) or the deduction results (10). See
docs/subsystems/pension-feed.md."""

import re
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from eligibility.residents.selectors import residents_kana_names
from linkage.pension.simulator import (
    PensionSnapshot,
    identity_of,
    simulate_candidates_file,
    simulate_results_file,
    simulate_targets_file,
)
from premiums.intake.pension_feed.format import NOTICE_MONTHS, Notice
from premiums.intake.pension_feed.parser import parse_pension_file

CHUNK = 5_000


def requested_stand_in(annual_pension: int) -> int:
    """A month's deduction to request for a pension when no levy is at hand: one sixth of a yearly
    premium that grows with the pension (stages 1-9 of a 78,000円 base amount), in hundreds of yen."""
    multiplier = 0.455 if annual_pension < 800_000 else 0.9 if annual_pension < 1_200_000 else \
        1.2 if annual_pension < 2_000_000 else 1.5 if annual_pension < 3_000_000 else 1.7
    return int(78_000 * multiplier / 6) // 100 * 100


class Command(BaseCommand):
    help = "Write a simulated 特別徴収 file (00 対象者情報, 01 追加候補者情報, 10 結果通知) for the synthetic city."

    def add_arguments(self, parser):
        parser.add_argument("--notice", choices=Notice.values, required=True)
        parser.add_argument("--month", required=True, help="対象年月, YYYY-MM (00: May, 01: odd months, 10: even)")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--out", type=Path, required=True, help="the file to write")
        parser.add_argument("--listing", type=Path, action="append", default=[],
                            help="10 only: a 00 or 01 file (repeatable); its withholdable pensions of 18万円 or more "
                                 "are the requested deductions")
        parser.add_argument("--unmatched", type=int, default=0, help="00/01: lines of persons not in the city")
        parser.add_argument("--bad-lines", type=int, default=0, help="faulty lines added (for tests of the intake)")
        parser.add_argument("--serial-start", type=int, default=None,
                            help="first 通知連番 (default: YYMM of the month, the notice, then 000001)")

    def handle(self, *args, notice, month, seed, out, listing=(), unmatched=0, bad_lines=0, serial_start=None,
               **options):
        if settings.PRODUCTION:
            raise CommandError("the pension-file simulator is never run in production")
        match = re.fullmatch(r"([0-9]{4})-([0-9]{2})", month)
        if match is None:
            raise CommandError("--month must be YYYY-MM")
        year_month = (int(match[1]), int(match[2]))
        if year_month[1] not in NOTICE_MONTHS[notice]:
            raise CommandError(f"notice {notice} is never sent for month {year_month[1]}")
        if serial_start is None:
            serial_start = int(f"{year_month[0] % 100:02d}{year_month[1]:02d}{notice}000001")
        started = time.perf_counter()
        try:
            if notice == Notice.RESULTS:
                if not listing:
                    raise CommandError("--listing is required for notice 10")
                requested = self.requested(listing)
                read = time.perf_counter() - started
                made = simulate_results_file(requested, month=year_month, seed=seed, serial_start=serial_start,
                                             bad_lines=bad_lines)
            else:
                snapshots = self.snapshots()
                read = time.perf_counter() - started
                if notice == Notice.TARGETS:
                    fiscal_year = year_month[0]
                    made = simulate_targets_file(snapshots, fiscal_year=fiscal_year, seed=seed,
                                                 serial_start=serial_start, unmatched=unmatched, bad_lines=bad_lines)
                else:
                    made = simulate_candidates_file(snapshots, month=year_month, seed=seed, serial_start=serial_start,
                                                    unmatched=unmatched, bad_lines=bad_lines)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        elapsed = time.perf_counter() - started - read
        out.write_bytes(made.data)
        self.stdout.write(
            f"pension file {notice} {month}: {made.lines:,} lines ({bad_lines:,} faulty, {len(made.unmatched):,} "
            f"unmatchable, {len(made.not_deducted):,} not deducted) written to {out}; "
            f"input read in {read:.1f} s, lines made in {elapsed:.2f} s"
        )

    @staticmethod
    def snapshots() -> list[PensionSnapshot]:
        """Residents (status resident) with their kana names decrypted, a chunk of keys at a time."""
        return [PensionSnapshot(*row) for row in residents_kana_names(chunk_size=CHUNK)]

    @staticmethod
    def requested(paths) -> dict:
        """The withholdable pensions of 18万円 or more of the listing files, each with a stand-in amount."""
        requested = {}
        for path in paths:
            data = path.read_bytes()
            lines = data.split(b"\n", 2)
            fields = lines[1].decode("utf-8", "replace").split(",") if len(lines) > 1 else []
            match = re.fullmatch(r"([0-9]{4})-([0-9]{2})", fields[2]) if len(fields) > 2 else None
            if match is None or fields[1] not in (Notice.TARGETS, Notice.ADDITIONAL_CANDIDATES):
                raise CommandError(f"{path}: not a 00 or 01 file")
            parsed = parse_pension_file(data, notice=fields[1], month=(int(match[1]), int(match[2])))
            if parsed.rejected:
                raise CommandError(f"{path}: rejected ({parsed.errors[0].code})")
            for r in parsed.records:
                if r.withholdable and r.annual_amount >= 180_000:
                    requested[identity_of(r)] = requested_stand_in(r.annual_amount)
        return requested
