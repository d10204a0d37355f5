"""Demo staff accounts, one per role, for a development machine (refused in production).

Demo accounts keep their password (no forced change). The roles that require a second factor
(section chief, auditor) get a confirmed TOTP device whose key is random per machine and kept in
var/demo-otp.txt beside var/demo-logins.txt, so the developer's authenticator entry survives a
database reset; `manage.py demo_staff` prints the secrets and `manage.py demo_otp_code USER`
prints the current code for a machine without an authenticator app.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from kaigo.staff.models import Staff
from kaigo.staff.roles import SECOND_FACTOR_ROLES, Organisation, Role
from kaigo.staff.services import staff_create


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    organisation: Organisation
    role: Role


DEMO_ACCOUNTS = [
    DemoAccount("demo-ward", "窓口 花子", Organisation.NAKAHARA, Role.WARD_CLERK),
    DemoAccount("demo-cert", "認定 次郎", Organisation.MIYAMAE, Role.CERTIFICATION_CLERK),
    DemoAccount("demo-head", "本庁 三郎", Organisation.HEAD_OFFICE, Role.HEAD_OFFICE_CLERK),
    DemoAccount("demo-chief", "課長 四郎", Organisation.HEAD_OFFICE, Role.SECTION_CHIEF),
    DemoAccount("demo-audit", "監査 五月", Organisation.HEAD_OFFICE, Role.AUDITOR),
    DemoAccount("demo-ops", "運用 六郎", Organisation.HEAD_OFFICE, Role.OPERATOR),
    DemoAccount("demo-inquiry", "照会 七海", Organisation.KAWASAKI, Role.INQUIRY),
]


def demo_logins_file() -> Path:
    return Path(settings.BASE_DIR) / "var" / "demo-logins.txt"


def demo_otp_file() -> Path:
    return demo_logins_file().with_name("demo-otp.txt")


def _read_tab_file(path: Path) -> dict[str, str]:
    known: dict[str, str] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            key, _, value = line.partition("\t")
            if value:
                known[key] = value
    return known


def _write_private(path: Path, rows: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{k}\t{v}\n" for k, v in rows.items()), encoding="utf-8")
    path.chmod(0o600)


def demo_staff_ensure() -> list[tuple[DemoAccount, str]]:
    """Create the demo accounts that are missing; return each account with its password.

    Passwords are random per machine, kept in var/demo-logins.txt (mode 600, never committed).
    """
    if settings.PRODUCTION:
        raise ImproperlyConfigured("demo accounts are not created in production")
    path = demo_logins_file()
    known = _read_tab_file(path)
    result = []
    for account in DEMO_ACCOUNTS:
        password = known.get(account.username)
        staff = Staff.objects.filter(username=account.username).first()
        if staff is None or password is None:
            password = "demo-" + secrets.token_urlsafe(9)
            if staff is None:
                staff_create(
                    username=account.username,
                    display_name=account.display_name,
                    organisation=account.organisation,
                    roles=[account.role],
                    password=password,
                    actor=None,
                    reason="デモ用アカウント",
                    must_change_password=False,
                )
            else:
                staff.set_password(password)
                staff.save(update_fields=["password"])
        result.append((account, password))
    # Accounts created before the forced change existed, or reset by a chief in a demo.
    Staff.objects.filter(username__in=[a.username for a in DEMO_ACCOUNTS]).update(
        must_change_password=False, temporary_password_expires_at=None
    )
    _write_private(path, {a.username: p for a, p in result})
    return result


def demo_second_factor_ensure() -> dict[str, str]:
    """Give each demo account whose role requires a second factor a confirmed TOTP device with
    this machine's key; return username -> base32 secret (for an authenticator app)."""
    if settings.PRODUCTION:
        raise ImproperlyConfigured("demo accounts are not created in production")
    if not apps.is_installed("django_otp.plugins.otp_totp"):
        return {}
    from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

    from kaigo.staff.otp import DEVICE_NAME, base32_secret

    path = demo_otp_file()
    keys = _read_tab_file(path)
    secrets_by_user = {}
    for account in DEMO_ACCOUNTS:
        if account.role not in SECOND_FACTOR_ROLES:
            continue
        staff = Staff.objects.get(username=account.username)
        key = keys.setdefault(account.username, default_key())
        device = TOTPDevice.objects.filter(user=staff, confirmed=True).first()
        if device is None or device.key != key:
            TOTPDevice.objects.filter(user=staff).delete()
            device = TOTPDevice.objects.create(user=staff, name=DEVICE_NAME, key=key, confirmed=True)
        secrets_by_user[account.username] = base32_secret(device)
    _write_private(path, keys)
    return secrets_by_user
