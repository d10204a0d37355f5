"""Shared fixtures: staff with roles, and real Celery worker processes for the batch tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from kaigo.celery import app as celery_app
from kaigo.crypto.keyring import FileKeyStore, new_keyring, reset_keyring
from kaigo.staff.roles import Role
from tests.factories import StaffFactory
from tests.staff.helpers import satisfy_second_factor

BASE_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session", autouse=True)
def test_keyring(tmp_path_factory):
    """A keyring made for this test run only (never committed, never reused)."""
    path = tmp_path_factory.mktemp("keys") / "keyring.json"
    FileKeyStore(path).save(new_keyring(environment="development", kek_version="kek-test-1"))
    previous = (django_settings.KAIGO_KEYRING, django_settings.KAIGO_KEYRING_FILE)
    django_settings.KAIGO_KEYRING, django_settings.KAIGO_KEYRING_FILE = None, str(path)
    reset_keyring()
    yield path
    django_settings.KAIGO_KEYRING, django_settings.KAIGO_KEYRING_FILE = previous
    reset_keyring()


@pytest.fixture(scope="session", autouse=True)
def flush_past_the_truncate_triggers():
    """The audit tables refuse TRUNCATE by trigger, a superuser too (audit migration 0016). The
    flush that empties the test database after a transactional test truncates every table: it runs
    with triggers off (``session_replication_role = replica``, inside the flush's own transaction;
    the test database's user is a superuser). Only the tests' flush: nothing else is changed."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        statements = original(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        return ["SET LOCAL session_replication_role = replica", *statements] if statements else statements

    DatabaseOperations.sql_flush = sql_flush
    yield
    DatabaseOperations.sql_flush = original


@pytest.fixture(autouse=True)
def audit_heads_file(settings, tmp_path):
    """Each test writes the audit chains' heads (docs/subsystems/audit.md, "Heads outside the
    database") to a file of its own, never to the development one under var/."""
    settings.KAIGO_AUDIT_HEADS_PATH = str(tmp_path / "audit-heads.jsonl")
    return tmp_path / "audit-heads.jsonl"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # PBKDF2 at Django's iteration count costs ~0.3 s a hash; no test is about the hash itself.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def make_staff(db):
    def make(*roles: Role, **kwargs):
        return StaffFactory(roles=list(roles), **kwargs)

    return make


@pytest.fixture
def client_as(client, make_staff):
    """A test client signed in as a new staff member holding ``roles``."""

    def login(*roles: Role, **kwargs):
        staff = make_staff(*roles, **kwargs)
        client.force_login(staff)
        satisfy_second_factor(client, staff)
        client.staff = staff
        return client

    return login


def _database_url_of_test_db() -> str:
    db = connection.settings_dict
    auth = db["USER"] or "postgres"
    if db.get("PASSWORD"):
        auth += f":{db['PASSWORD']}"
    return (f"postgresql://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
            f"?application_name={WORKER_APPLICATION_NAME}")


WORKER_APPLICATION_NAME = "kaigo-test-worker"


class WorkerProcess:
    def __init__(self, process: subprocess.Popen, hostname: str, log: Path):
        self.process = process
        self.hostname = hostname
        self.log = log

    @property
    def pid(self) -> int:
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL the worker and all its pool processes: no clean-up, as in a crash."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


@pytest.fixture
def start_worker(transactional_db, tmp_path):
    """Start real `celery worker` processes on the test database; all are killed at the end."""
    celery_app.control.purge()
    workers: list[WorkerProcess] = []

    def start(concurrency: int = 2, **extra_env: str) -> WorkerProcess:
        hostname = f"test-{uuid.uuid4().hex[:8]}@localhost"
        log = tmp_path / f"{hostname.split('@')[0]}.log"
        env = {
            **os.environ,
            "DATABASE_URL": _database_url_of_test_db(),
            "REDIS_URL": django_settings.REDIS_URL,
            "KAIGO_CELERY_QUEUE": django_settings.CELERY_TASK_DEFAULT_QUEUE,
            "KAIGO_BATCH_RETRY_BACKOFF": "0.2",
            "KAIGO_BATCH_MAX_RETRIES": "2",
            "KAIGO_KEYRING_FILE": django_settings.KAIGO_KEYRING_FILE,
            "KAIGO_AUDIT_HEADS_PATH": django_settings.KAIGO_AUDIT_HEADS_PATH,
            **extra_env,
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "kaigo", "worker", "--loglevel", "INFO", "--pool", "prefork",
             "--concurrency", str(concurrency), "--hostname", hostname, "--without-gossip", "--without-mingle"],
            env=env, cwd=BASE_DIR, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
        )
        worker = WorkerProcess(process, hostname, log)
        workers.append(worker)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"celery worker exited at start:\n{worker.log_tail()}")
            if celery_app.control.ping(destination=[hostname], timeout=0.5):
                return worker
        pytest.fail(f"celery worker did not answer within 60 s:\n{worker.log_tail()}")

    yield start
    for worker in workers:
        worker.kill()
    celery_app.control.purge()
    _wait_for_other_sessions_to_close()


def _wait_for_other_sessions_to_close(timeout: float = 10) -> None:
    """PostgreSQL notices a killed worker's connections a moment later; the test database can
    only be dropped once they are gone."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = %s",
                [WORKER_APPLICATION_NAME],
            )
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.1)
