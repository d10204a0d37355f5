from django.core.management.base import BaseCommand, CommandError

from kaigo.batches import services
from kaigo.batches.management.commands.batch_run import follow_and_report
from kaigo.errors import ApplicationError


class Command(BaseCommand):
    help = "Run again the pending and failed chunks of a batch run (finished chunks are not redone)."

    def add_arguments(self, parser):
        parser.add_argument("run_id", type=int)
        parser.add_argument("--detach", action="store_true")

    def handle(self, *args, run_id, detach=False, **options):
        try:
            run = services.batch_resume(run_id=run_id, actor=None)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"バッチ #{run.pk} を再実行します。")
        if not detach:
            follow_and_report(self, run)
