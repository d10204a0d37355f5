"""make run's helpers: one run per checkout, ports, demo logins."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django_otp.plugins.otp_totp.models import TOTPDevice

from eligibility.models import Resident
from kaigo import devenv
from kaigo.staff.demo import DEMO_ACCOUNTS
from kaigo.staff.models import Staff
from kaigo.staff.roles import Role

BASE_DIR = Path(__file__).resolve().parents[2]


def test_a_second_run_is_refused_while_the_first_holds_the_lock(tmp_path):
    lock_path = tmp_path / "run.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", "from kaigo.devenv import RunLock; import pathlib, time; lock = RunLock(pathlib.Path("
         f"{str(lock_path)!r})); assert lock.acquire(); print('held', flush=True); time.sleep(30)"],
        cwd=BASE_DIR, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        second = devenv.RunLock(lock_path)
        assert second.acquire() is False
        assert second.holder() == str(holder.pid)
    finally:
        holder.kill()
        holder.wait()
    assert devenv.RunLock(lock_path).acquire() is True  # the lock dies with its holder


def test_pick_port_skips_a_busy_port():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert devenv.pick_port(port) != port
        assert devenv.port_free(port) is False


@pytest.mark.django_db
def test_demo_setup_creates_one_account_per_role_keeps_passwords_and_loads_a_city(settings, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("kaigo.staff.demo.demo_logins_file", lambda: tmp_path / "demo-logins.txt")
    monkeypatch.setattr("kaigo.shell.management.commands.demo_setup.DEFAULT_CITY_RESIDENTS", 60)
    call_command("demo_setup")
    out = capsys.readouterr().out
    # every role has its demo account; the synthetic city's generated certifications name a disabled
    # account without roles of their own (synthetic/certification.py, generator_staff)
    assert {Role(r) for r in Staff.objects.filter(is_active=True).values_list("role_grants__role", flat=True)} == set(Role)
    assert not Staff.objects.filter(is_active=False, role_grants__isnull=False).exists()
    for account in DEMO_ACCOUNTS:
        assert account.username in out
    assert "synthetic city: 60 residents" in out and Resident.objects.count() == 60
    logins = dict(line.split("\t") for line in (tmp_path / "demo-logins.txt").read_text().splitlines())
    assert stat.S_IMODE((tmp_path / "demo-logins.txt").stat().st_mode) == 0o600
    staff = Staff.objects.get(username="demo-ops")
    assert staff.check_password(logins["demo-ops"])
    call_command("demo_setup")  # a second start keeps accounts, passwords and the city
    assert Staff.objects.filter(is_active=True).count() == len(DEMO_ACCOUNTS)  # and the generator's disabled one
    assert Resident.objects.count() == 60 and "nothing generated" in capsys.readouterr().out
    assert Staff.objects.get(username="demo-ops").check_password(logins["demo-ops"])


@pytest.mark.django_db
def test_demo_setup_is_refused_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(Exception, match="development"):
        call_command("demo_setup")
    assert not Staff.objects.exists()


# --- a port taken between the check and the server's start (issue 16, item 9) -----------------------

def hold_port() -> tuple[subprocess.Popen, int]:
    """Another program listening on a port (a process of its own, as a real intruder would be)."""
    holder = subprocess.Popen(
        [sys.executable, "-c", "import socket, time; s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(); "
         "print(s.getsockname()[1], flush=True); time.sleep(120)"],
        stdout=subprocess.PIPE, text=True)
    return holder, int(holder.stdout.readline())


@pytest.fixture
def taken_port(monkeypatch):
    """A port another process holds, which the first ``pick_port`` still reports free (as when the
    other program took it just after the check)."""
    holder, port = hold_port()
    real = devenv.pick_port
    first = [port]
    monkeypatch.setattr(devenv, "pick_port", lambda preferred=None: first.pop() if first else real(preferred))
    yield port
    holder.kill()
    holder.wait()


def test_redis_whose_port_was_taken_after_the_check_starts_on_the_next_free_port(taken_port, tmp_path, capsys):
    redis = devenv.start_on_free_port(
        lambda port: devenv.started(devenv.EmbeddedRedis(tmp_path / "redis", port, persistent=False)),
        preferred=taken_port, what="Redis")
    try:
        assert redis.port != taken_port and redis.accepting()
    finally:
        redis.stop()
    out = capsys.readouterr().out
    assert f"Redis: port {taken_port} was taken by another program just before Redis could use it; " \
           f"trying port {redis.port}" in out


def test_postgres_whose_port_was_taken_after_the_check_starts_on_the_next_free_port(taken_port, tmp_path, capsys):
    pg = devenv.start_on_free_port(lambda port: devenv.started(devenv.EmbeddedPostgres(tmp_path / "pg", port)),
                                   preferred=taken_port, what="PostgreSQL")
    try:
        assert pg.port != taken_port and pg.accepting()
    finally:
        pg.stop()
    assert f"PostgreSQL: port {taken_port} was taken by another program" in capsys.readouterr().out


def test_ports_taken_at_every_try_end_in_one_plain_message_and_nothing_left_running(monkeypatch, tmp_path, capsys):
    holder, port = hold_port()
    try:
        monkeypatch.setattr(devenv, "pick_port", lambda preferred=None: port)  # every check "free", every start fails
        monkeypatch.setattr(devenv, "VAR", tmp_path)
        monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:1/unused")  # only Redis is started
        monkeypatch.delenv("REDIS_URL", raising=False)
        monkeypatch.delenv("REDIS_URL_FILE", raising=False)
        assert devenv.main(["exec", "true"]) == 1
    finally:
        holder.kill()
        holder.wait()
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == (f"[kaigo] Redis could not get a free port: another program took each of the "
                       f"{devenv.START_ATTEMPTS} ports it tried, the last {port}. Stop what is starting servers on "
                       "this machine, or set DATABASE_URL / REDIS_URL to servers of your own.")
    assert not any("Traceback" in line for line in out)


def test_a_server_that_fails_for_another_reason_says_so_with_the_end_of_its_log(tmp_path):
    (tmp_path / "pg").mkdir()
    (tmp_path / "pg" / "PG_VERSION").write_text("not a data directory")  # pg_ctl start fails, port free
    with pytest.raises(devenv.DevenvError) as failed:
        devenv.started(devenv.EmbeddedPostgres(tmp_path / "pg", devenv.pick_port(None)))
    message = str(failed.value)
    assert message.startswith("PostgreSQL did not start (pg_ctl exit code 1). The end of ")
    assert "pg.log" in message and "Traceback" not in message


def test_the_web_port_is_bound_before_the_server_starts_and_handed_to_gunicorn():
    holder, port = hold_port()
    try:
        sock = devenv.web_socket(port)  # the preferred port is taken: the next free one, bound at once
        chosen = sock.getsockname()[1]
        assert chosen != port and not devenv.port_free(chosen)
        gunicorn = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "kaigo.wsgi:application", "--bind",
             f"fd://{sock.fileno()}", "--workers", "1", "--log-level", "warning"],
            pass_fds=(sock.fileno(),), cwd=BASE_DIR, start_new_session=True)
        sock.close()
        try:
            status = None
            for _ in range(100):
                try:
                    with socket.create_connection(("127.0.0.1", chosen), timeout=2) as client:
                        client.sendall(b"GET /login/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                        status = client.recv(64).split(b" ")[1]
                        break
                except OSError:
                    time.sleep(0.1)
            assert status == b"200"
        finally:
            os.killpg(gunicorn.pid, signal.SIGTERM)
            gunicorn.wait(20)
    finally:
        holder.kill()
        holder.wait()


# --- manage.py beside a running `make run` (issue 16, item 9) -----------------------------------------

def test_make_run_leaves_the_addresses_of_its_servers_while_it_runs(tmp_path):
    path = tmp_path / "run-services.json"
    devenv.run_services_write(path, {"DATABASE_URL": "postgresql://postgres@127.0.0.1:55499/kaigo"}, pid=4242)
    assert json.loads(path.read_text()) == {"pid": 4242, "DATABASE_URL": "postgresql://postgres@127.0.0.1:55499/kaigo"}
    devenv.run_services_remove(path, pid=4343)  # another run's file is left alone
    assert path.exists()
    devenv.run_services_remove(path, pid=4242)
    assert not path.exists()


def database_url_of_test_db() -> str:
    db = connection.settings_dict
    return f"postgresql://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def manage_py(*args: str, services_file: Path, **env: str) -> subprocess.CompletedProcess:
    """manage.py as a developer runs it in another terminal: no DATABASE_URL, no REDIS_URL."""
    clean = {k: v for k, v in os.environ.items()
             if k not in {"DATABASE_URL", "DATABASE_URL_FILE", "REDIS_URL", "REDIS_URL_FILE"}}
    return subprocess.run([sys.executable, str(BASE_DIR / "manage.py"), *args], cwd=BASE_DIR, capture_output=True,
                          text=True, timeout=120, env={**clean, "KAIGO_RUN_SERVICES_FILE": str(services_file), **env})


SHOW_SERVERS = ("from django.conf import settings; d = settings.DATABASES['default']; "
                "print(d['PORT'], d['NAME'], settings.REDIS_URL)")


def test_settings_read_the_running_make_runs_servers_in_development_only(tmp_path):
    path = tmp_path / "run-services.json"
    devenv.run_services_write(path, {"DATABASE_URL": "postgresql://postgres@127.0.0.1:55499/kaigo",
                                     "REDIS_URL": "redis://127.0.0.1:56499/0"}, pid=os.getpid())
    shown = manage_py("shell", "-c", SHOW_SERVERS, services_file=path)
    assert shown.stdout.strip().splitlines()[-1] == "55499 kaigo redis://127.0.0.1:56499/0"
    # a variable that is set wins
    shown = manage_py("shell", "-c", SHOW_SERVERS, services_file=path,
                      DATABASE_URL="postgresql://postgres@127.0.0.1:55400/other")
    assert shown.stdout.strip().splitlines()[-1] == "55400 other redis://127.0.0.1:56499/0"
    # production never reads it: it refuses to start without DATABASE_URL
    refused = manage_py("check", services_file=path, KAIGO_ENV="production", DJANGO_SECRET_KEY="x" * 60,
                        DJANGO_ALLOWED_HOSTS="kaigo.example", KAIGO_KEYRING_FILE=str(tmp_path / "k.json"))
    assert refused.returncode != 0 and "DATABASE_URL is not set" in refused.stderr
    assert "REDIS_URL is not set" in refused.stderr


def test_a_file_left_by_a_killed_run_is_ignored(tmp_path):
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    path = tmp_path / "run-services.json"
    devenv.run_services_write(path, {"DATABASE_URL": "postgresql://postgres@127.0.0.1:55499/kaigo"},
                              pid=int(gone.stdout))
    shown = manage_py("shell", "-c", SHOW_SERVERS, services_file=path)
    assert shown.stdout.strip().splitlines()[-1].startswith("5432 kaigo ")  # the plain development default


@pytest.mark.django_db(transaction=True)
def test_demo_otp_code_reaches_the_running_make_runs_database_without_database_url(tmp_path, monkeypatch):
    monkeypatch.setattr("kaigo.staff.demo.demo_logins_file", lambda: tmp_path / "demo-logins.txt")
    call_command("demo_staff")
    path = tmp_path / "run-services.json"
    devenv.run_services_write(path, {"DATABASE_URL": database_url_of_test_db(), "REDIS_URL": settings.REDIS_URL},
                              pid=os.getpid())
    printed = manage_py("demo_otp_code", "demo-chief", services_file=path)
    assert printed.returncode == 0, printed.stderr[-2000:]
    device = TOTPDevice.objects.get(user__username="demo-chief")
    code = printed.stdout.strip().splitlines()[-1]
    assert len(code) == device.digits and code.isdigit()
    assert device.verify_token(code)  # the code of the device in the database the run's file names
