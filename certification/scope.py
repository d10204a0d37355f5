"""Who may change a person's certification data: the role AND the ward scope, checked by every
write service of certification itself (ARCHITECTURE.md section 4), as premiums' services do:
a ward's certification clerks (地域みまもり支援センター) update the cases of their own ward's residents,
the head office those of every ward. The ward is read through eligibility's public selectors."""

from __future__ import annotations

from eligibility.residents.selectors import (
    ALL_WARDS,
    UPDATE_NOT_PERMITTED,
    UPDATE_OUTSIDE_WARD,
    home_wards,
    ward_residents,
)
from kaigo.errors import NotPermitted
from kaigo.staff.roles import has_permission


def require_certification_update(actor, resident_id: int, *, permission: str = "certification.update") -> None:
    """NotPermitted (a Japanese message without personal data) unless ``actor`` holds
    ``permission`` and the resident lives in the actor's own ward (head office: any ward)."""
    if not has_permission(actor, permission):
        raise NotPermitted(UPDATE_NOT_PERMITTED)
    wards = home_wards(actor)
    if wards >= ALL_WARDS:
        return
    if not any(ward_residents(ward, [resident_id]) for ward in sorted(wards)):
        raise NotPermitted(UPDATE_OUTSIDE_WARD)


def require_permission(actor, permission: str) -> None:
    """NotPermitted unless ``actor`` holds ``permission`` (writes that concern no one person:
    the board's panels and sessions)."""
    if not has_permission(actor, permission):
        raise NotPermitted(UPDATE_NOT_PERMITTED)
