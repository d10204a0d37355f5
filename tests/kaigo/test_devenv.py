"""make run's helpers: one run per checkout, ports, demo logins."""

from __future__ import annotations

import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

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
    assert {Role(r) for r in Staff.objects.values_list("role_grants__role", flat=True)} == set(Role)
    for account in DEMO_ACCOUNTS:
        assert account.username in out
    assert "synthetic city: 60 residents" in out and Resident.objects.count() == 60
    logins = dict(line.split("\t") for line in (tmp_path / "demo-logins.txt").read_text().splitlines())
    assert stat.S_IMODE((tmp_path / "demo-logins.txt").stat().st_mode) == 0o600
    staff = Staff.objects.get(username="demo-ops")
    assert staff.check_password(logins["demo-ops"])
    call_command("demo_setup")  # a second start keeps accounts, passwords and the city
    assert Staff.objects.count() == len(DEMO_ACCOUNTS)
    assert Resident.objects.count() == 60 and "nothing generated" in capsys.readouterr().out
    assert Staff.objects.get(username="demo-ops").check_password(logins["demo-ops"])


@pytest.mark.django_db
def test_demo_setup_is_refused_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(Exception, match="development"):
        call_command("demo_setup")
    assert not Staff.objects.exists()
