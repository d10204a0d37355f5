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


@checks.register(checks.Tags.security, deploy=True)
def check_seal_key(app_configs, **kwargs):
    """`manage.py check --deploy`: the audit checkpoints are signed only with a seal key."""
    from django.core.exceptions import ImproperlyConfigured

    from kaigo.crypto.keyring import get_keyring

    try:
        ring = get_keyring()
    except ImproperlyConfigured:
        return []  # no keyring at all: the settings' own production checks say so
    if ring.seal_signer() is None:
        return [checks.Warning(
            "The keyring has no seal key: the audit chains' checkpoints are recorded unsigned and no heads "
            "are written outside the database.",
            hint="Add a \"seal\" section with an Ed25519 key (docs/subsystems/audit.md, 'Signed checkpoints').",
            id="audit.W003",
        )]
    return []


@checks.register(checks.Tags.security, deploy=True)
def check_heads_path(app_configs, **kwargs):
    """`manage.py check --deploy`: the audit chains' heads are written outside the database."""
    if not getattr(settings, "KAIGO_AUDIT_HEADS_PATH", ""):
        return [checks.Warning(
            "KAIGO_AUDIT_HEADS_PATH is empty: the audit chains' heads are not written outside the database, and "
            "a superuser who truncates or re-seals the audit tables is not found.",
            hint="docs/deployment.md, 'The audit heads file'.",
            id="audit.W004",
        )]
    return []
