"""Login lockout (django-axes): the client address it keys on, the lock state, the chief's unlock.

Kept apart from services.py because it imports django-axes, which must be an installed app
(its tables) before this module can be imported.
"""

from __future__ import annotations

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone

from kaigo.staff.models import Staff
from kaigo.staff.services import require_section_chief
from kaigo.staff.signals import account_changed
from kaigo.terminal import client_ip_of, trusted_proxies


def client_ip(request) -> str | None:
    """The client's address for the lockout (AXES_CLIENT_IP_CALLABLE): the same rule as the
    access log's (kaigo/terminal.py), X-Forwarded-For believed only from KAIGO_TRUSTED_PROXIES.
    Anyone else could forge the header to dodge the lockout or to lock out a colleague's terminal.
    """
    return client_ip_of(request.META, trusted_proxies())[0]


def staff_is_locked_out(staff: Staff) -> bool:
    """True while a failure count of this username (on any terminal) is at the limit."""
    attempts = AccessAttempt.objects.filter(
        username=staff.username, failures_since_start__gte=settings.AXES_FAILURE_LIMIT
    )
    cool_off = get_cool_off()
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    return attempts.exists()


def staff_lockout_clear(*, staff: Staff, actor: Staff) -> int:
    """Clear the failed-login counts of ``staff`` on every terminal (所管課長 only)."""
    with transaction.atomic(durable=True):
        require_section_chief(actor)
        count = axes_reset(username=staff.username)
        account_changed.send(sender=Staff, staff=staff, action="lockout_cleared", actor=actor)
    return count


def lockout_response(request, original_response=None, credentials=None):
    """The page shown instead of the login form while locked out (AXES_LOCKOUT_CALLABLE).

    The same page for every username, existing or not: it tells nothing about accounts.
    """
    cool_off = get_cool_off(request)
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"code": "locked_out", "message": "ログインの失敗が続いたため、一時的にログインできません。"}, status=429
        )
    minutes = int(cool_off.total_seconds() // 60) if cool_off else None
    return render(request, "staff/lockout.html", {"cooloff_minutes": minutes}, status=429)
