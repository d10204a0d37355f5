"""Session and sign-in policy, applied to every request (order in settings.MIDDLEWARE matters).

- SessionTimeoutMiddleware: idle timeout and absolute lifetime of a session.
- SecondFactorMiddleware: staff who must pass a second factor reach only its pages until they do.
- ForcePasswordChangeMiddleware: staff with a temporary password reach only the change page.

Each lets through the pages needed to comply (and logout, static files, the health probe), and
answers API calls with 403 JSON instead of a redirect.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode

from kaigo.staff.models import Staff
from kaigo.staff.otp import verification_needed
from kaigo.staff.sessions import LAST_SEEN_KEY, STARTED_KEY
from kaigo.staff.signals import session_expired

# The session's expiry is pushed forward at most this often: one session write a minute per
# active user instead of one per request (SESSION_SAVE_EVERY_REQUEST). The idle timeout is
# therefore between SESSION_COOKIE_AGE - 60 s and SESSION_COOKIE_AGE.
REFRESH_SECONDS = 60
# Requests carrying this header (htmx polling of progress) do not count as activity: a screen
# left open while a batch runs must still time out.
BACKGROUND_HEADER = "HTTP_X_KAIGO_BACKGROUND"
ALWAYS_OPEN_PREFIXES = ("/healthz",)


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _path_of(url_name: str) -> str | None:
    try:
        return reverse(url_name)
    except NoReverseMatch:  # a test's own URLconf without the account pages
        return None


def _always_open(request) -> bool:
    return request.path.startswith((settings.STATIC_URL, *ALWAYS_OPEN_PREFIXES)) or request.path == _path_of("logout")


def _redirect_with_next(request, url_name: str):
    url = _path_of(url_name)
    if url is None:
        raise PermissionDenied
    if request.method == "GET" and request.get_full_path() not in {"/", url}:
        url += "?" + urlencode({"next": request.get_full_path()})
    return redirect(url)


def _end_session(request, *, reason: str, message: str) -> None:
    staff = request.user
    logout(request)
    session_expired.send(sender=Staff, staff=staff, reason=reason, request=request)
    messages.warning(request, message)


class SessionTimeoutMiddleware:
    """End a session after SESSION_COOKIE_AGE seconds without activity, or KAIGO_SESSION_MAX_AGE
    seconds after sign-in, whatever the activity (ASVS 7.3.1, 7.3.2).

    Two layers: the session row's expiry (SESSION_COOKIE_AGE, pushed forward at most once a minute)
    makes PostgreSQL forget an idle session; the timestamps kept in the session end it here with a
    message and a ``session_expired`` signal. Place after AuthenticationMiddleware and
    MessageMiddleware, before LoginRequiredMiddleware (which then sends the user to sign in).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            session = request.session
            last_seen = session.get(LAST_SEEN_KEY, now)
            started = session.get(STARTED_KEY, now)
            if now - last_seen >= settings.SESSION_COOKIE_AGE:
                _end_session(request, reason="idle",
                             message="一定時間操作がなかったため、ログアウトしました。もう一度ログインしてください。")
            elif now - started >= settings.KAIGO_SESSION_MAX_AGE:
                _end_session(request, reason="absolute",
                             message="ログインしてから一定時間が経過したため、ログアウトしました。もう一度ログインしてください。")
            else:
                if STARTED_KEY not in session:
                    session[STARTED_KEY] = started
                background = request.META.get(BACKGROUND_HEADER) == "1"
                if LAST_SEEN_KEY not in session or (not background and now - last_seen >= REFRESH_SECONDS):
                    session[LAST_SEEN_KEY] = now  # modified: the session is saved and its expiry extended
        return self.get_response(request)


class SecondFactorMiddleware:
    """Until the second factor is passed, staff who need it reach only the code page (a device is
    enrolled) or the enrolment page (their role requires a device and they have none).

    Place after django_otp's OTPMiddleware and after LoginRequiredMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        needed = verification_needed(request)
        if needed is not None and not _always_open(request):
            url_name = "staff:otp_verify" if needed == "verify" else "staff:otp_setup"
            if request.path != _path_of(url_name):
                if _is_api(request):
                    return JsonResponse(
                        {"code": "second_factor_required", "message": "二要素認証を完了してください。"}, status=403
                    )
                return _redirect_with_next(request, url_name)
        return self.get_response(request)


class ForcePasswordChangeMiddleware:
    """Staff whose password is temporary reach only the password change page until they change it;
    an expired temporary password ends the session.

    Place after SecondFactorMiddleware (the second factor is passed first).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.must_change_password and not _always_open(request):
            expires_at = user.temporary_password_expires_at
            if expires_at is not None and timezone.now() >= expires_at:
                _end_session(request, reason="temporary_password_expired",
                             message="仮パスワードの有効期限が切れています。所管課長にパスワードの再発行を依頼してください。")
                if _is_api(request):
                    return JsonResponse({"code": "not_authenticated", "message": "ログインしてください。"}, status=401)
                return redirect(settings.LOGIN_URL)
            if request.path != _path_of("staff:password_change"):
                if _is_api(request):
                    return JsonResponse(
                        {"code": "password_change_required", "message": "パスワードを変更してください。"}, status=403
                    )
                return _redirect_with_next(request, "staff:password_change")
        return self.get_response(request)
