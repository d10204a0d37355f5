"""Account screens: who may see and do what, in Japanese; denials change nothing."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kaigo.staff.models import RoleGrant
from kaigo.staff.roles import Role
from tests.staff.helpers import add_device, login

pytestmark = pytest.mark.django_db


@pytest.fixture
def target(account):
    return account(Role.WARD_CLERK, display_name="対象 花子")


def screens(target):
    grant = target.role_grants.get()
    return {
        "list": ("get", "/staff/", {}),
        "detail": ("get", f"/staff/{target.pk}/", {}),
        "grant-form": ("get", f"/staff/{target.pk}/grant/", {}),
        "grant": ("post", f"/staff/{target.pk}/grant/",
                  {"role": Role.INQUIRY, "reason": "照会業務の兼務", "effective_date": timezone.localdate().isoformat()}),
        "revoke-form": ("get", f"/staff/grants/{grant.pk}/revoke/", {}),
        "revoke": ("post", f"/staff/grants/{grant.pk}/revoke/",
                   {"reason": "異動", "effective_date": timezone.localdate().isoformat()}),
        "password-reset": ("post", f"/staff/{target.pk}/password-reset/", {}),
        "unlock": ("post", f"/staff/{target.pk}/unlock/", {}),
        "second-factor-reset": ("post", f"/staff/{target.pk}/second-factor-reset/", {}),
    }


VIEW_ONLY = {"list", "detail"}
ALL = ["list", "detail", "grant-form", "grant", "revoke-form", "revoke", "password-reset", "unlock",
       "second-factor-reset"]


@pytest.mark.parametrize("screen", ALL)
@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        pytest.param(None, None, id="anonymous"),
        pytest.param(Role.WARD_CLERK, set(), id="clerk"),
        pytest.param(Role.OPERATOR, set(), id="operator"),
        pytest.param(Role.AUDITOR, VIEW_ONLY, id="auditor"),
        pytest.param(Role.SECTION_CHIEF, set(ALL), id="chief"),
    ],
)
def test_authorisation_matrix(client, signed_in, target, role, allowed, screen):
    method, path, data = screens(target)[screen]
    if role is not None:
        client = signed_in(role)
    password_before = type(target).objects.get(pk=target.pk).password
    response = getattr(client, method)(path, data)
    if role is None:
        assert response.status_code == 302 and response["Location"].startswith("/login/")
    elif screen in allowed:
        assert response.status_code in {200, 302}
    else:
        assert response.status_code == 403
        assert "権限がありません" in response.content.decode()
    if role is None or screen not in allowed:  # a denial changes nothing
        assert list(RoleGrant.objects.filter(staff=target).values_list("role", "revoked_at")) == [(Role.WARD_CLERK, None)]
        assert type(target).objects.get(pk=target.pk).password == password_before


def test_the_list_is_japanese_and_takes_a_fixed_number_of_queries(signed_in, account):
    client = signed_in(Role.AUDITOR)
    for i in range(3):
        account(Role.WARD_CLERK, Role.INQUIRY, display_name=f"一覧 {i}")
    client.get("/staff/")  # warm-up: session stamps
    with CaptureQueriesContext(connection) as few:
        body = client.get("/staff/").content.decode()
    for _ in range(5):
        account(Role.CERTIFICATION_CLERK)
    with CaptureQueriesContext(connection) as more:
        client.get("/staff/")
    assert len(more) == len(few)
    assert "職員管理" in body and "区役所窓口担当、照会専用" in body and "閲覧のみできます" in body


def test_the_chief_grants_and_revokes_through_the_screens_and_the_history_shows_it(signed_in, target):
    client = signed_in(Role.SECTION_CHIEF, display_name="課長 太郎")
    form = client.get(f"/staff/{target.pk}/grant/").content.decode()
    assert "役割の付与" in form and "効力発生日" in form and "付与の理由" in form
    response = client.post(f"/staff/{target.pk}/grant/", {
        "role": Role.INQUIRY, "reason": "照会業務の兼務", "effective_date": timezone.localdate().isoformat()},
        follow=True)
    body = response.content.decode()
    assert "役割「照会専用」を付与しました（有効）。" in body
    assert "照会業務の兼務" in body and "課長 太郎" in body
    grant = target.role_grants.get(role=Role.INQUIRY)
    response = client.post(f"/staff/grants/{grant.pk}/revoke/", {
        "reason": "兼務の終了", "effective_date": timezone.localdate().isoformat()}, follow=True)
    body = response.content.decode()
    assert "役割「照会専用」を取り消しました（取消済み）。" in body
    assert "兼務の終了" in body and "取消済み" in body


def test_grant_form_errors_are_japanese(signed_in, target):
    client = signed_in(Role.SECTION_CHIEF)
    response = client.post(f"/staff/{target.pk}/grant/", {
        "role": Role.WARD_CLERK, "reason": "重複", "effective_date": timezone.localdate().isoformat()})
    assert "既にこの役割が付与されています" in response.content.decode()
    response = client.post(f"/staff/{target.pk}/grant/", {"role": Role.AUDITOR, "reason": "", "effective_date": ""})
    assert "この項目は必須です" in response.content.decode()


def test_a_chief_sees_no_actions_on_their_own_account(signed_in):
    client = signed_in(Role.SECTION_CHIEF)
    body = client.get(f"/staff/{client.staff.pk}/").content.decode()
    assert "役割を付与する" not in body and "パスワードを再発行する" not in body
    response = client.post(f"/staff/{client.staff.pk}/grant/", {
        "role": Role.AUDITOR, "reason": "兼務", "effective_date": timezone.localdate().isoformat()})
    assert "自分自身に役割を付与することはできません。" in response.content.decode()


def test_password_reset_shows_the_temporary_password_once_and_not_cached(client, signed_in, target):
    chief_client = signed_in(Role.SECTION_CHIEF)
    response = chief_client.post(f"/staff/{target.pk}/password-reset/")
    body = response.content.decode()
    assert "仮パスワードを発行しました" in body and "この画面でのみ表示されます" in body
    assert "no-store" in response["Cache-Control"]
    temporary = body.split("<code>")[1].split("</code>")[0]
    target.refresh_from_db()
    assert target.must_change_password and target.check_password(temporary)
    assert temporary not in chief_client.get(f"/staff/{target.pk}/").content.decode()


def test_detail_shows_lock_and_second_factor_and_the_chief_can_clear_them(client, signed_in, target):
    add_device(target)
    for _ in range(5):
        login(client, target.username, "wrong-password-123")
    chief_client = signed_in(Role.SECTION_CHIEF)
    body = chief_client.get(f"/staff/{target.pk}/").content.decode()
    assert "ロック中" in body and "ログインのロックを解除する" in body and "二要素認証を再設定させる" in body
    body = chief_client.post(f"/staff/{target.pk}/unlock/", follow=True).content.decode()
    assert "ログインのロックを解除しました。" in body and "ロック中" not in body
    body = chief_client.post(f"/staff/{target.pk}/second-factor-reset/", follow=True).content.decode()
    assert "二要素認証の設定を削除しました" in body
