"""Demo accounts: no forced password change; the chief and auditor demo accounts get a TOTP
device with a per-machine key kept in var/demo-otp.txt, printed by demo_staff."""

from __future__ import annotations

import io
import stat

import pytest
from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from kaigo.staff.models import Staff
from tests.staff.helpers import totp_code


@pytest.fixture
def demo_files(tmp_path, monkeypatch):
    monkeypatch.setattr("kaigo.staff.demo.demo_logins_file", lambda: tmp_path / "demo-logins.txt")
    return tmp_path


@pytest.mark.django_db
def test_demo_accounts_keep_their_password_and_required_roles_get_a_device(demo_files, client):
    out = io.StringIO()
    call_command("demo_staff", stdout=out)
    text = out.getvalue()
    assert not Staff.objects.filter(username__startswith="demo-", must_change_password=True).exists()
    devices = {d.user.username: d for d in TOTPDevice.objects.select_related("user").filter(confirmed=True)}
    assert set(devices) == {"demo-chief", "demo-audit"}
    keys = dict(line.split("\t") for line in (demo_files / "demo-otp.txt").read_text().splitlines())
    assert {u: d.key for u, d in devices.items()} == keys
    assert stat.S_IMODE((demo_files / "demo-otp.txt").stat().st_mode) == 0o600
    assert "二要素認証 (TOTP) の秘密鍵" in text and "demo-chief" in text
    # the same key after the database forgets the device (a reset machine keeps var/)
    TOTPDevice.objects.all().delete()
    call_command("demo_staff", stdout=io.StringIO())
    assert TOTPDevice.objects.get(user__username="demo-chief").key == keys["demo-chief"]
    # the printed code lets a developer through the second factor without an authenticator app
    code = io.StringIO()
    call_command("demo_otp_code", "demo-chief", stdout=code)
    device = TOTPDevice.objects.get(user__username="demo-chief")
    assert code.getvalue().strip() == totp_code(device)
    logins = dict(line.split("\t") for line in (demo_files / "demo-logins.txt").read_text().splitlines())
    client.post("/login/", {"username": "demo-chief", "password": logins["demo-chief"]})
    assert client.get("/")["Location"].startswith("/staff/second-factor/")
    assert client.post("/staff/second-factor/", {"token": code.getvalue().strip()}).status_code == 302
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_demo_otp_code_is_only_for_demo_accounts_and_not_in_production(settings, demo_files, account):
    from django.core.management.base import CommandError

    clerk = account()
    with pytest.raises(CommandError, match="not a demo account"):
        call_command("demo_otp_code", clerk.username)
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="development"):
        call_command("demo_otp_code", "demo-chief")
