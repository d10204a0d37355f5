from django.core.management.base import BaseCommand

from kaigo.batches import services
from kaigo.batches.management.commands.batch_run import follow_and_report
from kaigo.batches.models import BatchRun


class Command(BaseCommand):
    help = "Decrypt every encrypted value of every person (a batch); exit 1 and list the persons that fail."

    def handle(self, *args, **options):
        run = services.batch_start(kind="crypto.verify", params={}, actor=None, origin=BatchRun.Origin.COMMAND)
        self.stdout.write(f"バッチ #{run.pk}: {run.total} 人の暗号化データを検証します。")
        follow_and_report(self, run)
