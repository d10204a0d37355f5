from datetime import date

from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

# The synthetic-city generator (`generate_city`) is called with --if-empty: it loads the default
# small city only when no resident exists yet (and completes what an older city lacks), and with
# the current fiscal year's business run up to today (--as-of 1 April, --business-to today): the
# levy, payments, arrears, reductions, so that every screen shows data on first sight.
CITY_COMMAND = "generate_city"
DEFAULT_CITY_RESIDENTS = 20_000


def demo_year(today: date) -> tuple[date, date]:
    """(as of, business to) of the demo city: 1 April of the fiscal year of ``today``, and today."""
    return date(today.year if today.month >= 4 else today.year - 1, 4, 1), today


class Command(BaseCommand):
    help = ("Development set-up run by `make run`: demo staff (one per role), and the synthetic city if empty, "
            "with this fiscal year's business run up to today.")

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("demo_setup is for development machines only")
        call_command("keys_create", stdout=self.stdout)
        call_command("demo_staff", stdout=self.stdout)
        if CITY_COMMAND in get_commands():
            as_of, business_to = demo_year(timezone.localdate())
            call_command(CITY_COMMAND, residents=DEFAULT_CITY_RESIDENTS, seed=1, if_empty=True, as_of=as_of,
                         business_to=business_to, stdout=self.stdout)
        else:
            self.stdout.write("synthetic city: no generator installed yet (generate_city); the city is empty")
