"""The Celery application. Every periodic job is declared here, in one place, in Asia/Tokyo time."""

import os

from celery import Celery
from celery.schedules import crontab
from django.conf import settings  # read lazily, once DJANGO_SETTINGS_MODULE is set below

from kaigo.discovery import app_packages

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaigo.settings")

app = Celery("kaigo")
app.config_from_object("django.conf:settings", namespace="CELERY")
# every app's and sub-domain package's tasks.py (kaigo/discovery.py), looked up once Django is set up
app.autodiscover_tasks(app_packages)

# All schedules of the system (Celery beat). Times are Asia/Tokyo (CELERY_TIMEZONE).
# Each entry names a task; tests check that every task named here exists.
app.conf.beat_schedule = {
    # The batch supervisor: runs without progress get their lost chunks queued again, or are marked
    # stalled with the reason (docs/subsystems/batches.md, "Recovery without an operator").
    "batches-supervise": {
        "task": "kaigo.batches.tasks.batch_supervise",
        "schedule": settings.BATCH_SUPERVISE_EVERY,
    },
    # Chain the access-log rows committed since the last pass (an unsealed row is unprotected).
    "audit-seal-access-log": {
        "task": "audit.tasks.audit_seal_access_log",
        "schedule": crontab(minute="*"),
    },
    # Verify the audit hash chains; a break is logged as ERROR and raised as an alert.
    "audit-verify-nightly": {
        "task": "audit.tasks.audit_verify_nightly",
        "schedule": crontab(hour=2, minute=30),
    },
    # Deliver domain events that were not relayed right after their commit (worker or Redis down).
    "outbox-relay": {
        "task": "kaigo.outbox.tasks.outbox_relay",
        "schedule": crontab(minute="*"),
    },
    # Nightly resident-registry intake: every file waiting in the inbox (KAIGO_REGISTRY_INBOX).
    "eligibility-registry-intake-nightly": {
        "task": "eligibility.intake.tasks.registry_intake_nightly",
        "schedule": crontab(hour=1, minute=0),
    },
    # Monthly 65th-birthday run on the 15th: everyone reaching 65 next month.
    "eligibility-age65-monthly": {
        "task": "eligibility.qualification.tasks.age65_monthly",
        "schedule": crontab(day_of_month=15, hour=1, minute=30),
    },
    # Premiums: the re-levy of the month's changes (更正) on the 20th, after the registry and tax intake.
    "premiums-relevy-monthly": {
        "task": "premiums.levy.tasks.relevy_monthly",
        "schedule": crontab(day_of_month=20, hour=2, minute=0),
    },
    # 督促状 of bills unpaid after their 納期限, every weekday night (each installment once).
    "premiums-reminders-daily": {
        "task": "premiums.arrears.tasks.reminders_daily",
        "schedule": crontab(day_of_week="mon-fri", hour=3, minute=0),
    },
    # 時効による不納欠損 on the 1st.
    "premiums-prescription-monthly": {
        "task": "premiums.arrears.tasks.prescription_monthly",
        "schedule": crontab(day_of_month=1, hour=3, minute=30),
    },
    # Certification: the doctor's opinions not received in time, marked for the clerks' reminder list (督促).
    "certification-opinions-late-daily": {
        "task": "certification.opinion.tasks.opinions_late_daily",
        "schedule": crontab(hour=6, minute=0),
    },
    # Benefit restrictions: lift those whose arrears are paid in full (法 §66 第3項), after the payment files.
    "benefits-restrictions-check-daily": {
        "task": "benefits.restrictions.tasks.restrictions_check_daily",
        "schedule": crontab(hour=6, minute=30),
    },
}
