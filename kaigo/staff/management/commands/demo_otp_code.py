from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Print the current second-factor (TOTP) code of a demo account (development only)."

    def add_arguments(self, parser):
        parser.add_argument("username", help="a demo account, e.g. demo-chief")

    def handle(self, *args, username, **options):
        if settings.PRODUCTION:
            raise CommandError("demo_otp_code is for development machines only")
        from django_otp.oath import TOTP
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from kaigo.staff.demo import DEMO_ACCOUNTS

        if username not in {a.username for a in DEMO_ACCOUNTS}:
            raise CommandError(f"{username} is not a demo account")
        device = TOTPDevice.objects.filter(user__username=username, confirmed=True).first()
        if device is None:
            raise CommandError(f"{username} has no second-factor device (run manage.py demo_staff)")
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{totp.token():0{device.digits}d}")
