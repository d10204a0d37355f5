"""Lockout (django-axes): 5 failures lock the username on that terminal for 30 minutes; the
correct password is refused while locked; a section chief can clear it; forged proxy headers
are ignored."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import RequestFactory
from django.utils import timezone

from kaigo.errors import NotPermitted
from kaigo.staff.lockout import client_ip, staff_is_locked_out, staff_lockout_clear
from kaigo.staff.roles import Role
from tests.staff.helpers import login

TERMINAL_A = {"REMOTE_ADDR": "10.1.2.3"}
TERMINAL_B = {"REMOTE_ADDR": "10.1.2.4"}


def fail(client, username, times, **terminal):
    return [login(client, username, "wrong-password-123", **terminal).status_code for _ in range(times)]


@pytest.mark.django_db
def test_five_failures_lock_the_account_on_that_terminal_with_a_japanese_page(client, account, settings):
    clerk = account(Role.WARD_CLERK)
    assert settings.AXES_FAILURE_LIMIT == 5
    statuses = fail(client, clerk.username, 5, **TERMINAL_A)
    assert statuses == [200, 200, 200, 200, 429]
    locked = login(client, clerk.username, **TERMINAL_A)  # the correct password
    assert locked.status_code == 429
    body = locked.content.decode()
    assert "ログインが一時的に制限されています" in body and "30 分" in body and "所管課長" in body
    assert "_auth_user_id" not in client.session
    assert staff_is_locked_out(clerk)
    # another terminal is not locked (username + terminal), so a colleague cannot lock someone out office-wide
    assert login(client, clerk.username, **TERMINAL_B).status_code == 302


@pytest.mark.django_db
def test_an_unknown_username_gets_the_same_lockout_page(client, account):
    clerk = account(Role.WARD_CLERK)
    fail(client, clerk.username, 5, **TERMINAL_A)
    known = login(client, clerk.username, **TERMINAL_A)
    fail(client, "no-such-user", 5, **TERMINAL_A)
    unknown = login(client, "no-such-user", **TERMINAL_A)
    assert known.status_code == unknown.status_code == 429
    without_token = [re.sub(r'"X-CSRFToken": "[^"]*"', "", r.content.decode()) for r in (known, unknown)]
    assert without_token[0] == without_token[1]


@pytest.mark.django_db
def test_the_lock_ends_after_the_cool_off(client, account):
    clerk = account(Role.WARD_CLERK)
    fail(client, clerk.username, 5, **TERMINAL_A)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=31))
    assert not staff_is_locked_out(clerk)
    assert login(client, clerk.username, **TERMINAL_A).status_code == 302


@pytest.mark.django_db
def test_a_success_before_the_limit_resets_the_count(client, account):
    clerk = account(Role.WARD_CLERK)
    fail(client, clerk.username, 4, **TERMINAL_A)
    assert login(client, clerk.username, **TERMINAL_A).status_code == 302
    client.post("/logout/")
    assert fail(client, clerk.username, 4, **TERMINAL_A) == [200] * 4


@pytest.mark.django_db
def test_a_section_chief_clears_the_lock_and_no_one_else_can(client, account):
    clerk = account(Role.WARD_CLERK)
    fail(client, clerk.username, 5, **TERMINAL_A)
    with pytest.raises(NotPermitted):
        staff_lockout_clear(staff=clerk, actor=account(Role.AUDITOR))
    assert staff_is_locked_out(clerk)
    assert staff_lockout_clear(staff=clerk, actor=account(Role.SECTION_CHIEF)) == 1
    assert not staff_is_locked_out(clerk)
    assert login(client, clerk.username, **TERMINAL_A).status_code == 302


@pytest.mark.parametrize(
    ("meta", "trusted", "expected"),
    [
        pytest.param({"REMOTE_ADDR": "10.1.2.3", "HTTP_X_FORWARDED_FOR": "10.9.9.9"}, [], "10.1.2.3", id="forged-header-ignored"),
        pytest.param({"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "10.1.2.3"}, ["10.0.0.1"], "10.1.2.3", id="trusted-proxy"),
        pytest.param({"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 10.1.2.3"}, ["10.0.0.1"], "10.1.2.3",
                     id="client-prepended-address-ignored"),
        pytest.param({"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "not-an-ip"}, ["10.0.0.1"], "10.0.0.1", id="garbage"),
        pytest.param({"REMOTE_ADDR": "10.0.0.1"}, ["10.0.0.1"], "10.0.0.1", id="no-header"),
        pytest.param({"REMOTE_ADDR": "10.0.0.7", "HTTP_X_FORWARDED_FOR": "10.1.2.3, 10.0.0.5"}, ["10.0.0.0/29"], "10.1.2.3",
                     id="proxy-network-chain"),
    ],
)
def test_client_address_trusts_forwarded_for_only_from_the_proxy(settings, meta, trusted, expected):
    settings.KAIGO_TRUSTED_PROXIES = trusted
    request = RequestFactory().get("/login/", **meta)
    assert client_ip(request) == expected
