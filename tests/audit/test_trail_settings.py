"""The change trail's settings are in force in kaigo/settings.py (the other trail tests skip
themselves without them; this one fails instead, so that they cannot be skipped unnoticed)."""

from django.conf import settings
from django.core import checks


def test_the_trail_apps_and_middleware_are_installed():
    assert {"pgtrigger", "pghistory"} <= set(settings.INSTALLED_APPS)
    middleware = settings.MIDDLEWARE
    assert middleware.index("audit.trail.TrailMiddleware") > middleware.index(
        "django.contrib.auth.middleware.AuthenticationMiddleware"
    )
    assert [m.id for m in checks.run_checks() if m.id.startswith(("audit.", "pghistory.", "pgtrigger."))] == []
