"""Helpers for signing in test clients under the account policy (second factor, TOTP codes).

``satisfy_second_factor`` is also meant for tests/conftest.py's ``client_as``, so that tests of
other screens can sign in as a section chief or auditor without going through the OTP pages.
"""

from __future__ import annotations

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from kaigo.staff.roles import SECOND_FACTOR_ROLES
from tests.factories import TEST_PASSWORD


def totp_code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The device's current code (or the one ``steps_ahead`` 30-second steps later)."""
    code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift + steps_ahead)
    return f"{code:0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    """A six-digit code that none of the accepted time steps produces."""
    accepted = {totp_code(device, s) for s in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in accepted)


def add_device(staff, *, confirmed: bool = True) -> TOTPDevice:
    return TOTPDevice.objects.create(user=staff, name="テスト端末", confirmed=confirmed)


def satisfy_second_factor(client, staff) -> TOTPDevice | None:
    """For a client already signed in as ``staff``: when a role of ``staff`` requires a second
    factor, give them a confirmed device and mark the session as verified with it."""
    if not (staff.active_roles & SECOND_FACTOR_ROLES):
        return None
    device = TOTPDevice.objects.filter(user=staff, confirmed=True).first() or add_device(staff)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def login(client, username: str, password: str = TEST_PASSWORD, **extra):
    """Sign in through the real login page (django-axes sees it)."""
    return client.post("/login/", {"username": username, "password": password}, **extra)
