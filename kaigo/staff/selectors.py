"""Reads of staff accounts for the account screens (no personal data of residents here)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from kaigo.staff.models import AccountRequest, AccountRequestStatus, RoleGrant, Staff
from kaigo.staff.roles import Role

STAFF_LIST_LIMIT = 1000
ROLE_ORDER = {role.value: index for index, role in enumerate(Role)}


def _with_second_factor(queryset: QuerySet[Staff]) -> QuerySet[Staff]:
    return queryset.annotate(
        has_second_factor=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True))
    )


def staff_list(*, limit: int = STAFF_LIST_LIMIT) -> list[Staff]:
    """Accounts by organisation and username, each with ``current_grants`` (in force now) and
    ``has_second_factor``: two queries whatever the number of accounts."""
    queryset = Staff.objects.order_by("organisation", "username").prefetch_related(
        Prefetch("role_grants", queryset=RoleGrant.objects.in_force(), to_attr="current_grants")
    )
    staff = list(_with_second_factor(queryset)[:limit])
    for member in staff:  # in the order Role lists them
        member.current_grants.sort(key=lambda grant: ROLE_ORDER[grant.role])
    return staff


def staff_get(*, staff_id: int) -> Staff:
    return _with_second_factor(Staff.objects.all()).get(pk=staff_id)


def staff_role_history(*, staff: Staff) -> list[RoleGrant]:
    """Every grant of ``staff``, newest first, with who granted and revoked it."""
    return list(
        RoleGrant.objects.filter(staff=staff).select_related("granted_by", "revoked_by").order_by("-valid_from", "-pk")
    )


def role_grant_get(*, grant_id: int) -> RoleGrant:
    return RoleGrant.objects.select_related("staff").get(pk=grant_id)


def account_requests(*, limit: int = 200) -> list[AccountRequest]:
    """Requests to create or disable an account: pending first (oldest first), then the decided
    ones, newest first; with who asked and who decided (one query)."""
    base = AccountRequest.objects.select_related("staff", "requested_by", "decided_by")
    pending = list(base.filter(status=AccountRequestStatus.PENDING).order_by("requested_at", "pk")[:limit])
    decided = list(base.exclude(status=AccountRequestStatus.PENDING).order_by("-decided_at", "-pk")[:limit])
    return pending + decided


def account_request_get(*, request_id: int) -> AccountRequest:
    return AccountRequest.objects.select_related("staff", "requested_by", "decided_by").get(pk=request_id)


def staff_account_requests(*, staff: Staff) -> list[AccountRequest]:
    """The requests about one account (its creation, its disabling), newest first."""
    return list(AccountRequest.objects.filter(staff=staff).select_related("requested_by", "decided_by")
                .order_by("-requested_at", "-pk"))


def staff_by_number(username: str) -> Staff | None:
    return Staff.objects.filter(username__iexact=username).first()
