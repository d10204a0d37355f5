"""The second factor (TOTP, django-otp): who needs it, enrolment, verification, the chief's reset.

Required for the roles in SECOND_FACTOR_ROLES (section chief, auditor); anyone may enrol, and
once enrolled the code is asked at every sign-in. Kept apart from services.py because it imports
django-otp's models, which need django-otp as an installed app.
"""

from __future__ import annotations

from base64 import b32encode

import segno
from django.db import transaction
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from kaigo.staff.models import Staff
from kaigo.staff.roles import SECOND_FACTOR_ROLES
from kaigo.staff.services import require_other_account, require_section_chief
from kaigo.staff.signals import account_changed, second_factor_failed

DEVICE_NAME = "認証アプリ"
# Cached per session: whether the account had a confirmed device when the session first asked.
HAS_DEVICE_SESSION_KEY = "kaigo_has_totp_device"


def second_factor_required_by_role(staff: Staff) -> bool:
    return bool(staff.active_roles & SECOND_FACTOR_ROLES)


def confirmed_device(staff: Staff) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=staff, confirmed=True).order_by("pk").first()


def has_confirmed_device(staff: Staff) -> bool:
    return TOTPDevice.objects.filter(user=staff, confirmed=True).exists()


def session_has_device(request) -> bool:
    """Whether the signed-in staff member has a confirmed device: recorded in the session at
    sign-in (kaigo/staff/sessions.py), so no query per request."""
    value = request.session.get(HAS_DEVICE_SESSION_KEY)
    if value is None:
        value = has_confirmed_device(request.user)
        request.session[HAS_DEVICE_SESSION_KEY] = value
    return value


def verification_needed(request) -> str | None:
    """None when the request may go on; else "verify" (a device exists) or "setup" (the role
    requires a device and there is none)."""
    user = request.user
    if not user.is_authenticated or user.is_verified():
        return None
    if session_has_device(request):
        return "verify"
    if second_factor_required_by_role(user):
        return "setup"
    return None


def pending_device(staff: Staff) -> TOTPDevice:
    """The unconfirmed device being enrolled (created once, so the QR code stays the same on reload)."""
    device = TOTPDevice.objects.filter(user=staff, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=staff, name=DEVICE_NAME, confirmed=False)
    return device


def base32_secret(device: TOTPDevice) -> str:
    """The key as an authenticator app wants it typed, in groups of four."""
    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// URL as a QR code, an SVG in a data: URI (no request to anywhere, no mark_safe)."""
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)


def _verify(device: TOTPDevice, token: str) -> bool:
    """Check ``token`` with the device's row locked (throttling and replay state stay consistent)."""
    locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    return bool(token) and locked.verify_token(token)


def second_factor_verify(*, request, token: str) -> bool:
    """Check a code at sign-in; on success the session is marked verified."""
    device = confirmed_device(request.user)
    if device is None:
        return False
    with transaction.atomic(durable=True):
        ok = _verify(device, token)
        if not ok:
            second_factor_failed.send(sender=Staff, staff=request.user, request=request)
    if ok:
        otp_login(request, device)
    return ok


def second_factor_enrol(*, request, token: str) -> bool:
    """Confirm the pending device with its first code; the session is then verified."""
    staff = request.user
    device = pending_device(staff)
    with transaction.atomic(durable=True):
        ok = _verify(device, token)
        if ok:
            TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
            TOTPDevice.objects.filter(user=staff, confirmed=False).delete()
            account_changed.send(sender=Staff, staff=staff, action="second_factor_enrolled", actor=staff)
        else:
            second_factor_failed.send(sender=Staff, staff=staff, request=request)
    if ok:
        device.refresh_from_db()
        otp_login(request, device)
        request.session[HAS_DEVICE_SESSION_KEY] = True
    return ok


def second_factor_reset(*, staff: Staff, actor: Staff) -> int:
    """Remove every device of ``staff`` (a lost phone). Section chief only, not on their own account.
    If the role requires a second factor, the staff member enrols a new device at next sign-in."""
    with transaction.atomic(durable=True):
        require_section_chief(actor)
        require_other_account(staff=staff, actor=actor, message="自分自身の二要素認証は再設定できません。")
        count, _ = TOTPDevice.objects.filter(user=staff).delete()
        account_changed.send(sender=Staff, staff=staff, action="second_factor_reset", actor=actor)
    return count
