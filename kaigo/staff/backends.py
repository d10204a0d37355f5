"""The authentication backend: Django's ModelBackend, except that loading the signed-in staff
member on every request also reads their roles in force, in the same query (one round trip to
the database fewer on every page).

The query is written once as SQL rather than built by the ORM on each request: compiling the
annotated queryset cost about 0.7 ms per request, more than half of a bare page's own work
(bench/person_screens.py, docs/subsystems/accounts.md)."""

from __future__ import annotations

from functools import cache

from django.contrib.auth.backends import ModelBackend
from django.db import connections, router
from django.utils import timezone

from kaigo.staff.models import RoleGrant, Staff
from kaigo.staff.roles import Role


@cache
def _staff_sql() -> tuple[str, tuple[str, ...]]:
    """The staff row and the roles in force at %s (same rule as RoleGrantQuerySet.in_force)."""
    fields = tuple(f.attname for f in Staff._meta.concrete_fields)
    staff, grant = Staff._meta.db_table, RoleGrant._meta.db_table
    columns = ", ".join(f's."{f.column}"' for f in Staff._meta.concrete_fields)
    sql = (f'SELECT {columns}, coalesce((SELECT array_agg(g."role") FROM "{grant}" g WHERE g."staff_id" = s."id" '
           f'AND g."valid_from" <= %s AND (g."revoked_at" IS NULL OR g."revoked_at" > %s)), ARRAY[]::varchar[]) '
           f'FROM "{staff}" s WHERE s."id" = %s')
    return sql, fields


class StaffBackend(ModelBackend):
    def get_user(self, user_id):
        sql, fields = _staff_sql()
        now = timezone.now()
        db = router.db_for_read(Staff)
        with connections[db].cursor() as cursor:
            cursor.execute(sql, [now, now, user_id])
            row = cursor.fetchone()
        if row is None:
            return None
        user = Staff.from_db(db, fields, row[:-1])
        if not self.user_can_authenticate(user):
            return None
        # the cached_property Staff.active_roles, filled from the same row
        user.__dict__["active_roles"] = frozenset(Role(r) for r in row[-1] if r)
        return user
