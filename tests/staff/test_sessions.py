"""Idle timeout (30 minutes) and absolute lifetime of a session, enforced on the server; the
session's expiry is pushed forward at most once a minute, never by background polling."""

from __future__ import annotations

import time

import pytest
from django.contrib.sessions.models import Session

from kaigo.staff.middleware import LAST_SEEN_KEY, STARTED_KEY
from kaigo.staff.roles import Role
from kaigo.staff.signals import session_expired
from tests.factories import TEST_PASSWORD


def set_session(client, **values):
    session = client.session
    session.update(values)
    session.save()


@pytest.fixture
def clerk_client(signed_in):
    client = signed_in(Role.WARD_CLERK)
    assert client.get("/").status_code == 200  # the first request stamps the session
    return client


def test_settings_are_thirty_minutes_idle_and_ten_hours_at_most(settings):
    assert (settings.SESSION_COOKIE_AGE, settings.KAIGO_SESSION_MAX_AGE) == (1800, 36000)


def test_thirty_minutes_without_activity_end_the_session(clerk_client):
    received = []
    session_expired.connect(lambda **kw: received.append(kw["reason"]), weak=False, dispatch_uid="t-idle")
    try:
        set_session(clerk_client, **{LAST_SEEN_KEY: int(time.time()) - 1801})
        response = clerk_client.get("/", follow=True)
    finally:
        session_expired.disconnect(dispatch_uid="t-idle")
    assert response.redirect_chain == [("/login/?next=/", 302)]
    assert "一定時間操作がなかったため、ログアウトしました" in response.content.decode()
    assert "_auth_user_id" not in clerk_client.session
    assert received == ["idle"]


def test_an_api_call_after_the_idle_timeout_gets_401(clerk_client):
    set_session(clerk_client, **{LAST_SEEN_KEY: int(time.time()) - 1801})
    response = clerk_client.get("/api/batches/")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


def test_activity_within_the_limit_keeps_the_session(clerk_client):
    set_session(clerk_client, **{LAST_SEEN_KEY: int(time.time()) - 1700})
    assert clerk_client.get("/").status_code == 200
    assert int(time.time()) - clerk_client.session[LAST_SEEN_KEY] < 5


def test_the_expiry_is_pushed_forward_at_most_once_a_minute(clerk_client):
    key = clerk_client.session.session_key
    stamp = int(time.time()) - 30
    set_session(clerk_client, **{LAST_SEEN_KEY: stamp})
    expire_before = Session.objects.get(session_key=key).expire_date
    clerk_client.get("/")
    assert clerk_client.session[LAST_SEEN_KEY] == stamp  # not rewritten within the minute
    assert Session.objects.get(session_key=key).expire_date == expire_before
    set_session(clerk_client, **{LAST_SEEN_KEY: int(time.time()) - 90})
    expire_before = Session.objects.get(session_key=key).expire_date
    clerk_client.get("/")
    assert int(time.time()) - clerk_client.session[LAST_SEEN_KEY] < 5
    assert Session.objects.get(session_key=key).expire_date > expire_before


def test_background_polling_does_not_count_as_activity(clerk_client):
    stamp = int(time.time()) - 600
    set_session(clerk_client, **{LAST_SEEN_KEY: stamp})
    assert clerk_client.get("/", headers={"X-Kaigo-Background": "1"}).status_code == 200
    assert clerk_client.session[LAST_SEEN_KEY] == stamp


def test_ten_hours_after_sign_in_the_session_ends_whatever_the_activity(clerk_client):
    set_session(clerk_client, **{STARTED_KEY: int(time.time()) - 36001})
    response = clerk_client.get("/", follow=True)
    assert response.redirect_chain == [("/login/?next=/", 302)]
    assert "ログインしてから一定時間が経過したため" in response.content.decode()


def test_sign_in_stamps_the_session_so_the_first_request_writes_nothing(client, account):
    clerk = account(Role.WARD_CLERK)
    client.post("/login/", {"username": clerk.username, "password": TEST_PASSWORD})
    session = client.session
    assert abs(session[LAST_SEEN_KEY] - time.time()) < 5 and session[STARTED_KEY] == session[LAST_SEEN_KEY]
    assert session["kaigo_has_totp_device"] is False
    expire_before = Session.objects.get(session_key=session.session_key).expire_date
    assert client.get("/").status_code == 200
    assert Session.objects.get(session_key=session.session_key).expire_date == expire_before
