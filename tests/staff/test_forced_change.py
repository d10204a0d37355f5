"""Forced password change: a new or reset account reaches only the change page until it has
chosen its own password; the temporary password expires; there is no periodic expiry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from kaigo.staff.models import Staff
from kaigo.staff.roles import Organisation, Role
from kaigo.staff.services import staff_create, staff_password_reset
from tests.staff.helpers import login

TEMPORARY = "Kari-Pass-7394-zzQ"
NEW_PASSWORD = "tsukimi-dango-kawa-2024"


@pytest.fixture
def new_clerk(db):
    return staff_create(username="new.clerk", display_name="新人 一郎", organisation=Organisation.NAKAHARA,
                        roles=[Role.WARD_CLERK], password=TEMPORARY, actor=None, reason="新規採用")


def test_a_new_account_must_change_its_password_and_the_temporary_one_expires(new_clerk, settings):
    assert new_clerk.must_change_password is True
    expected = timezone.now() + timedelta(hours=settings.KAIGO_TEMPORARY_PASSWORD_HOURS)
    assert abs(new_clerk.temporary_password_expires_at - expected) < timedelta(seconds=5)


@pytest.mark.parametrize("path", ["/", "/batches/", "/system/", "/staff/", "/staff/second-factor/setup/"])
def test_every_screen_leads_to_the_change_page(client, new_clerk, path):
    assert login(client, "new.clerk", TEMPORARY).status_code == 302
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/password/")
    if path != "/":
        assert response["Location"] == f"/staff/password/?next={path.replace('/', '%2F')}"


def test_api_calls_get_403_json_until_changed(client, new_clerk):
    login(client, "new.clerk", TEMPORARY)
    response = client.get("/api/batches/")
    assert response.status_code == 403
    assert response.json() == {"code": "password_change_required", "message": "パスワードを変更してください。"}


def test_logout_and_static_files_stay_open(client, new_clerk):
    login(client, "new.clerk", TEMPORARY)
    assert client.get("/static/kaigo/kaigo.css").status_code == 200
    response = client.post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/login/"


def test_change_page_is_japanese_and_refuses_weak_or_unchanged_passwords(client, new_clerk):
    login(client, "new.clerk", TEMPORARY)
    page = client.get("/staff/password/").content.decode()
    assert "パスワード変更" in page and "仮パスワードでログインしています" in page
    for new, message in [
        ("password1234", "使用できません"),
        ("short-1", "短すぎ"),
        (TEMPORARY, "現在のパスワードとは異なる"),
    ]:
        body = client.post("/staff/password/", {"old_password": TEMPORARY, "new_password1": new,
                                                "new_password2": new}).content.decode()
        assert message in body, new
    wrong_old = client.post("/staff/password/", {"old_password": "not-it-at-all", "new_password1": NEW_PASSWORD,
                                                 "new_password2": NEW_PASSWORD}).content.decode()
    assert "現在のパスワードが正しくありません" in wrong_old
    new_clerk.refresh_from_db()
    assert new_clerk.must_change_password is True and new_clerk.check_password(TEMPORARY)


def test_after_the_change_every_screen_opens_and_the_session_survives(client, new_clerk):
    login(client, "new.clerk", TEMPORARY)
    response = client.post("/staff/password/?next=/", {"old_password": TEMPORARY, "new_password1": NEW_PASSWORD,
                                                       "new_password2": NEW_PASSWORD, "next": "/"}, follow=True)
    assert response.redirect_chain == [("/", 302)]
    assert "パスワードを変更しました。" in response.content.decode()
    new_clerk.refresh_from_db()
    assert (new_clerk.must_change_password, new_clerk.temporary_password_expires_at) == (False, None)
    assert new_clerk.check_password(NEW_PASSWORD)
    assert client.get("/").status_code == 200


def test_an_expired_temporary_password_ends_the_session(client, new_clerk):
    login(client, "new.clerk", TEMPORARY)
    Staff.objects.filter(pk=new_clerk.pk).update(temporary_password_expires_at=timezone.now() - timedelta(minutes=1))
    response = client.get("/staff/password/", follow=True)
    assert response.redirect_chain[0] == ("/login/", 302)
    assert "仮パスワードの有効期限が切れています" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_administrator_reset_forces_a_change_again(client, account):
    chief = account(Role.SECTION_CHIEF)
    clerk = account(Role.WARD_CLERK)
    temporary = staff_password_reset(staff=clerk, actor=chief)
    clerk.refresh_from_db()
    assert clerk.must_change_password is True and clerk.check_password(temporary)
    assert len(temporary) == 16
    login(client, clerk.username, temporary)
    assert client.get("/")["Location"].startswith("/staff/password/")


def test_no_periodic_expiry_a_chosen_password_is_never_forced_to_change(client, account):
    clerk = account(Role.WARD_CLERK, last_login=timezone.now() - timedelta(days=3650))
    Staff.objects.filter(pk=clerk.pk).update(date_joined=timezone.now() - timedelta(days=3650))
    login(client, clerk.username)
    assert client.get("/").status_code == 200
    assert not [f.name for f in Staff._meta.fields if "password_changed" in f.name]
