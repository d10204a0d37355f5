"""Second factor (TOTP): required for section chiefs and auditors, available to everyone."""

from __future__ import annotations

import base64

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from kaigo.errors import NotPermitted
from kaigo.staff.otp import second_factor_reset
from kaigo.staff.roles import Role
from kaigo.staff.signals import account_changed, second_factor_failed
from tests.staff.helpers import add_device, login, satisfy_second_factor, totp_code, wrong_code


@pytest.fixture
def record_signal():
    received = []

    def connect(signal):
        signal.connect(lambda **kw: received.append(kw), weak=False, dispatch_uid=f"t-{id(signal)}")
        return received

    yield connect
    for signal in (account_changed, second_factor_failed):
        signal.disconnect(dispatch_uid=f"t-{id(signal)}")


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.SECTION_CHIEF, Role.AUDITOR])
@pytest.mark.parametrize("path", ["/", "/staff/", "/batches/"])
def test_required_roles_without_a_device_reach_only_the_setup_page(client, account, role, path):
    staff = account(role)
    assert login(client, staff.username).status_code == 302
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].startswith("/staff/second-factor/setup/")
    assert client.get("/staff/second-factor/").status_code == 302  # no device: nothing to verify
    api = client.get("/api/batches/")
    assert api.status_code == 403
    assert api.json() == {"code": "second_factor_required", "message": "二要素認証を完了してください。"}


@pytest.mark.django_db
def test_setup_shows_a_qr_code_and_the_secret_then_a_correct_code_completes_it(client, account, record_signal):
    events = record_signal(account_changed)
    chief = account(Role.SECTION_CHIEF)
    login(client, chief.username)
    page = client.get("/staff/second-factor/setup/?next=/staff/").content.decode()
    assert "二要素認証の設定" in page and "二要素認証が必須です" in page
    assert 'src="data:image/svg+xml' in page
    device = TOTPDevice.objects.get(user=chief, confirmed=False)
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    assert secret[:4] + " " + secret[4:8] in page
    assert client.get("/staff/second-factor/setup/").content.decode().count(secret[:4]) >= 1
    assert TOTPDevice.objects.filter(user=chief).count() == 1  # reload keeps the same key

    refused = client.post("/staff/second-factor/setup/", {"token": wrong_code(device)})
    assert "確認コードが正しくありません" in refused.content.decode()
    device.refresh_from_db()
    assert device.confirmed is False
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)  # no back-off wait in the test

    done = client.post("/staff/second-factor/setup/", {"token": totp_code(device), "next": "/staff/"})
    assert done.status_code == 302 and done["Location"] == "/staff/"
    assert TOTPDevice.objects.get(pk=device.pk).confirmed is True
    assert client.get("/staff/").status_code == 200
    assert [e["action"] for e in events] == ["second_factor_enrolled"]


@pytest.mark.django_db
def test_an_enrolled_auditor_must_enter_a_code_and_a_wrong_one_is_refused(client, account, record_signal):
    failures = record_signal(second_factor_failed)
    auditor = account(Role.AUDITOR)
    device = add_device(auditor)
    response = login(client, auditor.username)
    assert client.get(response["Location"])["Location"].startswith("/staff/second-factor/")
    page = client.get("/staff/second-factor/").content.decode()
    assert "認証アプリに表示されている6桁の確認コード" in page
    refused = client.post("/staff/second-factor/", {"token": wrong_code(device)})
    assert refused.status_code == 200 and "確認コードが正しくありません" in refused.content.decode()
    assert client.get("/").status_code == 302
    assert len(failures) == 1 and failures[0]["staff"] == auditor
    throttled = client.post("/staff/second-factor/", {"token": totp_code(device)})
    assert "しばらく待ってから" in throttled.content.decode()  # back-off after a failure
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    ok = client.post("/staff/second-factor/", {"token": totp_code(device)})
    assert ok.status_code == 302 and ok["Location"] == "/"
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_a_code_cannot_be_used_twice(client, account):
    auditor = account(Role.AUDITOR)
    device = add_device(auditor)
    code = totp_code(device)
    login(client, auditor.username)
    assert client.post("/staff/second-factor/", {"token": code}).status_code == 302
    client.post("/logout/")
    login(client, auditor.username)
    assert "確認コードが正しくありません" in client.post("/staff/second-factor/", {"token": code}).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.WARD_CLERK, Role.OPERATOR, Role.INQUIRY])
def test_other_roles_reach_home_without_a_second_factor(client, account, role):
    staff = account(role)
    login(client, staff.username)
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_a_clerk_may_enrol_and_then_must_verify_at_every_sign_in(client, account):
    clerk = account(Role.WARD_CLERK)
    login(client, clerk.username)
    page = client.get("/staff/second-factor/setup/").content.decode()
    assert "二要素認証を設定すると" in page
    device = TOTPDevice.objects.get(user=clerk)
    assert client.post("/staff/second-factor/setup/", {"token": totp_code(device)}).status_code == 302
    assert "設定済み" in client.get("/staff/second-factor/setup/").content.decode()
    client.post("/logout/")
    login(client, clerk.username)
    assert client.get("/")["Location"].startswith("/staff/second-factor/")
    assert client.post("/staff/second-factor/", {"token": totp_code(device, 1)}).status_code == 302
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_only_a_chief_resets_another_accounts_second_factor(client, account):
    auditor = account(Role.AUDITOR)
    add_device(auditor)
    chief = account(Role.SECTION_CHIEF)
    with pytest.raises(NotPermitted):
        second_factor_reset(staff=auditor, actor=account(Role.AUDITOR))
    with pytest.raises(NotPermitted):
        second_factor_reset(staff=chief, actor=chief)
    assert TOTPDevice.objects.filter(user=auditor).count() == 1
    assert second_factor_reset(staff=auditor, actor=chief) == 1
    login(client, auditor.username)
    assert client.get("/")["Location"].startswith("/staff/second-factor/setup/")


@pytest.mark.django_db
def test_a_device_removed_during_a_session_sends_the_staff_member_to_enrol_again(client, account):
    auditor = account(Role.AUDITOR)
    client.force_login(auditor)
    satisfy_second_factor(client, auditor)
    assert client.get("/").status_code == 200
    TOTPDevice.objects.filter(user=auditor).delete()
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/staff/second-factor/setup/")


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.SECTION_CHIEF, Role.AUDITOR, Role.WARD_CLERK])
def test_the_helper_for_tests_conftest_signs_in_past_the_second_factor(client, account, role):
    staff = account(role)
    client.force_login(staff)
    satisfy_second_factor(client, staff)
    assert client.get("/").status_code == 200
