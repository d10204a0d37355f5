"""Which residents a staff member's home organisation covers (ARCHITECTURE.md section 4).

The policy (docs/subsystems/persons.md, "Ward scope"); other apps read it through
eligibility.residents.selectors, which re-exports it as part of its public API:

- **Views**: by default (``KAIGO_WARD_VIEW_SCOPE = "city"``) ward-office staff search and open
  residents of the whole city: a resident may come to any ward office. An access to a resident
  outside the staff member's own ward is flagged in the access log (``.outside_ward``). With
  ``"ward"`` the office restricts views to its own ward's residents: searches leave the others
  out and opening one is refused (403) and logged as a denied access.
- **Updates** are limited to the own ward's residents, whatever the view setting:
  ``require_person_update`` is what every service that changes a person's data calls.
- The head office (本庁 介護保険課) covers every ward; an account of any other organisation
  (or no account) covers none.
- **Sensitive persons** (支援措置): their address, phone and the measure's reason are shown only
  to holders of ``person.sensitive.view``, and only for residents of their own ward
  (``sensitive_visible``); every access to them is flagged (``.sensitive``) whoever reads.

These are the organisation's scope only: what a role may do is checked by its named permission
(``kaigo.staff.roles``), here only when ``permission`` is passed. Batches that act for the city
(no staff member) do not call these checks.
"""

from __future__ import annotations

from django.conf import settings

from eligibility.codes import Ward
from kaigo.errors import NotPermitted
from kaigo.staff.roles import Organisation, has_permission

VIEW_SCOPE_CITY = "city"
VIEW_SCOPE_WARD = "ward"
VIEW_SCOPES = (VIEW_SCOPE_CITY, VIEW_SCOPE_WARD)

ALL_WARDS: frozenset[str] = frozenset(Ward.values)
# The ward each ward office serves ("ward_nakahara" -> "nakahara").
WARD_OF_OFFICE: dict[str, str] = {Ward(w).organisation: w for w in Ward.values}

UPDATE_OUTSIDE_WARD = "他の区の住民の情報は更新できません（更新できるのは所属する区役所の区の住民です）。"
UPDATE_NOT_PERMITTED = "この操作を行う権限がありません。"
VIEW_OUTSIDE_WARD = "この宛名は所属する区の住民ではないため表示できません（区の住民に限って表示する設定です）。"
# Shown in place of the address and phone of a protected person (支援措置) to other staff.
SENSITIVE_HIDDEN = "支援措置対象のため表示できません"


def _signed_in(actor) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and getattr(actor, "is_active", False))


def home_wards(actor) -> frozenset[str]:
    """The wards whose residents the staff member's home organisation serves: every ward for the
    head office, its own ward for a ward office, none for anyone else."""
    if not _signed_in(actor):
        return frozenset()
    organisation = getattr(actor, "organisation", "")
    if organisation == Organisation.HEAD_OFFICE:
        return ALL_WARDS
    ward = WARD_OF_OFFICE.get(organisation)
    return frozenset({ward}) if ward else frozenset()


def in_home_ward(actor, ward: str) -> bool:
    """True if a resident of ``ward`` is in the staff member's own area (head office: always)."""
    return ward in home_wards(actor)


def view_scope() -> str:
    """"city" or "ward": the office's decision (settings.KAIGO_WARD_VIEW_SCOPE)."""
    return settings.KAIGO_WARD_VIEW_SCOPE


def viewable_wards(actor) -> frozenset[str]:
    """The wards whose residents the staff member may search and open (the role permitting)."""
    return ALL_WARDS if view_scope() == VIEW_SCOPE_CITY else home_wards(actor)


def person_view_allowed(actor, resident) -> bool:
    """May the staff member see this resident (anything with a ``ward``), as far as the
    organisation's scope goes? The role's ``person.view`` is checked by the screen."""
    return resident.ward in viewable_wards(actor)


def sensitive_visible(actor, resident) -> bool:
    """May the staff member see the address, phone and reason of a person under a support measure
    (支援措置, e.g. DV protection)? Only holders of ``person.sensitive.view`` (designated roles),
    and only for residents of their own ward (head office: every ward)."""
    return has_permission(actor, "person.sensitive.view") and in_home_ward(actor, resident.ward)


def person_update_allowed(actor, resident, *, permission: str | None = None) -> bool:
    """May the staff member change this resident's data? The resident (anything with a
    ``ward``: a Resident, even one read with ``.only("id", "ward")``) must live in the staff
    member's own ward (head office: any ward); with ``permission``, the role must grant it too."""
    if permission is not None and not has_permission(actor, permission):
        return False
    return in_home_ward(actor, resident.ward)


def require_person_update(actor, resident, *, permission: str | None = None) -> None:
    """``person_update_allowed`` or NotPermitted (a Japanese message, without personal data)."""
    if permission is not None and not has_permission(actor, permission):
        raise NotPermitted(UPDATE_NOT_PERMITTED)
    if not in_home_ward(actor, resident.ward):
        raise NotPermitted(UPDATE_OUTSIDE_WARD)
