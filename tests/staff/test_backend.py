"""The authentication backend loads the staff member with their roles in force in one query, and a
grant or revocation takes effect on the very next request."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kaigo.staff.backends import StaffBackend
from kaigo.staff.models import RoleGrant
from kaigo.staff.roles import Role
from kaigo.staff.services import role_grant, role_revoke

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("grants", "expected"), [
    pytest.param([], set(), id="no-role"),
    pytest.param([(Role.WARD_CLERK, -1, None)], {Role.WARD_CLERK}, id="in-force"),
    pytest.param([(Role.WARD_CLERK, 1, None)], set(), id="starts-tomorrow"),
    pytest.param([(Role.WARD_CLERK, -2, -1)], set(), id="revoked-yesterday"),
    pytest.param([(Role.WARD_CLERK, -2, 1)], {Role.WARD_CLERK}, id="revoked-from-tomorrow"),
    pytest.param([(Role.WARD_CLERK, -1, None), (Role.INQUIRY, -1, None), (Role.OPERATOR, -3, -2)],
                 {Role.WARD_CLERK, Role.INQUIRY}, id="several"),
])
def test_roles_in_force_come_with_the_staff_member_in_one_query(make_staff, grants, expected):
    staff = make_staff()
    now = timezone.now()
    for role, start, end in grants:
        RoleGrant.objects.create(staff=staff, role=role, valid_from=now + timedelta(days=start),
                                 grant_reason="試験", revoked_at=None if end is None else now + timedelta(days=end),
                                 revoke_reason="" if end is None else "試験")
    with CaptureQueriesContext(connection) as queries:
        user = StaffBackend().get_user(staff.pk)
        roles = user.active_roles
    assert roles == expected
    assert len(queries) == 1
    # the same rule as the model's own reading
    fresh = type(staff).objects.get(pk=staff.pk)
    assert fresh.active_roles == roles


def test_an_inactive_or_unknown_account_is_not_loaded(make_staff):
    staff = make_staff(Role.WARD_CLERK, is_active=False)
    assert StaffBackend().get_user(staff.pk) is None
    assert StaffBackend().get_user(999_999) is None


def test_a_revocation_and_a_grant_take_effect_on_the_next_request(client_as, make_staff):
    client = client_as(Role.WARD_CLERK)
    chief = make_staff(Role.SECTION_CHIEF)
    assert client.get("/persons/").status_code == 200
    role_revoke(grant=client.staff.role_grants.get(), actor=chief, reason="異動")
    assert client.get("/persons/").status_code == 403
    role_grant(staff=client.staff, role=Role.INQUIRY, actor=chief, reason="照会業務")
    assert client.get("/persons/").status_code == 200
