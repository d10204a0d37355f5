from django.core.management.base import BaseCommand, CommandError

from kaigo.crypto.errors import CryptoError
from kaigo.crypto.services import person_shred


class Command(BaseCommand):
    help = "Crypto-shred one person: destroy their data key (irreversible)."

    def add_arguments(self, parser):
        parser.add_argument("person_id", type=int, help="internal resident number (宛名番号)")
        parser.add_argument("--reason", required=True)
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args, person_id, reason, yes=False, **options):
        if not yes:
            answer = input(f"宛名番号 {person_id} の暗号鍵を消去します。元に戻せません。実行しますか [yes/no]: ")
            if answer.strip().lower() != "yes":
                raise CommandError("中止しました。")
        try:
            person_shred(person_id=person_id, actor=None, reason=reason)
        except CryptoError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"宛名番号 {person_id} の暗号鍵を消去しました。")
