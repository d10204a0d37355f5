"""Who may change a person's premium data: the role AND the ward scope, checked by every write
service of premiums itself (ARCHITECTURE.md section 4), as eligibility's services do with
``require_person_update``: updates are limited to the residents of the staff member's own ward
(the head office: every ward), whatever the view setting. The ward is read through eligibility's
public selectors (``home_wards``, ``ward_residents``); nothing is decrypted."""

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


def require_premium_update(actor, resident_id: int, *, permission: str) -> None:
    """NotPermitted (a Japanese message without personal data) unless ``actor`` holds
    ``permission`` and the resident lives in the actor's own ward (head office: any ward)."""
    if not has_permission(actor, permission):
        raise NotPermitted(UPDATE_NOT_PERMITTED)
    wards = home_wards(actor)
    if wards >= ALL_WARDS:
        return
    if not any(ward_residents(ward, [resident_id]) for ward in sorted(wards)):
        raise NotPermitted(UPDATE_OUTSIDE_WARD)
