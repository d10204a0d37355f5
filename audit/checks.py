"""System checks of the audit app: the change trail needs its apps and its middleware."""

from __future__ import annotations

from django.conf import settings
from django.core import checks

TRAIL_MIDDLEWARE = "audit.trail.TrailMiddleware"


@checks.register(checks.Tags.compatibility)
def check_change_trail(app_configs, **kwargs):
    found = []
    missing = [app for app in ("pgtrigger", "pghistory") if app not in settings.INSTALLED_APPS]
    if missing:
        found.append(checks.Warning(
            f"The change trail's models are not loaded: add {', '.join(repr(a) for a in missing)} to INSTALLED_APPS.",
            hint="docs/subsystems/audit.md, section 'Change trail'. The triggers write events all the same.",
            id="audit.W001",
        ))
    if TRAIL_MIDDLEWARE not in settings.MIDDLEWARE:
        found.append(checks.Warning(
            f"Changes made through the screens are recorded without who made them: add {TRAIL_MIDDLEWARE!r} "
            "to MIDDLEWARE after AuthenticationMiddleware.",
            id="audit.W002",
        ))
    return found
