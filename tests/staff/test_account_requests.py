"""Account creation and disabling on 職員管理 (issue 16 item 8): a clerk of the head office, an
operator or a chief asks; another section chief decides; the decision (who, when, what, why) is
recorded on the request, the role is granted through RoleGrant by the chief; a disabled account
cannot sign in and its sessions end; nobody decides their own request."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.db import IntegrityError, transaction
from django.test import Client

from kaigo.errors import InvalidState, NotPermitted
from kaigo.staff.models import AccountRequest, AccountRequestStatus, RoleGrant, Staff
from kaigo.staff.roles import Organisation, Role, has_permission
from kaigo.staff.services import (
    AccountRequestInvalid,
    account_request_create,
    account_request_decide,
)

pytestmark = pytest.mark.django_db


def ask_create(actor, username="k100234", role=Role.WARD_CLERK, **kwargs):
    values = dict(display_name="試験 花子", organisation=Organisation.NAKAHARA, reason="4月1日付 採用")
    values.update(kwargs)
    return account_request_create(actor=actor, kind="create", username=username, role=role, **values)


@pytest.mark.parametrize(("role", "may_request", "may_decide"), [
    (Role.HEAD_OFFICE_CLERK, True, False),
    (Role.OPERATOR, True, False),
    (Role.SECTION_CHIEF, True, True),
    (Role.WARD_CLERK, False, False),
    (Role.CERTIFICATION_CLERK, False, False),
    (Role.AUDITOR, False, False),
    (Role.INQUIRY, False, False),
])
def test_role_table(account, client_as, role, may_request, may_decide):
    staff = account(role)
    assert (has_permission(staff, "staff.request"), has_permission(staff, "staff.manage")) == (may_request,
                                                                                                may_decide)
    if may_request:
        assert ask_create(staff).status == AccountRequestStatus.PENDING
    else:
        with pytest.raises(NotPermitted):
            ask_create(staff)
        assert not AccountRequest.objects.exists()
    pending = ask_create(account(Role.HEAD_OFFICE_CLERK), username="k999999")
    if may_decide:
        account_request_decide(actor=staff, request_id=pending.pk, approve=False, reason="採用予定なし")
    else:
        with pytest.raises(NotPermitted):
            account_request_decide(actor=staff, request_id=pending.pk, approve=True)
    client = client_as(role)
    assert client.get("/staff/requests/").status_code == (200 if may_request else 403)
    assert client.get("/staff/requests/new/").status_code == (200 if may_request else 403)
    assert client.get(f"/staff/requests/{pending.pk}/").status_code == (200 if may_decide else 403)


def test_a_chief_approves_a_creation_the_role_is_granted_by_the_chief(account, client_as):
    clerk = account(Role.HEAD_OFFICE_CLERK)
    request = ask_create(clerk, username="Ｋ１００２３４")  # full-width typed: folded
    assert request.username == "K100234"
    chief = client_as(Role.SECTION_CHIEF)
    response = chief.post(f"/staff/requests/{request.pk}/", {"decision": "approve", "reason": "", "confirm": "on"})
    assert response.status_code == 200 and "申請を承認し、アカウントを作成しました" in response.content.decode()
    assert response["Cache-Control"].count("no-store") == 1
    request.refresh_from_db()
    created = Staff.objects.get(username="K100234")
    assert (request.status, request.decided_by_id, request.staff_id) == (AccountRequestStatus.APPROVED,
                                                                         chief.staff.pk, created.pk)
    assert request.decided_at is not None and request.decision_reason == "申請のとおり承認"
    grant = RoleGrant.objects.get(staff=created)
    assert (grant.role, grant.granted_by_id) == (Role.WARD_CLERK, chief.staff.pk)
    assert f"No.{request.pk}" in grant.grant_reason
    assert (created.organisation, created.display_name, created.must_change_password) == (
        Organisation.NAKAHARA, "試験 花子", True)
    # the history is shown on the account's page
    detail = chief.get(f"/staff/{created.pk}/").content.decode()
    assert "アカウントの作成" in detail and "4月1日付 採用" in detail and "承認" in detail


def test_nobody_decides_their_own_request(account):
    chief, other_chief = account(Role.SECTION_CHIEF), account(Role.SECTION_CHIEF)
    request = ask_create(chief)
    with pytest.raises(NotPermitted):
        account_request_decide(actor=chief, request_id=request.pk, approve=True)
    request.refresh_from_db()
    assert request.status == AccountRequestStatus.PENDING and not Staff.objects.filter(username="k100234").exists()
    # nor a request about their own account
    disabling = account_request_create(actor=account(Role.HEAD_OFFICE_CLERK), kind="disable", staff=other_chief,
                                       reason="異動")
    with pytest.raises(NotPermitted):
        account_request_decide(actor=other_chief, request_id=disabling.pk, approve=False, reason="却下")
    # and the database refuses it whatever the path
    request.decided_by, request.status = chief, AccountRequestStatus.REJECTED
    from django.utils import timezone
    request.decided_at = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        request.save()
    # another chief may
    account_request_decide(actor=other_chief, request_id=request.pk, approve=True)
    assert Staff.objects.filter(username="k100234").exists()
    with pytest.raises(InvalidState):
        account_request_decide(actor=other_chief, request_id=request.pk, approve=True)


@pytest.mark.parametrize(("kwargs", "message"), [
    pytest.param(dict(username="ab"), "職員番号は英数字（記号は . _ - のみ）で3文字以上30文字以内で入力してください。",
                 id="too-short"),
    pytest.param(dict(username="職員一"), "職員番号は英数字（記号は . _ - のみ）で3文字以上30文字以内で入力してください。",
                 id="not-ascii"),
    pytest.param(dict(display_name=" "), "氏名を100文字以内で入力してください。", id="no-name"),
    pytest.param(dict(organisation="ward_nowhere"), "所属を選んでください。", id="organisation"),
    pytest.param(dict(role="admin"), "役割を選んでください。", id="role"),
    pytest.param(dict(reason=""), "申請の理由を入力してください。", id="no-reason"),
])
def test_a_creation_request_is_checked(account, kwargs, message):
    with pytest.raises(AccountRequestInvalid) as exc:
        ask_create(account(Role.HEAD_OFFICE_CLERK), **kwargs)
    assert message in exc.value.problems
    assert not AccountRequest.objects.exists()


def test_an_existing_or_pending_number_is_refused(account):
    clerk = account(Role.HEAD_OFFICE_CLERK)
    existing = account(Role.WARD_CLERK)
    with pytest.raises(AccountRequestInvalid) as exc:
        ask_create(clerk, username=existing.username.upper())
    assert exc.value.problems == ["この職員番号のアカウントは既にあります。"]
    ask_create(clerk)
    with pytest.raises(AccountRequestInvalid) as exc:
        ask_create(clerk)
    assert exc.value.problems == ["この職員番号のアカウントの作成は既に申請されています（決定待ち）。"]


def test_a_disabled_account_cannot_sign_in_and_its_sessions_end(account, client_as):
    target = account(Role.WARD_CLERK, username="leaving01")
    target.set_password("a long passphrase for the test")
    target.save()
    # two open sessions of the account, one of someone else
    first, second = Client(), Client()
    assert first.post("/login/", {"username": "leaving01", "password": "a long passphrase for the test"}).status_code \
        == 302
    second.force_login(target)
    bystander = client_as(Role.WARD_CLERK)
    assert first.get("/").status_code == 200
    sessions_before = Session.objects.count()

    request = account_request_create(actor=account(Role.OPERATOR), kind="disable", staff=target, reason="3月31日 退職")
    decision = account_request_decide(actor=account(Role.SECTION_CHIEF), request_id=request.pk, approve=True)

    assert decision.sessions_ended == 2
    assert Session.objects.count() == sessions_before - 2
    target.refresh_from_db()
    assert not target.is_active
    assert not RoleGrant.objects.in_force().filter(staff=target).exists()
    grant = RoleGrant.objects.get(staff=target)
    assert grant.revoked_by_id == decision.request.decided_by_id and f"No.{request.pk}" in grant.revoke_reason
    # the old sessions lead to the login page; the password no longer signs in
    assert first.get("/").status_code == 302 and second.get("/").status_code == 302
    refused = Client().post("/login/", {"username": "leaving01", "password": "a long passphrase for the test"})
    assert refused.status_code == 200 and "_auth_user_id" not in refused.client.session
    assert bystander.get("/").status_code == 200  # others' sessions stay
    # a second request for the disabled account is refused
    with pytest.raises(AccountRequestInvalid):
        account_request_create(actor=account(Role.OPERATOR), kind="disable", staff=target, reason="重ねて")


def test_a_rejection_needs_a_reason_and_changes_nothing(account, client_as):
    target = account(Role.WARD_CLERK)
    request = account_request_create(actor=account(Role.HEAD_OFFICE_CLERK), kind="disable", staff=target,
                                     reason="異動")
    chief = client_as(Role.SECTION_CHIEF)
    url = f"/staff/requests/{request.pk}/"
    assert chief.post(url, {"decision": "reject", "reason": "", "confirm": "on"}).status_code == 400
    unconfirmed = chief.post(url, {"decision": "approve", "reason": ""})
    assert unconfirmed.status_code == 400 and "確認の欄にチェック" in unconfirmed.content.decode()
    assert chief.post(url, {"decision": "reject", "reason": "異動は取り止め", "confirm": "on"}).status_code == 302
    request.refresh_from_db()
    target.refresh_from_db()
    assert (request.status, request.decision_reason, target.is_active) == (AccountRequestStatus.REJECTED,
                                                                           "異動は取り止め", True)
    listing = chief.get("/staff/requests/").content.decode()
    assert "異動は取り止め" in listing and "却下" in listing


def test_the_screens_take_a_request(client_as, account):
    client = client_as(Role.OPERATOR)
    assert client.post("/staff/requests/new/", {"username": "k200001", "display_name": "試験 次郎",
                                                "organisation": Organisation.TAMA, "role": Role.WARD_CLERK,
                                                "reason": "採用"}).status_code == 302
    assert AccountRequest.objects.get().requested_by_id == client.staff.pk
    unknown = client.post("/staff/requests/disable/", {"username": "nobody", "reason": "退職"})
    assert unknown.status_code == 400 and "無効にするアカウントの職員番号を入力してください。" in unknown.content.decode()
    target = account(Role.WARD_CLERK)
    assert client.post("/staff/requests/disable/", {"username": target.username, "reason": "退職"}).status_code == 302
    assert AccountRequest.objects.filter(staff=target, kind="disable").exists()
