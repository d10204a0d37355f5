"""Receive the monthly benefit-record file (給付実績) from the national federation
(docs/subsystems/benefits-records.md). Prints the counts; refused lines are listed on the head
office's screen (給付実績ファイルの受信状況) with their reasons."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from benefits.records.services import records_file_receive
from kaigo.errors import ApplicationError
from linkage.management.commands.simulate_benefit_records import year_month


class Command(BaseCommand):
    help = "Receive a benefit-record file (給付実績) of a processing month (審査年月)."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--month", type=year_month, required=True, help="審査年月, YYYY-MM")

    def handle(self, *args, path, month, **options):
        try:
            received = records_file_receive(path.read_bytes(), file_name=path.name, month=month, actor=None)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        if not received.created:
            self.stdout.write(f"file {received.file.pk}: received before, nothing changed")
            return
        self.stdout.write(f"file {received.file.pk}: {received.applied:,} records, {received.rejected:,} lines refused "
                          f"({received.file.reimbursed:,} 償還払い)")
