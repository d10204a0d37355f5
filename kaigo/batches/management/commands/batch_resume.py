from django.core.management.base import BaseCommand, CommandError
from django.db import InterfaceError, OperationalError

from kaigo.batches import services
from kaigo.batches.management.commands.batch_run import follow_and_report, say_if_not_queued
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
        except (OperationalError, InterfaceError):
            raise CommandError(
                f"データベース（PostgreSQL）に接続できないため、バッチ #{run_id} を再実行できませんでした"
                "（何も変更していません）。"
                "PostgreSQL を復旧してから同じコマンドをもう一度実行してください。"
            ) from None
        self.stdout.write(f"バッチ #{run.pk} を再実行します。")
        say_if_not_queued(self, run)
        if not detach:
            follow_and_report(self, run)
