from __future__ import annotations

from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone

from kaigo.staff.roles import Organisation, Role


class Staff(AbstractUser):
    """A personal staff account (no shared IDs) with its home organisation."""

    organisation = models.CharField("所属", max_length=32, choices=Organisation.choices)
    display_name = models.CharField("氏名", max_length=100)
    # Set for a new account and after an administrator's reset: until the staff member chooses
    # their own password, every screen leads to the change page (kaigo.staff.middleware).
    must_change_password = models.BooleanField("パスワード変更が必要", default=True)
    # A temporary (system-generated) password stops working at this moment (ASVS 6.4.1).
    # Null for a password the staff member chose: there is no periodic expiry.
    temporary_password_expires_at = models.DateTimeField("仮パスワードの有効期限", null=True, blank=True)

    class Meta:
        verbose_name = "職員"
        verbose_name_plural = "職員"

    def __str__(self) -> str:
        return self.username

    @cached_property
    def active_roles(self) -> frozenset[Role]:
        """Roles in force now; read once per request."""
        return frozenset(Role(r) for r in self.role_grants.in_force().values_list("role", flat=True))


class RoleGrantQuerySet(models.QuerySet):
    def in_force(self, at=None):
        """Grants in force at ``at`` (default now): started, and not (yet) revoked."""
        at = at or timezone.now()
        return self.filter(Q(valid_from__lte=at), Q(revoked_at__isnull=True) | Q(revoked_at__gt=at))

    def not_ended(self, at=None):
        """Grants in force now or scheduled to start: those a new grant of the same role would duplicate."""
        at = at or timezone.now()
        return self.filter(Q(revoked_at__isnull=True) | Q(revoked_at__gt=at))


class RoleGrant(models.Model):
    """One role held by one staff member, from its grant to its revocation (kept as history).

    ``valid_from`` and ``revoked_at`` are the moments the grant takes and stops taking effect
    (the effective dates the section chief chose: now, or 0:00 of a later day); ``granted_at``
    and ``revocation_recorded_at`` are when the chief recorded each decision.
    """

    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="role_grants")
    role = models.CharField("役割", max_length=32, choices=Role.choices)
    granted_at = models.DateTimeField("付与日時", auto_now_add=True)
    valid_from = models.DateTimeField("効力発生日時", default=timezone.now)
    granted_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    grant_reason = models.CharField("付与理由", max_length=200)
    revoked_at = models.DateTimeField("取消日時", null=True, blank=True)
    revocation_recorded_at = models.DateTimeField("取消の記録日時", null=True, blank=True)
    revoked_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    revoke_reason = models.CharField("取消理由", max_length=200, blank=True)

    objects = RoleGrantQuerySet.as_manager()

    class Meta:
        verbose_name = "役割の付与"
        constraints = [
            models.UniqueConstraint(
                fields=["staff", "role"], condition=Q(revoked_at__isnull=True), name="one_active_grant_per_role"
            ),
            models.CheckConstraint(condition=~Q(grant_reason=""), name="role_grant_has_reason"),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True, revoke_reason="")
                | (Q(revoked_at__isnull=False) & ~Q(revoke_reason="")),
                name="role_revocation_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | Q(revoked_at__gte=models.F("valid_from")),
                name="role_revocation_after_start",
            ),
        ]

    def status_label(self, at=None) -> str:
        """The grant's state at ``at`` (default now), as the account screens show it."""
        at = at or timezone.now()
        if self.revoked_at is not None and self.revoked_at <= at:
            return "取消済み"
        if self.valid_from > at:
            return "付与予定"
        if self.revoked_at is not None:
            return "有効（取消予定）"
        return "有効"


class AccountRequestKind(models.TextChoices):
    CREATE = "create", "アカウントの作成"
    DISABLE = "disable", "アカウントの無効化"


class AccountRequestStatus(models.TextChoices):
    PENDING = "pending", "決定待ち"
    APPROVED = "approved", "承認"
    REJECTED = "rejected", "却下"


class AccountRequest(models.Model):
    """A request to create or disable a staff account (職員管理の申請) and the section chief's
    decision on it: who asked, when and why; who decided, when, what and why. The approval of a
    creation grants the requested role through ``RoleGrant`` (granted by the deciding chief, its
    reason naming this request); the approval of a disabling revokes the account's grants the same
    way. Kept for good: the history of an account's access begins and ends here."""

    kind = models.CharField("申請の種類", max_length=16, choices=AccountRequestKind.choices)
    status = models.CharField("状態", max_length=16, choices=AccountRequestStatus.choices,
                              default=AccountRequestStatus.PENDING)
    # a creation: the account asked for (職員番号 = the user name)
    username = models.CharField("職員番号", max_length=30, blank=True, default="")
    display_name = models.CharField("氏名", max_length=100, blank=True, default="")
    organisation = models.CharField("所属", max_length=32, choices=Organisation.choices, blank=True, default="")
    role = models.CharField("役割", max_length=32, choices=Role.choices, blank=True, default="")
    # a disabling: the account; a creation approved: the account created
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="account_requests")
    reason = models.CharField("申請の理由", max_length=200)
    requested_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField("申請日時", auto_now_add=True)
    decided_by = models.ForeignKey(Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField("決定日時", null=True, blank=True)
    decision_reason = models.CharField("決定の理由", max_length=200, blank=True, default="")

    class Meta:
        verbose_name = "職員管理の申請"
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="account_request_has_reason"),
            # nobody decides their own request
            models.CheckConstraint(condition=Q(decided_by__isnull=True) | ~Q(decided_by=models.F("requested_by")),
                                   name="account_request_not_self_decided"),
            models.CheckConstraint(
                condition=Q(status="pending", decided_by__isnull=True, decided_at__isnull=True)
                | (~Q(status="pending") & Q(decided_by__isnull=False, decided_at__isnull=False)),
                name="account_request_decided_by_whom"),
            models.CheckConstraint(
                condition=Q(kind="create") & ~Q(username="") & ~Q(display_name="") & ~Q(organisation="") & ~Q(role="")
                | Q(kind="disable", staff__isnull=False),
                name="account_request_kind_fields"),
            models.UniqueConstraint(fields=["username"], condition=Q(kind="create", status="pending"),
                                    name="account_request_one_pending_creation"),
            models.UniqueConstraint(fields=["staff"], condition=Q(kind="disable", status="pending"),
                                    name="account_request_one_pending_disabling"),
        ]
