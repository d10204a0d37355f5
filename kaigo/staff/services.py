from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from kaigo.staff.models import RoleGrant, Staff
from kaigo.staff.roles import Organisation, Role


def staff_create(
    *,
    username: str,
    display_name: str,
    organisation: Organisation,
    roles: Iterable[Role],
    password: str,
    actor: Staff | None,
    reason: str,
) -> Staff:
    """Create a personal staff account holding ``roles``; each grant records who and why."""
    with transaction.atomic():
        staff = Staff(username=username, display_name=display_name, organisation=organisation)
        staff.set_password(password)
        staff.full_clean(exclude=["password"])
        staff.save()
        RoleGrant.objects.bulk_create(
            RoleGrant(staff=staff, role=role, granted_by=actor, grant_reason=reason) for role in roles
        )
    return staff
