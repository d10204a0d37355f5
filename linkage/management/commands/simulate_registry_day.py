"""Write a simulated day of the resident registry's change file (住基異動ファイル) for the synthetic
city: reads the residents' snapshot (no decryption), takes new resident and household numbers from
their sequences, and writes the file (docs/subsystems/registry-feed.md)."""

import re
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from eligibility.codes import OWN_MUNICIPALITY_CODES, municipality_code
from eligibility.intake.format import KindOfChange
from eligibility.qualification.selectors import facilities
from eligibility.residents.selectors import resident_columns
from eligibility.residents.services import HOUSEHOLD_NUMBER_SEQUENCE, RESIDENT_NUMBER_SEQUENCE
from kaigo.db import number_allocate
from linkage.registry.simulator import ResidentSnapshot, simulate_day_with_faults

NUMBER_BLOCK = 1_000


def numbers_from(sequence: str, block: int = NUMBER_BLOCK) -> Iterator[int]:
    """Numbers taken from a PostgreSQL sequence ``block`` at a time, as the simulator asks for them."""
    while True:
        yield from number_allocate(sequence, block)


class Command(BaseCommand):
    help = "Write a simulated day of the resident registry's change file (住基異動) for the synthetic city."

    def add_arguments(self, parser):
        parser.add_argument("--size", type=int, required=True, help="lines after the header")
        parser.add_argument("--day", type=date.fromisoformat, required=True, help="the file's day, YYYY-MM-DD")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--out", type=Path, required=True, help="the file to write")
        parser.add_argument("--bad-lines", type=int, default=0,
                            help="faulty lines among --size (for tests of the intake)")
        parser.add_argument("--serial-start", type=int, default=None,
                            help="first 異動連番 (default: YYMMDD of --day followed by 000001)")

    def handle(self, *args, size, day, seed, out, bad_lines=0, serial_start=None, **options):
        if settings.PRODUCTION:
            raise CommandError("the registry simulator is never run in production")
        if size <= 0 or not 0 <= bad_lines <= size:
            raise CommandError("--size must be positive and --bad-lines between 0 and --size")
        if serial_start is None:
            serial_start = int(f"{day:%y%m%d}000001")
        started = time.perf_counter()
        residents = [
            ResidentSnapshot(*row)
            for row in resident_columns("id", "household_id", "birth_date", "ward", "status", "sex")
        ]
        read = time.perf_counter() - started
        facility_codes, outside_facilities = self.facilities()
        started = time.perf_counter()
        try:
            day_file = simulate_day_with_faults(
                residents, day=day, size=size, seed=seed,
                new_person_ids=numbers_from(RESIDENT_NUMBER_SEQUENCE),
                new_household_ids=numbers_from(HOUSEHOLD_NUMBER_SEQUENCE),
                facility_codes=facility_codes, bad_lines=bad_lines, serial_start=serial_start,
                outside_facilities=outside_facilities,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        elapsed = time.perf_counter() - started
        out.write_bytes(day_file.data)
        kinds = ", ".join(f"{KindOfChange(k).label} {n:,}" for k, n in sorted(day_file.counts.items()))
        self.stdout.write(
            f"registry feed: {size:,} lines ({bad_lines:,} faulty) for {day.isoformat()} written to {out}; "
            f"{len(residents):,} residents read in {read:.1f} s, lines made in {elapsed:.2f} s "
            f"({size / elapsed:,.0f} lines/s)\n{kinds}"
        )

    @staticmethod
    def facilities() -> tuple[list[str], dict[str, str]]:
        """From the facility master (eligibility.qualification.selectors.facilities): the codes of
        facilities in this city, and those elsewhere with their municipality code."""
        here, elsewhere = [], {}
        for code, municipality in facilities():
            if municipality in OWN_MUNICIPALITY_CODES:
                here.append(code)
            elif re.fullmatch(r"[0-9]{6}", municipality) and municipality_code(municipality[:5]) == municipality:
                elsewhere[code] = municipality
        return here, elsewhere
