"""Role lifecycle: only a section chief grants and revokes, with a reason and an effective date,
never on their own account; each change is signalled inside its transaction for the audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from kaigo.errors import ApplicationError, InvalidState, NotPermitted
from kaigo.staff.models import RoleGrant
from kaigo.staff.roles import Organisation, Role
from kaigo.staff.services import role_grant, role_revoke, staff_create
from kaigo.staff.signals import role_changed

pytestmark = pytest.mark.django_db

NON_CHIEF_ROLES = [r for r in Role if r != Role.SECTION_CHIEF]


@pytest.fixture
def signals():
    received = []

    def receiver(sender, grant, action, actor, **kwargs):
        received.append((grant.role, action, actor, connection.in_atomic_block))

    role_changed.connect(receiver, weak=False, dispatch_uid="test-roles")
    yield received
    role_changed.disconnect(dispatch_uid="test-roles")


def fresh_roles(staff):
    return type(staff).objects.get(pk=staff.pk).active_roles


def test_a_chief_grants_a_role_with_reason_now(account, signals):
    chief, clerk = account(Role.SECTION_CHIEF), account()
    grant = role_grant(staff=clerk, role=Role.WARD_CLERK, actor=chief, reason="4月1日付 中原区へ異動")
    assert (grant.granted_by, grant.grant_reason) == (chief, "4月1日付 中原区へ異動")
    assert fresh_roles(clerk) == {Role.WARD_CLERK}
    assert signals == [(Role.WARD_CLERK, "granted", chief, True)]


def test_a_chief_revokes_a_role_effective_on_the_next_request(account, signals):
    chief, clerk = account(Role.SECTION_CHIEF), account(Role.WARD_CLERK)
    grant = clerk.role_grants.get()
    revoked = role_revoke(grant=grant, actor=chief, reason="退職")
    assert (revoked.revoked_by, revoked.revoke_reason) == (chief, "退職")
    assert revoked.revoked_at <= timezone.now() and revoked.revocation_recorded_at is not None
    assert fresh_roles(clerk) == frozenset()
    assert signals == [(Role.WARD_CLERK, "revoked", chief, True)]


@pytest.mark.parametrize("actor_role", NON_CHIEF_ROLES, ids=[r.value for r in NON_CHIEF_ROLES])
def test_no_one_but_a_chief_may_grant_or_revoke_and_nothing_changes(account, signals, actor_role):
    actor, clerk = account(actor_role), account(Role.WARD_CLERK)
    with pytest.raises(NotPermitted) as caught:
        role_grant(staff=clerk, role=Role.AUDITOR, actor=actor, reason="依頼")
    assert caught.value.message == "この操作は所管課長のみが行えます。"
    with pytest.raises(NotPermitted):
        role_revoke(grant=clerk.role_grants.get(), actor=actor, reason="依頼")
    assert list(clerk.role_grants.values_list("role", "revoked_at")) == [(Role.WARD_CLERK, None)]
    assert signals == []


def test_a_revoked_or_inactive_chief_may_not_act(account):
    former, clerk = account(Role.SECTION_CHIEF), account()
    other_chief = account(Role.SECTION_CHIEF)
    role_revoke(grant=former.role_grants.get(), actor=other_chief, reason="異動")
    with pytest.raises(NotPermitted):
        role_grant(staff=clerk, role=Role.WARD_CLERK, actor=former, reason="x")
    other_chief.is_active = False
    other_chief.save()
    with pytest.raises(NotPermitted):
        role_grant(staff=clerk, role=Role.WARD_CLERK, actor=other_chief, reason="x")
    assert not clerk.role_grants.exists()


def test_a_chief_cannot_change_their_own_roles(account):
    chief = account(Role.SECTION_CHIEF)
    with pytest.raises(NotPermitted) as grant_self:
        role_grant(staff=chief, role=Role.AUDITOR, actor=chief, reason="兼務")
    assert grant_self.value.message == "自分自身に役割を付与することはできません。"
    with pytest.raises(NotPermitted):
        role_revoke(grant=chief.role_grants.get(), actor=chief, reason="x")
    assert fresh_roles(chief) == {Role.SECTION_CHIEF}


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_reason_is_required(account, reason):
    chief, clerk = account(Role.SECTION_CHIEF), account(Role.WARD_CLERK)
    with pytest.raises(ApplicationError) as caught:
        role_grant(staff=clerk, role=Role.AUDITOR, actor=chief, reason=reason)
    assert caught.value.message == "理由を入力してください。"
    with pytest.raises(ApplicationError):
        role_revoke(grant=clerk.role_grants.get(), actor=chief, reason=reason)
    assert fresh_roles(clerk) == {Role.WARD_CLERK}


def test_the_database_refuses_a_grant_without_reason():
    from django.db import IntegrityError, transaction

    staff = staff_create(username="x1", display_name="x", organisation=Organisation.HEAD_OFFICE, roles=[],
                         password="irrelevant-pass", actor=None, reason="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleGrant.objects.create(staff=staff, role=Role.WARD_CLERK, grant_reason="")


def test_a_future_grant_takes_effect_on_its_date(account):
    chief, clerk = account(Role.SECTION_CHIEF), account()
    tomorrow = timezone.localdate() + timedelta(days=1)
    grant = role_grant(staff=clerk, role=Role.WARD_CLERK, actor=chief, reason="4月1日付 異動", effective_date=tomorrow)
    assert timezone.localtime(grant.valid_from).date() == tomorrow and timezone.localtime(grant.valid_from).hour == 0
    assert fresh_roles(clerk) == frozenset()
    assert grant.status_label() == "付与予定"
    assert RoleGrant.objects.in_force(at=grant.valid_from).filter(pk=grant.pk).exists()
    with pytest.raises(InvalidState):  # already scheduled
        role_grant(staff=clerk, role=Role.WARD_CLERK, actor=chief, reason="重複")


def test_a_future_revocation_keeps_the_role_until_its_date(account):
    chief, clerk = account(Role.SECTION_CHIEF), account(Role.WARD_CLERK)
    day = timezone.localdate() + timedelta(days=10)
    grant = role_revoke(grant=clerk.role_grants.get(), actor=chief, reason="3月31日付 退職", effective_date=day)
    assert fresh_roles(clerk) == {Role.WARD_CLERK}
    assert grant.status_label() == "有効（取消予定）"
    assert not RoleGrant.objects.in_force(at=grant.revoked_at).filter(pk=grant.pk).exists()
    with pytest.raises(InvalidState):
        role_revoke(grant=grant, actor=chief, reason="二重")


def test_past_effective_dates_and_duplicates_are_refused(account):
    chief, clerk = account(Role.SECTION_CHIEF), account(Role.WARD_CLERK)
    yesterday = timezone.localdate() - timedelta(days=1)
    with pytest.raises(ApplicationError) as past:
        role_grant(staff=clerk, role=Role.AUDITOR, actor=chief, reason="x", effective_date=yesterday)
    assert past.value.message == "効力発生日に過去の日付は指定できません。"
    with pytest.raises(InvalidState):
        role_grant(staff=clerk, role=Role.WARD_CLERK, actor=chief, reason="重複")
    assert clerk.role_grants.count() == 1


def test_a_failing_audit_receiver_rolls_the_change_back(account):
    chief, clerk = account(Role.SECTION_CHIEF), account()

    def broken_audit(**kwargs):
        raise RuntimeError("audit store unavailable")

    role_changed.connect(broken_audit, weak=False, dispatch_uid="broken-audit")
    try:
        with pytest.raises(RuntimeError):
            role_grant(staff=clerk, role=Role.WARD_CLERK, actor=chief, reason="異動")
    finally:
        role_changed.disconnect(dispatch_uid="broken-audit")
    assert not clerk.role_grants.exists()


def test_staff_create_signals_each_initial_role_and_forces_a_password_change(signals):
    staff = staff_create(username="new1", display_name="新人", organisation=Organisation.HEAD_OFFICE,
                         roles=[Role.WARD_CLERK, Role.INQUIRY], password="irrelevant-pass", actor=None, reason="採用")
    assert staff.must_change_password is True
    assert sorted((role, action) for role, action, _, _ in signals) == [
        (Role.INQUIRY, "granted"), (Role.WARD_CLERK, "granted")]
