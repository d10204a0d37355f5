"""What the audit app attaches to the core, which imports no app (docs/subsystems/audit.md,
"How the core is recorded"):

- receivers that turn authentication, access-right and key signals into AuthEvent rows, and the
  encryption check's reads into an access-log row. They only translate a signal into one
  ``auth_event_write`` or ``access_log_write`` call; the decisions live in audit/services.py.
  They do not catch errors: if the record cannot be written, the sign-in (or the change that
  sent the signal) fails with it.
- the batch framework's chunk context (``batch_chunk_trail``): every change a chunk makes
  carries its run in the change trail.

``connect`` attaches them all; AuditConfig.ready calls it.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

from audit import services
from audit.models import AuthEvent
from audit.trail import trail_context, trail_context_bind
from kaigo.batches import registry as batch_registry
from kaigo.crypto import signals as crypto_signals


def on_user_logged_in(sender, request=None, user=None, **kwargs) -> None:
    services.auth_event_write(kind=AuthEvent.Kind.LOGIN, actor=user, request=request)


def on_user_logged_out(sender, request=None, user=None, **kwargs) -> None:
    if user is None:  # signing out without being signed in
        return
    services.auth_event_write(kind=AuthEvent.Kind.LOGOUT, actor=user, request=request)


def on_user_login_failed(sender, credentials=None, request=None, **kwargs) -> None:
    # Django passes the credentials with the password already replaced by asterisks.
    typed = (credentials or {}).get(get_user_model().USERNAME_FIELD)
    services.auth_event_login_failed(attempted_username=typed if isinstance(typed, str) else None, request=request)


def on_role_changed(sender, grant=None, action=None, actor=None, **kwargs) -> None:
    kind = AuthEvent.Kind.ROLE_REVOKED if action == "revoked" else AuthEvent.Kind.ROLE_GRANTED
    services.auth_event_write(
        kind=kind, actor=actor, request=kwargs.get("request"),
        detail={"role": str(grant.role), "grant_id": grant.pk, "subject_staff_id": grant.staff_id},
    )


def on_account_changed(sender, staff=None, action=None, actor=None, **kwargs) -> None:
    services.auth_event_write(
        kind=AuthEvent.Kind.ACCOUNT_CHANGED, actor=actor, request=kwargs.get("request"),
        detail={"action": str(action), "subject_staff_id": staff.pk if staff is not None else None},
    )


def on_second_factor_failed(sender, staff=None, request=None, **kwargs) -> None:
    services.auth_event_write(kind=AuthEvent.Kind.SECOND_FACTOR_FAILED, actor=staff, request=request)


def on_session_expired(sender, staff=None, reason=None, request=None, **kwargs) -> None:
    services.auth_event_write(
        kind=AuthEvent.Kind.SESSION_EXPIRED, actor=staff, request=request, detail={"reason": str(reason)}
    )


def on_key_operation(sender, actor=None, operation=None, detail=None, **kwargs) -> None:
    services.auth_event_write(
        kind=AuthEvent.Kind.KEY_OPERATION, actor=actor, detail={"operation": operation, **(detail or {})}
    )


def on_persons_read(sender, actor=None, function=None, channel=None, person_ids=(), **kwargs) -> None:
    services.access_log_write(actor=actor, function=function, channel=channel, person_ids=person_ids)


@contextmanager
def batch_chunk_trail(run):
    """Every change a chunk makes carries the run in the change trail: its operator, its id and
    its kind as the function, bound to the chunk's transaction so that COPY writes carry it too."""
    with trail_context(actor=run.operator, batch_run_id=run.pk, function=run.kind):
        trail_context_bind()
        yield


def connect() -> None:
    crypto_signals.key_operation.connect(on_key_operation, dispatch_uid="audit.key_operation")
    crypto_signals.persons_read.connect(on_persons_read, dispatch_uid="audit.persons_read")
    batch_registry.chunk_context_provide(batch_chunk_trail)
    user_logged_in.connect(on_user_logged_in, dispatch_uid="audit.login")
    user_logged_out.connect(on_user_logged_out, dispatch_uid="audit.logout")
    user_login_failed.connect(on_user_login_failed, dispatch_uid="audit.login_failed")
    # The staff app's own signals (kaigo/staff/signals.py), where that module provides them.
    try:
        from kaigo.staff import signals as staff_signals
    except ImportError:
        return
    for name, receiver in [
        ("role_changed", on_role_changed),
        ("account_changed", on_account_changed),
        ("second_factor_failed", on_second_factor_failed),
        ("session_expired", on_session_expired),
    ]:
        signal = getattr(staff_signals, name, None)
        if signal is not None:
            signal.connect(receiver, dispatch_uid=f"audit.{name}")
