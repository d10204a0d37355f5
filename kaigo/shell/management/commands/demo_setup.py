from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError

# The synthetic-city generator (`generate_city`, from the protected-data work) is called with
# --if-empty: it loads the default small city only when no resident exists yet.
CITY_COMMAND = "generate_city"
DEFAULT_CITY_RESIDENTS = 20_000


class Command(BaseCommand):
    help = "Development set-up run by `make run`: demo staff (one per role) and the synthetic city if empty."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("demo_setup is for development machines only")
        call_command("keys_create", stdout=self.stdout)
        call_command("demo_staff", stdout=self.stdout)
        if CITY_COMMAND in get_commands():
            call_command(CITY_COMMAND, residents=DEFAULT_CITY_RESIDENTS, seed=1, if_empty=True, stdout=self.stdout)
        else:
            self.stdout.write("synthetic city: no generator installed yet (generate_city); the city is empty")
