"""Who may change a person's premium data: the role AND the ward scope, checked by every write
service of premiums itself (ARCHITECTURE.md section 4), as eligibility's services do with
``require_person_update``: updates are limited to the residents of the staff member's own ward
(the head office: every ward), whatever the view setting. The ward is read through eligibility's
public selectors (``home_wards``, ``ward_residents``); nothing is decrypted."""

from __future__ import annotations

from eligibility.residents.selectors import require_resident_update


def require_premium_update(actor, resident_id: int, *, permission: str) -> None:
    """NotPermitted (a Japanese message without personal data) unless ``actor`` holds
    ``permission`` and the resident lives in the actor's own ward (head office: any ward)."""
    require_resident_update(actor, resident_id, permission=permission)
