"""Sign-in, sign-out and failed sign-in are recorded in the auth chain through Django's signals."""

from __future__ import annotations

import hashlib

import pytest
from django.db import connection

from audit import services
from audit.models import AuthEvent
from tests.factories import TEST_PASSWORD

TERMINAL = {"REMOTE_ADDR": "192.0.2.10"}


def session_hash(client) -> str:
    return hashlib.sha256(client.session.session_key.encode()).hexdigest()


def event_fields(event: AuthEvent) -> tuple:
    return (event.seq, event.kind, event.staff_id, event.username, event.username_hash, event.client_ip, event.detail)


@pytest.mark.django_db
def test_sign_in_and_sign_out_are_recorded_with_terminal_and_session(client, make_staff):
    staff = make_staff(username="clerk01")
    response = client.post("/login/", {"username": "clerk01", "password": TEST_PASSWORD}, **TERMINAL)
    assert response.status_code == 302
    signed_in_session = session_hash(client)
    client.post("/logout/", **TERMINAL)
    login, logout = AuthEvent.objects.order_by("seq")
    assert event_fields(login) == (1, "login", staff.pk, "clerk01", "", "192.0.2.10", {})
    assert event_fields(logout) == (2, "logout", staff.pk, "clerk01", "", "192.0.2.10", {})
    assert login.session_hash == logout.session_hash == signed_in_session
    assert services.chain_verify(chain="auth").ok


@pytest.mark.django_db
def test_a_failed_sign_in_with_an_existing_name_keeps_the_name(client, make_staff):
    staff = make_staff(username="clerk01")
    response = client.post("/login/", {"username": "clerk01", "password": "wrong-password-123"}, **TERMINAL)
    assert response.status_code == 200
    (event,) = AuthEvent.objects.all()
    assert event_fields(event) == (1, "login_failed", staff.pk, "clerk01", "", "192.0.2.10", {})


@pytest.mark.django_db
@pytest.mark.parametrize(
    "typed",
    [
        pytest.param("correct-horse-battery-staple-42", id="a-password-typed-as-the-name"),
        pytest.param("山田太郎", id="a-name"),
        pytest.param("Clerk01", id="wrong-case-of-an-account"),
    ],
)
def test_a_failed_sign_in_with_an_unknown_name_stores_only_a_keyed_hash(client, make_staff, typed):
    make_staff(username="clerk01")
    client.post("/login/", {"username": typed, "password": "wrong-password-123"}, **TERMINAL)
    client.post("/login/", {"username": typed, "password": "wrong-password-456"}, **TERMINAL)
    first, second = AuthEvent.objects.order_by("seq")
    assert event_fields(first) == (1, "login_failed", None, "", services.attempted_username_hash(typed),
                                   "192.0.2.10", {})
    assert second.username_hash == first.username_hash  # repeated attempts can be correlated
    assert first.username_hash != hashlib.sha256(typed.encode()).hexdigest()  # keyed: not a dictionary lookup
    with connection.cursor() as cursor:
        cursor.execute("SELECT t::text FROM audit_authevent t")
        assert all(typed not in row for (row,) in cursor.fetchall())


def test_the_username_hash_depends_on_the_secret_key(settings):
    before = services.attempted_username_hash("someone")
    settings.SECRET_KEY = "another-secret-key-" + "x" * 40
    assert services.attempted_username_hash("someone") != before
    assert len(before) == 64


@pytest.mark.django_db
def test_signing_in_through_the_test_client_is_recorded_too(client_as):
    client = client_as()
    (event,) = AuthEvent.objects.all()
    assert (event.kind, event.staff_id, event.client_ip) == ("login", client.staff.pk, None)


@pytest.mark.django_db
def test_role_changes_signalled_by_the_staff_app_are_recorded(make_staff):
    staff_signals = pytest.importorskip("kaigo.staff.signals")
    if not hasattr(staff_signals, "role_changed"):
        pytest.skip("kaigo.staff.signals has no role_changed signal")
    from kaigo.staff.models import RoleGrant

    chief, clerk = make_staff(), make_staff()
    grant = RoleGrant.objects.create(staff=clerk, role="auditor", grant_reason="テスト", granted_by=chief)
    staff_signals.role_changed.send(sender=RoleGrant, grant=grant, action="granted", actor=chief)
    staff_signals.role_changed.send(sender=RoleGrant, grant=grant, action="revoked", actor=chief)
    granted, revoked = AuthEvent.objects.order_by("seq")
    detail = {"role": "auditor", "grant_id": grant.pk, "subject_staff_id": clerk.pk}
    assert event_fields(granted) == (1, "role_granted", chief.pk, chief.username, "", None, detail)
    assert event_fields(revoked) == (2, "role_revoked", chief.pk, chief.username, "", None, detail)
