from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kaigo.crypto.keyring import FileKeyStore, key_store, new_keyring, reset_keyring
from kaigo.crypto.services import key_operation_record


class Command(BaseCommand):
    help = "Create a development keyring (KAIGO_KEYRING_FILE) if there is none. Refused in production."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("production keys come from the city's key store, not from this command")
        store = key_store()
        if not isinstance(store, FileKeyStore):
            raise CommandError("the keyring comes from the environment (KAIGO_KEYRING)")
        if store.path.exists():
            ring = store.load()
            if not ring.seal_active:  # a keyring from before the audit checkpoints were signed
                store.save(ring.with_seal_key("seal-1"))
                reset_keyring()
                key_operation_record(actor=None, operation="seal_key_created", kek_version=ring.kek_active)
                self.stdout.write(f"keyring exists: {store.path}; seal key seal-1 added")
                return
            self.stdout.write(f"keyring exists: {store.path}")
            return
        store.save(new_keyring(environment="development", kek_version="kek-1"))
        reset_keyring()
        key_operation_record(actor=None, operation="keyring_created", kek_version="kek-1")
        self.stdout.write(f"development keyring created: {store.path} (mode 600; never commit it)")
