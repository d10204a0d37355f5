"""Demo staff accounts, one per role, for a development machine (refused in production)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from kaigo.staff.models import Staff
from kaigo.staff.roles import Organisation, Role
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


def demo_staff_ensure() -> list[tuple[DemoAccount, str]]:
    """Create the demo accounts that are missing; return each account with its password.

    Passwords are random per machine, kept in var/demo-logins.txt (mode 600, never committed).
    """
    if settings.PRODUCTION:
        raise ImproperlyConfigured("demo accounts are not created in production")
    path = demo_logins_file()
    known: dict[str, str] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            username, _, password = line.partition("\t")
            if password:
                known[username] = password
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
                )
            else:
                staff.set_password(password)
                staff.save(update_fields=["password"])
        result.append((account, password))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{a.username}\t{p}\n" for a, p in result), encoding="utf-8")
    path.chmod(0o600)
    return result
