from django.core.management.base import BaseCommand

from kaigo.staff.demo import demo_staff_ensure


class Command(BaseCommand):
    help = "Create one demo staff account per role (development only) and print the logins."

    def handle(self, *args, **options):
        self.stdout.write("デモ用ログイン (ユーザー名 / パスワード / 役割 / 所属):")
        for account, password in demo_staff_ensure():
            self.stdout.write(
                f"  {account.username:<13} {password:<18} {account.role.label} / {account.organisation.label}"
            )
