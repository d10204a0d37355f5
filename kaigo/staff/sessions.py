"""Session bookkeeping done at sign-in, so that the first request after it costs no extra write.

Connected to ``user_logged_in`` in StaffConfig.ready(). It records when the session started
(for the absolute lifetime), when it was last active (idle timeout) and whether the staff
member has a second-factor device (so the second-factor check needs no query per request).
"""

from __future__ import annotations

import time

from django.apps import apps

LAST_SEEN_KEY = "kaigo_last_seen"
STARTED_KEY = "kaigo_started"


def session_started(sender, request=None, user=None, **kwargs) -> None:
    session = getattr(request, "session", None)
    if session is None:
        return
    now = int(time.time())
    session[STARTED_KEY] = now
    session[LAST_SEEN_KEY] = now
    if apps.is_installed("django_otp.plugins.otp_totp"):
        from kaigo.staff.otp import HAS_DEVICE_SESSION_KEY, has_confirmed_device

        session[HAS_DEVICE_SESSION_KEY] = has_confirmed_device(user)
