from django.core.management.base import BaseCommand

from kaigo.staff.demo import demo_otp_file, demo_second_factor_ensure, demo_staff_ensure


class Command(BaseCommand):
    help = "Create one demo staff account per role (development only) and print the logins."

    def handle(self, *args, **options):
        self.stdout.write("デモ用ログイン (ユーザー名 / パスワード / 役割 / 所属):")
        for account, password in demo_staff_ensure():
            self.stdout.write(
                f"  {account.username:<13} {password:<18} {account.role.label} / {account.organisation.label}"
            )
        secrets = demo_second_factor_ensure()
        if secrets:
            self.stdout.write("二要素認証 (TOTP) の秘密鍵 — 認証アプリに登録するか、"
                              "`manage.py demo_otp_code ユーザー名` で現在のコードを表示:")
            for username, secret in secrets.items():
                self.stdout.write(f"  {username:<13} {secret}")
            self.stdout.write(f"  (保存先: {demo_otp_file()})")
