"""Writes on staff accounts: creation, roles (grant, revoke), passwords, and the requests to create
or disable an account with the section chief's decision on them.

Only a section chief (所管課長) grants and revokes roles or resets another account's password,
and never on their own account (segregation of duties). Each change sends a signal from
kaigo.staff.signals inside its transaction, for the audit trail.
Second-factor writes are in kaigo/staff/otp.py, the lockout's in kaigo/staff/lockout.py.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.db import transaction
from django.utils import timezone

from kaigo.errors import ApplicationError, InvalidState, NotPermitted
from kaigo.staff.models import AccountRequest, AccountRequestKind, AccountRequestStatus, RoleGrant, Staff
from kaigo.staff.roles import Organisation, Role, roles_with
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


# --- account requests (職員管理の申請) and the chief's decision ------------------------------------
#
# A clerk of the head office, an operator or a chief (staff.request) asks for an account to be
# created (職員番号, 氏名, 所属, 役割) or disabled, with a reason; a section chief who did not ask
# decides (承認 or 却下), with who and when recorded on the request. Approving a creation creates the
# account with a temporary password (shown once to the chief) and grants the role as ``role_grant``
# does (granted by the chief, the reason naming the request). Approving a disabling makes the
# account inactive (it can no longer sign in), revokes its grants the same way and ends its open
# sessions. Nothing is deleted.

STAFF_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{2,29}")


class AccountRequestInvalid(ApplicationError):
    code = "account_request_invalid"

    def __init__(self, problems: list[str]):
        super().__init__(" ".join(problems))
        self.problems = list(problems)


def _require_fresh_permission(actor: Staff | None, permission: str) -> None:
    """NotPermitted unless ``actor`` holds ``permission`` by a grant in force now (read afresh, as
    ``require_section_chief`` does)."""
    roles = set(RoleGrant.objects.in_force().filter(staff=actor).values_list("role", flat=True)) \
        if actor is not None and actor.is_active else set()
    if not roles & set(roles_with(permission)):
        raise NotPermitted("この操作を行う権限がありません。")


def staff_number_normalise(text: str) -> str:
    """A staff number as typed: full-width letters and digits folded (NFKC), spaces trimmed."""
    return unicodedata.normalize("NFKC", text or "").strip()


def account_request_create(*, actor: Staff, kind: str, reason: str, username: str = "", display_name: str = "",
                           organisation: str = "", role: str = "", staff: Staff | None = None) -> AccountRequest:
    """Ask for an account's creation or disabling (one transaction). Raises NotPermitted,
    AccountRequestInvalid (Japanese messages, without the value typed)."""
    problems: list[str] = []
    reason = (reason or "").strip()
    if not reason:
        problems.append("申請の理由を入力してください。")
    with transaction.atomic(durable=True):
        _require_fresh_permission(actor, "staff.request")
        if kind == AccountRequestKind.CREATE:
            username = staff_number_normalise(username)
            display_name = (display_name or "").strip()
            if not STAFF_NUMBER.fullmatch(username):
                problems.append("職員番号は英数字（記号は . _ - のみ）で3文字以上30文字以内で入力してください。")
            elif Staff.objects.filter(username__iexact=username).exists():
                problems.append("この職員番号のアカウントは既にあります。")
            elif AccountRequest.objects.filter(kind=AccountRequestKind.CREATE, status=AccountRequestStatus.PENDING,
                                               username__iexact=username).exists():
                problems.append("この職員番号のアカウントの作成は既に申請されています（決定待ち）。")
            if not display_name or len(display_name) > 100:
                problems.append("氏名を100文字以内で入力してください。")
            if organisation not in Organisation.values:
                problems.append("所属を選んでください。")
            if role not in Role.values:
                problems.append("役割を選んでください。")
            staff = None
        elif kind == AccountRequestKind.DISABLE:
            if staff is None:
                problems.append("無効にするアカウントの職員番号を入力してください。")
            else:
                staff = Staff.objects.select_for_update().get(pk=staff.pk)
                if staff.pk == actor.pk:
                    problems.append("自分自身のアカウントの無効化は申請できません。")
                elif not staff.is_active:
                    problems.append("このアカウントは既に無効です。")
                elif AccountRequest.objects.filter(kind=AccountRequestKind.DISABLE, staff=staff,
                                                   status=AccountRequestStatus.PENDING).exists():
                    problems.append("このアカウントの無効化は既に申請されています（決定待ち）。")
        else:
            problems.append("申請の種類を選んでください。")
        if problems:
            raise AccountRequestInvalid(problems)
        request = AccountRequest.objects.create(
            kind=kind, username=username if kind == AccountRequestKind.CREATE else "",
            display_name=display_name if kind == AccountRequestKind.CREATE else "",
            organisation=organisation if kind == AccountRequestKind.CREATE else "",
            role=role if kind == AccountRequestKind.CREATE else "", staff=staff, reason=reason[:200],
            requested_by=actor)
        account_changed.send(sender=Staff, staff=staff, action=f"{kind}_requested", actor=actor)
    return request


@dataclass
class AccountDecision:
    request: AccountRequest
    temporary_password: str = ""  # an approved creation: shown once to the chief, never stored
    sessions_ended: int = 0  # an approved disabling


def account_request_decide(*, actor: Staff, request_id: int, approve: bool, reason: str = "") -> AccountDecision:
    """The section chief's decision on a request (one transaction): never on their own request nor
    on their own account. A rejection needs a reason. Raises NotPermitted, InvalidState (decided
    already, or the account changed meanwhile), AccountRequestInvalid."""
    reason = (reason or "").strip()
    if not approve and not reason:
        raise AccountRequestInvalid(["却下の理由を入力してください。"])
    with transaction.atomic(durable=True):
        require_section_chief(actor)
        request = AccountRequest.objects.select_for_update().get(pk=request_id)
        if request.requested_by_id == actor.pk:
            raise NotPermitted("自分が申請したものは決定できません。別の所管課長が決定します。")
        if request.staff_id == actor.pk:
            raise NotPermitted("自分自身のアカウントについての申請は決定できません。")
        if request.status != AccountRequestStatus.PENDING:
            raise InvalidState("この申請は既に決定されています。")
        now = timezone.now()
        decision = AccountDecision(request)
        request.decided_by, request.decided_at = actor, now
        request.decision_reason = (reason or "申請のとおり承認")[:200] if approve else reason[:200]
        request.status = AccountRequestStatus.APPROVED if approve else AccountRequestStatus.REJECTED
        if approve and request.kind == AccountRequestKind.CREATE:
            if Staff.objects.filter(username__iexact=request.username).exists():
                raise InvalidState("この職員番号のアカウントは既にあります。申請を却下してください。")
            decision.temporary_password = temporary_password_generate()
            request.staff = staff_create(
                username=request.username, display_name=request.display_name,
                organisation=Organisation(request.organisation), roles=[Role(request.role)],
                password=decision.temporary_password, actor=actor,
                reason=f"職員管理の申請（No.{request.pk}）の承認: {request.reason}"[:200])
            account_changed.send(sender=Staff, staff=request.staff, action="created", actor=actor)
        elif approve and request.kind == AccountRequestKind.DISABLE:
            staff = Staff.objects.select_for_update().get(pk=request.staff_id)
            if not staff.is_active:
                raise InvalidState("このアカウントは既に無効です。")
            staff.is_active = False
            staff.save(update_fields=["is_active"])
            for grant in RoleGrant.objects.select_for_update().filter(staff=staff).not_ended(now):
                grant.revoked_at = max(now, grant.valid_from)
                grant.revocation_recorded_at = now
                grant.revoked_by = actor
                grant.revoke_reason = f"アカウントの無効化（職員管理の申請 No.{request.pk}）"
                grant.save(update_fields=["revoked_at", "revocation_recorded_at", "revoked_by", "revoke_reason"])
                role_changed.send(sender=RoleGrant, grant=grant, action="revoked", actor=actor)
            decision.sessions_ended = staff_sessions_end(staff)
            account_changed.send(sender=Staff, staff=staff, action="disabled", actor=actor)
        request.save()
    return decision


def staff_sessions_end(staff: Staff) -> int:
    """End every open session of ``staff`` (their rows and cached copies). Returns how many."""
    from django.contrib.sessions.models import Session
    from django.utils.module_loading import import_string

    store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get(SESSION_KEY)) == str(staff.pk):
            store(session_key=session.session_key).delete()
            ended += 1
    return ended
