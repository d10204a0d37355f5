"""Receive one of the premiums' inbound files: the tax system's file, a pension insurer's listing
or results, or a collecting agent's payment file (docs/subsystems/levy.md). Prints the counts;
refused lines are listed on the screens and in premiums_inboundlineerror, with their reasons."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kaigo.errors import ApplicationError
from premiums.intake import services as intake


def year_month(text: str) -> tuple[int, int]:
    year, month = text.split("-")
    return int(year), int(month)


class Command(BaseCommand):
    help = "Receive a premium file: --kind tax (with --fiscal-year), pension (with --notice and --month) or payment."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--kind", choices=["tax", "pension", "payment"], required=True)
        parser.add_argument("--fiscal-year", type=int)
        parser.add_argument("--notice", choices=["00", "01", "10"])
        parser.add_argument("--month", type=year_month, help="YYYY-MM (pension files)")

    def handle(self, *args, path, kind, fiscal_year=None, notice=None, month=None, **options):
        data = path.read_bytes()
        try:
            if kind == "tax":
                if fiscal_year is None:
                    raise CommandError("--fiscal-year is needed for a tax file")
                received = intake.tax_file_receive(data, file_name=path.name, fiscal_year=fiscal_year)
            elif kind == "pension":
                if notice is None or month is None:
                    raise CommandError("--notice and --month are needed for a pension file")
                receive = intake.pension_results_receive if notice == "10" else None
                received = (receive(data, file_name=path.name, month=month) if receive else
                            intake.pension_listing_receive(data, file_name=path.name, notice=notice, month=month))
            else:
                received = intake.payment_file_receive(data, file_name=path.name)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        if not received.created:
            self.stdout.write(f"file {received.file.pk}: received before, nothing changed")
            return
        held = getattr(received, "held", 0)
        self.stdout.write(f"file {received.file.pk}: {received.applied:,} applied, {received.rejected:,} refused, "
                          f"{received.duplicates:,} received before"
                          + (f", {held:,} held for a clerk's decision (保留中の収納)" if held else ""))
