"""Who may change a person's certification data: the role AND the ward scope, checked by every
write service of certification itself (ARCHITECTURE.md section 4), as premiums' services do:
a ward's certification clerks (地域みまもり支援センター) update the cases of their own ward's residents,
the head office those of every ward. The ward is read through eligibility's public selectors."""

from __future__ import annotations

from eligibility.residents.selectors import UPDATE_NOT_PERMITTED, require_resident_update
from kaigo.errors import NotPermitted
from kaigo.staff.roles import has_permission


def require_certification_update(actor, resident_id: int, *, permission: str = "certification.update") -> None:
    """NotPermitted (a Japanese message without personal data) unless ``actor`` holds
    ``permission`` and the resident lives in the actor's own ward (head office: any ward)."""
    require_resident_update(actor, resident_id, permission=permission)


def require_permission(actor, permission: str) -> None:
    """NotPermitted unless ``actor`` holds ``permission`` (writes that concern no one person:
    the board's panels and sessions)."""
    if not has_permission(actor, permission):
        raise NotPermitted(UPDATE_NOT_PERMITTED)
