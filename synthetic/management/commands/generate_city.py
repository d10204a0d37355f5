from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from eligibility.models import Resident
from synthetic.steps import CityRun, city_generate


class Command(BaseCommand):
    help = "Generate the synthetic city (made-up residents and households), encrypted, through COPY."

    def add_arguments(self, parser):
        parser.add_argument("--residents", type=int, default=20_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 4, 1),
                            help="reference date for ages (default 2026-04-01, so a seed always gives the same city)")
        parser.add_argument("--if-empty", action="store_true", help="do nothing when residents exist already")
        parser.add_argument("--business-to", type=date.fromisoformat, default=None, metavar="DATE",
                            help="also run the office's work of the fiscal year of --as-of up to DATE (not after "
                                 "today): insurance cards, the main levy, payments, reminders, reductions "
                                 "(docs/subsystems/synthetic.md)")
        parser.add_argument("--compare-copy", action="store_true",
                            help="then measure a raw COPY of the same rows into a copy of the table, and print both rates")

    def handle(self, *args, residents, seed, as_of, if_empty=False, compare_copy=False, business_to=None, **options):
        if settings.PRODUCTION:
            raise CommandError("the synthetic city is never generated in production")
        if residents <= 0:
            raise CommandError("--residents must be positive")
        if business_to is not None:
            year_end = date(as_of.year + (1 if as_of.month >= 4 else 0), 3, 31)
            if not as_of <= business_to <= year_end:
                raise CommandError(f"--business-to must lie between --as-of ({as_of}) and the end of its fiscal year "
                                   f"({year_end})")
            if business_to > timezone.localdate():
                raise CommandError("--business-to cannot be after today (payments and applications are not "
                                   "recorded in the future)")
        # a city that exists (--if-empty) gets what an older generator did not write yet (its steps say what)
        existing = if_empty and Resident.objects.exists()
        run = CityRun(residents=residents, seed=seed, as_of=as_of, existing=existing, compare_copy=compare_copy,
                      business_to=business_to, progress_file=self.stderr._out)
        said = city_generate(run)
        if existing:
            self.stdout.write("synthetic city: residents exist, nothing generated" + "".join(f" ({s})" for s in said))
        else:
            for sentence in said:
                self.stdout.write(sentence)
