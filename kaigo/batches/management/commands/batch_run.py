from django.core.management.base import BaseCommand, CommandError
from django.db import InterfaceError, OperationalError

from kaigo.batches import services
from kaigo.batches.models import BatchRun
from kaigo.batches.progress import follow
from kaigo.batches.registry import BatchKind, ConfirmationRequired, MissingParams, all_kinds, kind_to_start
from kaigo.errors import ApplicationError
from kaigo.staff.models import Staff


class Command(BaseCommand):
    help = "Start a batch and show its progress until it ends (exit 1 when records or chunks failed)."

    def add_arguments(self, parser):
        parser.add_argument("kind", nargs="?", help="batch kind; omit to list the kinds")
        parser.add_argument("--param", "-p", action="append", default=[], metavar="NAME=VALUE")
        parser.add_argument("--operator", help="username of the staff member running it (recorded on the run)")
        parser.add_argument("--detach", action="store_true", help="start it and return without waiting")
        parser.add_argument("--confirm", action="store_true",
                            help="start a run the kind asks to confirm (e.g. a main levy run again for its year)")

    def handle(self, *args, kind=None, param=(), operator=None, detach=False, confirm=False, **options):
        if not kind:
            for k in all_kinds():
                self.stdout.write(f"{k.name}\t{k.label}")
                for line in param_lines(k):
                    self.stdout.write(line)
            return
        params = {}
        for item in param:
            name, sep, value = item.partition("=")
            if not sep:
                raise CommandError(f"--param は NAME=VALUE の形で指定してください: {item}")
            params[name] = value
        try:
            batch_kind = kind_to_start(kind)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        unknown = sorted(set(params) - set(batch_kind.params_known())) if batch_kind.form_class else []
        if unknown:
            raise CommandError("このバッチ種別にないパラメータです: " + "、".join(unknown) + "\n"
                               + "\n".join(["指定できるパラメータ:", *param_lines(batch_kind)]))
        try:
            self.start_and_follow(kind, params, operator=operator, detach=detach, confirm=confirm)
        except (OperationalError, InterfaceError):
            # before the run was registered (batch_start is one transaction): nothing was started
            raise CommandError(
                "データベース（PostgreSQL）に接続できないため、バッチを開始できませんでした。バッチは登録されていません。"
                "PostgreSQL が動いているか確認し、復旧してから同じコマンドをもう一度実行してください。"
            ) from None

    def start_and_follow(self, kind, params, *, operator, detach, confirm=False) -> None:
        actor = None
        if operator:
            actor = Staff.objects.filter(username=operator, is_active=True).first()
            if actor is None:
                raise CommandError(f"職員 {operator} は存在しないか無効です。")
        try:
            run = services.batch_start(kind=kind, params=params, actor=actor, origin=BatchRun.Origin.COMMAND,
                                       confirmed=confirm)
        except ConfirmationRequired as exc:
            raise CommandError(f"{exc.message}\n実行する場合は --confirm を付けてもう一度指定してください。") from None
        except MissingParams as exc:
            example = " ".join(f"-p {name}=（{label}）" for name, label in exc.missing)
            raise CommandError(f"{exc.message}\n指定の例: python manage.py batch_run {kind} {example}") from None
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"バッチ #{run.pk} を開始しました（{run.chunk_count} チャンク、{run.total} 件）。")
        say_if_not_queued(self, run)
        if detach:
            return
        follow_and_report(self, run)


def say_if_not_queued(command: BaseCommand, run: BatchRun) -> None:
    """When Redis refused the chunks (services.batch_dispatch marked the run stalled), say so and
    what happens next: the run is registered and goes on by itself once Redis is back."""
    try:
        run.refresh_from_db()
    except (OperationalError, InterfaceError):
        return  # the database went away just now: the progress bar says so and waits for it
    if run.is_stalled:
        command.stderr.write(
            f"バッチ #{run.pk} は登録しましたが、作業キュー（Redis）に接続できないため、まだ処理を始められません。"
            "Redis を復旧すると、監視ジョブが未処理のチャンクを自動で登録し直して処理が始まります（操作は不要です）。"
            f"状況はバッチ処理画面の #{run.pk} でも確認できます。"
        )


def param_lines(kind: BatchKind) -> list[str]:
    """The kind's parameters, one line each, the required ones first, for the listing and for an
    unknown name."""
    known = sorted(kind.params_known().items(), key=lambda item: not item[1][1])
    return [f"    -p {name}=…\t{label}{'（必須）' if required else ''}" for name, (label, required) in known]


def follow_and_report(command: BaseCommand, run: BatchRun) -> None:
    """Show the run's progress bar until it ends, then its outcome (CommandError when anything failed).
    Ctrl-C stops the display only: the run goes on in the workers."""
    try:
        finished = follow(run.pk, stream=command.stderr._out)
    except KeyboardInterrupt:
        raise CommandError(
            f"進捗の表示を中断しました。バッチ #{run.pk} はワーカーで続いています。"
            f"状況はバッチ処理画面の #{run.pk} で確認できます。", returncode=130
        ) from None
    report(command, finished)


def report(command: BaseCommand, run: BatchRun) -> None:
    command.stdout.write(
        f"バッチ #{run.pk}: {run.get_status_display()}（処理 {run.processed} / 対象 {run.total}、"
        f"成功 {run.succeeded}、エラー {run.failed}）"
    )
    if run.status != BatchRun.Status.SUCCEEDED or run.failed:
        raise CommandError(f"エラーがあります。バッチ処理画面の #{run.pk} で内容を確認してください。", returncode=1)
