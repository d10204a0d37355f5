"""Writes on staff accounts: creation, roles (grant, revoke) and passwords.

Only a section chief (所管課長) grants and revokes roles or resets another account's password,
and never on their own account (segregation of duties). Each change sends a signal from
kaigo.staff.signals inside its transaction, for the audit trail.
Second-factor writes are in kaigo/staff/otp.py, the lockout's in kaigo/staff/lockout.py.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kaigo.errors import ApplicationError, InvalidState, NotPermitted
from kaigo.staff.models import RoleGrant, Staff
from kaigo.staff.roles import Organisation, Role
from kaigo.staff.signals import account_changed, role_changed

# How far ahead a grant or revocation may be scheduled.
MAX_EFFECTIVE_DAYS_AHEAD = 366
# Temporary passwords: 16 characters from an alphabet without look-alikes (0/O, 1/l/I): ~92 bits.
TEMPORARY_PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
TEMPORARY_PASSWORD_LENGTH = 16


def staff_create(
    *,
    username: str,
    display_name: str,
    organisation: Organisation,
    roles: Iterable[Role],
    password: str,
    actor: Staff | None,
    reason: str,
    must_change_password: bool = True,
) -> Staff:
    """Create a personal staff account holding ``roles``; each grant records who and why.

    ``password`` is a temporary one: the staff member must choose their own at first sign-in
    (unless ``must_change_password`` is False, for demo accounts), within
    ``KAIGO_TEMPORARY_PASSWORD_HOURS``. Only the section chief creates accounts (checked here);
    ``actor`` None is the server itself (the demo accounts, a command).
    """
    if actor is not None:
        require_section_chief(actor)
    with transaction.atomic():
        staff = Staff(username=username, display_name=display_name, organisation=organisation)
        staff.set_password(password)
        staff.must_change_password = must_change_password
        if must_change_password:
            staff.temporary_password_expires_at = _temporary_password_expiry()
        staff.full_clean(exclude=["password"])
        staff.save()
        grants = RoleGrant.objects.bulk_create(
            RoleGrant(staff=staff, role=role, granted_by=actor, grant_reason=reason) for role in roles
        )
        for grant in grants:
            role_changed.send(sender=RoleGrant, grant=grant, action="granted", actor=actor)
    return staff


# --- roles ---------------------------------------------------------------------------------


def require_section_chief(actor: Staff | None) -> None:
    """NotPermitted unless ``actor`` is an active account holding the section-chief role now.

    Reads the grants afresh (not the per-request cache), so a revocation is effective at once.
    """
    if (
        actor is None
        or not actor.is_active
        or not RoleGrant.objects.in_force().filter(staff=actor, role=Role.SECTION_CHIEF).exists()
    ):
        raise NotPermitted("この操作は所管課長のみが行えます。")


def require_other_account(*, staff: Staff, actor: Staff, message: str) -> None:
    if staff.pk == actor.pk:
        raise NotPermitted(message)


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("理由を入力してください。", code="reason_required")
    return reason


def effective_moment(effective_date: date | None) -> datetime:
    """The moment a change dated ``effective_date`` takes effect: now for today (or no date),
    0:00 (Asia/Tokyo) for a later day. Past dates are refused: access cannot be backdated."""
    now = timezone.now()
    today = timezone.localdate(now)
    if effective_date is None or effective_date == today:
        return now
    if effective_date < today:
        raise ApplicationError("効力発生日に過去の日付は指定できません。", code="effective_date_past")
    if effective_date > today + timedelta(days=MAX_EFFECTIVE_DAYS_AHEAD):
        raise ApplicationError("効力発生日は1年以内の日付を指定してください。", code="effective_date_too_far")
    return timezone.make_aware(datetime.combine(effective_date, time.min))


def role_grant(
    *, staff: Staff, role: Role, actor: Staff, reason: str, effective_date: date | None = None
) -> RoleGrant:
    """Grant ``role`` to ``staff`` from ``effective_date`` (default: now). Section chief only."""
    role = Role(role)
    reason = _require_reason(reason)
    with transaction.atomic(durable=True):
        require_section_chief(actor)
        require_other_account(staff=staff, actor=actor, message="自分自身に役割を付与することはできません。")
        valid_from = effective_moment(effective_date)
        # Lock the account's row: two chiefs granting the same role at once are serialised.
        target = Staff.objects.select_for_update().get(pk=staff.pk)
        if not target.is_active:
            raise InvalidState("無効なアカウントには役割を付与できません。")
        if target.role_grants.not_ended().filter(role=role).exists():
            raise InvalidState("この職員には既にこの役割が付与されています（または付与が予定されています）。")
        grant = RoleGrant.objects.create(
            staff=target, role=role, granted_by=actor, grant_reason=reason, valid_from=valid_from
        )
        role_changed.send(sender=RoleGrant, grant=grant, action="granted", actor=actor)
    return grant


def role_revoke(*, grant: RoleGrant, actor: Staff, reason: str, effective_date: date | None = None) -> RoleGrant:
    """Revoke ``grant`` from ``effective_date`` (default: now, effective on the next request).
    Section chief only, never on their own grants."""
    reason = _require_reason(reason)
    with transaction.atomic(durable=True):
        require_section_chief(actor)
        grant = RoleGrant.objects.select_for_update().get(pk=grant.pk)
        require_other_account(staff=grant.staff, actor=actor, message="自分自身の役割を取り消すことはできません。")
        if grant.revoked_at is not None:
            raise InvalidState("この役割は既に取り消されています（または取消が予定されています）。")
        moment = effective_moment(effective_date)
        now = timezone.now()
        # A grant not yet in force that is revoked ends where it would have started.
        grant.revoked_at = max(moment, grant.valid_from)
        grant.revocation_recorded_at = now
        grant.revoked_by = actor
        grant.revoke_reason = reason
        grant.save(update_fields=["revoked_at", "revocation_recorded_at", "revoked_by", "revoke_reason"])
        role_changed.send(sender=RoleGrant, grant=grant, action="revoked", actor=actor)
    return grant


# --- passwords -----------------------------------------------------------------------------


def _temporary_password_expiry() -> datetime:
    return timezone.now() + timedelta(hours=settings.KAIGO_TEMPORARY_PASSWORD_HOURS)


def temporary_password_generate() -> str:
    return "".join(secrets.choice(TEMPORARY_PASSWORD_ALPHABET) for _ in range(TEMPORARY_PASSWORD_LENGTH))


def staff_password_change(*, staff: Staff, password: str) -> Staff:
    """The staff member's own new password (already validated by the form); ends a forced change."""
    with transaction.atomic(durable=True):
        staff.set_password(password)
        staff.must_change_password = False
        staff.temporary_password_expires_at = None
        staff.save(update_fields=["password", "must_change_password", "temporary_password_expires_at"])
        account_changed.send(sender=Staff, staff=staff, action="password_changed", actor=staff)
    return staff


def staff_password_reset(*, staff: Staff, actor: Staff) -> str:
    """Issue a random temporary password for ``staff`` and return it (shown once to the chief).

    The staff member must change it at the next sign-in, within KAIGO_TEMPORARY_PASSWORD_HOURS.
    Their open sessions end: the session hash of the old password no longer matches.
    """
    with transaction.atomic(durable=True):
        require_section_chief(actor)
        require_other_account(
            staff=staff, actor=actor, message="自分自身のパスワードは「パスワード変更」画面で変更してください。"
        )
        password = temporary_password_generate()
        staff.set_password(password)
        staff.must_change_password = True
        staff.temporary_password_expires_at = _temporary_password_expiry()
        staff.save(update_fields=["password", "must_change_password", "temporary_password_expires_at"])
        account_changed.send(sender=Staff, staff=staff, action="password_reset", actor=actor)
    return password
