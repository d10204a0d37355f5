"""Settings: production refuses development secrets; secrets from *_FILE; schedules in one place."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from kaigo.celery import app as celery_app

BASE_DIR = Path(__file__).resolve().parents[2]
GOOD_KEY = "k" * 64

PROBE = "import django; django.setup(); from django.conf import settings as s; print(s.SECRET_KEY[:3], s.DEBUG, s.DATABASES['default']['NAME'])"


def load_settings(*, probe: str = PROBE, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "KAIGO_", "DATABASE_", "REDIS_"))}
    return subprocess.run([sys.executable, "-c", probe], env={**clean, "DJANGO_SETTINGS_MODULE": "kaigo.settings", **env},
                          cwd=BASE_DIR, capture_output=True, text=True, timeout=60)


PRODUCTION_OK = {
    "KAIGO_ENV": "production",
    "DJANGO_SECRET_KEY": GOOD_KEY,
    "DJANGO_ALLOWED_HOSTS": "kaigo.example.lg.jp",
    "DATABASE_URL": "postgresql://kaigo@db:5432/kaigo",
    "REDIS_URL": "redis://redis:6379/0",
    "KAIGO_KEYRING_FILE": "/run/secrets/keyring",
}


def test_production_starts_with_proper_settings():
    result = load_settings(**PRODUCTION_OK)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["kkk", "False", "kaigo"]


@pytest.mark.parametrize(
    ("override", "problem"),
    [
        pytest.param({"DJANGO_SECRET_KEY": ""}, "DJANGO_SECRET_KEY is the development key", id="no-secret"),
        pytest.param({"DJANGO_SECRET_KEY": "short"}, "too short", id="short-secret"),
        pytest.param({"DJANGO_DEBUG": "true"}, "DJANGO_DEBUG is on", id="debug"),
        pytest.param({"DJANGO_ALLOWED_HOSTS": ""}, "DJANGO_ALLOWED_HOSTS is empty", id="no-hosts"),
        pytest.param({"DATABASE_URL": None}, "DATABASE_URL is not set", id="no-database"),
        pytest.param({"REDIS_URL": None}, "REDIS_URL is not set", id="no-redis"),
        pytest.param({"KAIGO_KEYRING_FILE": None}, "KAIGO_KEYRING_FILE is set", id="no-keyring"),
    ],
)
def test_production_refuses_development_defaults(override, problem):
    env = {k: v for k, v in {**PRODUCTION_OK, **override}.items() if v is not None}
    if override.get("DJANGO_SECRET_KEY") == "":
        env.pop("DJANGO_SECRET_KEY")
    result = load_settings(**env)
    assert result.returncode != 0
    assert "production mode refuses to start" in result.stderr and problem in result.stderr


def test_secrets_can_come_from_files(tmp_path):
    key_file = tmp_path / "secret"
    key_file.write_text("f" * 64 + "\n")
    db_file = tmp_path / "db"
    db_file.write_text("postgresql://kaigo@db:5432/fromfile\n")
    env = {**PRODUCTION_OK, "DJANGO_SECRET_KEY_FILE": str(key_file), "DATABASE_URL_FILE": str(db_file)}
    del env["DJANGO_SECRET_KEY"], env["DATABASE_URL"]
    result = load_settings(**env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["fff", "False", "fromfile"]


def test_unknown_environment_name_is_refused():
    result = load_settings(KAIGO_ENV="staging")
    assert result.returncode != 0 and "KAIGO_ENV must be" in result.stderr


def test_locale_time_zone_and_persistent_connections():
    assert (settings.LANGUAGE_CODE, settings.TIME_ZONE, settings.USE_TZ) == ("ja", "Asia/Tokyo", True)
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] >= 60
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def test_every_scheduled_job_names_a_registered_task_in_tokyo_time():
    celery_app.loader.import_default_modules()
    assert celery_app.conf.timezone == "Asia/Tokyo"
    assert celery_app.conf.beat_schedule
    for name, entry in celery_app.conf.beat_schedule.items():
        assert entry["task"] in celery_app.tasks, name


def test_tasks_are_acknowledged_late_and_requeued_on_worker_loss():
    assert celery_app.conf.task_acks_late is True
    assert celery_app.conf.task_reject_on_worker_lost is True
    assert celery_app.conf.worker_prefetch_multiplier == 1
