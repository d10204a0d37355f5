from __future__ import annotations

from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q

from kaigo.staff.roles import Organisation, Role


class Staff(AbstractUser):
    """A personal staff account (no shared IDs) with its home organisation."""

    organisation = models.CharField("所属", max_length=32, choices=Organisation.choices)
    display_name = models.CharField("氏名", max_length=100)

    class Meta:
        verbose_name = "職員"
        verbose_name_plural = "職員"

    def __str__(self) -> str:
        return self.username

    @cached_property
    def active_roles(self) -> frozenset[Role]:
        """Roles in force now; read once per request."""
        return frozenset(Role(r) for r in self.role_grants.filter(revoked_at__isnull=True).values_list("role", flat=True))


class RoleGrant(models.Model):
    """One role held by one staff member, from its grant to its revocation (kept as history)."""

    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="role_grants")
    role = models.CharField("役割", max_length=32, choices=Role.choices)
    granted_at = models.DateTimeField("付与日時", auto_now_add=True)
    granted_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    grant_reason = models.CharField("付与理由", max_length=200)
    revoked_at = models.DateTimeField("取消日時", null=True, blank=True)
    revoked_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    revoke_reason = models.CharField("取消理由", max_length=200, blank=True)

    class Meta:
        verbose_name = "役割の付与"
        constraints = [
            models.UniqueConstraint(
                fields=["staff", "role"], condition=Q(revoked_at__isnull=True), name="one_active_grant_per_role"
            ),
        ]
