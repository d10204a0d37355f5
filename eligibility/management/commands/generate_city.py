import time
from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from audit.trail import trail_context
from eligibility.models import Resident
from eligibility.synthetic.city import generate, qualification_backfill, raw_copy_rate
from premiums.rules.tables import fiscal_year_of
from premiums.synthetic import premium_facts_generate


class Command(BaseCommand):
    help = "Generate the synthetic city (made-up residents and households), encrypted, through COPY."

    def add_arguments(self, parser):
        parser.add_argument("--residents", type=int, default=20_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 4, 1),
                            help="reference date for ages (default 2026-04-01, so a seed always gives the same city)")
        parser.add_argument("--if-empty", action="store_true", help="do nothing when residents exist already")
        parser.add_argument("--compare-copy", action="store_true",
                            help="then measure a raw COPY of the same rows into a copy of the table, and print both rates")

    def handle(self, *args, residents, seed, as_of, if_empty=False, compare_copy=False, **options):
        if settings.PRODUCTION:
            raise CommandError("the synthetic city is never generated in production")
        if residents <= 0:
            raise CommandError("--residents must be positive")
        if if_empty and Resident.objects.exists():
            # a city generated before qualification existed gets its spells and periods now
            with trail_context(function="city.generate"):
                filled = qualification_backfill(as_of=as_of)
                taxed, listed = premium_facts_generate(fiscal_year=fiscal_year_of(as_of), seed=seed)
            self.stdout.write("synthetic city: residents exist, nothing generated"
                              + (f" (qualification completed for {filled:,} residents)" if filled else "")
                              + (f" (premium facts added: {taxed:,} tax, {listed:,} pension)" if taxed else ""))
            return
        started = time.perf_counter()
        with trail_context(function="city.generate"), tqdm(total=residents, unit="人", desc="合成データ生成", file=self.stderr._out, dynamic_ncols=True) as bar:
            count = generate(residents=residents, seed=seed, as_of=as_of, progress=lambda n: bar.update(n - bar.n))
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"synthetic city: {count:,} residents in {elapsed:.1f} s ({count / elapsed:,.0f} residents/s), seed {seed}"
        )
        started = time.perf_counter()
        with trail_context(function="city.generate"):
            taxed, listed = premium_facts_generate(fiscal_year=fiscal_year_of(as_of), seed=seed)
        self.stdout.write(f"premium facts of fiscal year {fiscal_year_of(as_of)}: {taxed:,} tax facts, "
                          f"{listed:,} pension listings in {time.perf_counter() - started:.1f} s")
        if compare_copy:
            rows, ceiling = raw_copy_rate()
            rate = count / elapsed
            self.stdout.write(
                f"raw COPY of the same {rows:,} resident rows into a copy of the table (same indexes): "
                f"{ceiling:,.0f} rows/s; generator / raw COPY = {rate / ceiling:.2f} "
                f"(the generator also creates the households and data keys, and encrypts)"
            )
