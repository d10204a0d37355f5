from django.core.management.base import BaseCommand, CommandError

from kaigo.batches import services
from kaigo.batches.management.commands.batch_run import follow_and_report
from kaigo.batches.models import BatchRun
from kaigo.crypto.keyring import FileKeyStore, get_keyring, key_store, reset_keyring
from kaigo.crypto.services import key_operation_record


class Command(BaseCommand):
    help = (
        "Rotate the key-encryption key: add VERSION to the keyring as the active key, then re-wrap "
        "every person's data key under it, in chunks, while the system runs. Re-running after a crash "
        "(or `batch_resume RUN_ID`) finishes the rest; old versions stay until destroyed by hand."
    )

    def add_arguments(self, parser):
        parser.add_argument("version", help="the new key version, e.g. kek-2026-12")
        parser.add_argument("--detach", action="store_true")

    def handle(self, *args, version, detach=False, **options):
        store = key_store()
        ring = get_keyring()
        if ring.kek_active != version:
            if not isinstance(store, FileKeyStore):
                raise CommandError("add the new key to the key store first, make it active, then run this again")
            if version in ring.keks:
                raise CommandError(f"{version} exists but is not active: edit the keyring's active version")
            store.save(ring.with_new_kek(version))
            reset_keyring()
            key_operation_record(actor=None, operation="kek_added", kek_version=version)
            self.stdout.write(f"鍵暗号化鍵 {version} を追加し、有効にしました。")
        run = services.batch_start(kind="crypto.rewrap", params={"kek_version": version}, actor=None,
                                   origin=BatchRun.Origin.COMMAND)
        key_operation_record(actor=None, operation="rewrap_started", kek_version=version, batch_run=run.pk)
        self.stdout.write(f"バッチ #{run.pk}: {run.total} 人のデータ鍵を {version} で再ラップします。")
        if not detach:
            follow_and_report(self, run)
