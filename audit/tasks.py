"""Celery tasks of the audit app: thin, they call services."""

from __future__ import annotations

from celery import shared_task

from audit import services


@shared_task
def audit_verify_nightly() -> dict[str, int]:
    """Verify every chain against its checkpoints and the heads outside the database, and the heads
    file itself (beat: 02:30 Asia/Tokyo); breaks are logged as ERROR and raised as alerts for
    supervisors. Returns the number of breaks per chain (and "heads", once there is a file)."""
    return {result.chain: result.breaks_total for result in services.chains_verify_and_alert()}


@shared_task
def audit_seal_access_log() -> int:
    """Chain the access-log rows committed since the last pass (beat: every minute); the pass then
    writes the chains' heads outside the database."""
    return services.access_log_seal()
