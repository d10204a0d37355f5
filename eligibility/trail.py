"""The change trail of eligibility's tables (docs/subsystems/audit.md, "Change trail"; how an app
declares its trail: "How an app declares its trail" there). Imported at the end of
eligibility/models.py; the event models belong to this app and eligibility's migrations create
their tables (``eligibility_<model>event``), make them append-only and install the triggers.

Not copied: the resident's blind indexes (derived from the encrypted values, so they change
exactly when a ciphertext does, and keyed with a city-wide key that shredding does not destroy),
``created_at``/``updated_at`` (the event's ``pgh_created_at`` says when), a stay's
``decided_at``. Encrypted columns are copied as the ciphertext they are (audit.trail_models).

A person's trail screen (audit) shows the resident's events and those of every household the
resident was recorded in (by the resident's events, or the live row).
"""

from __future__ import annotations

from audit.trail_models import event_model, person_trail_source
from eligibility.models import (
    Facility,
    FacilityStay,
    Household,
    InsuredNumber,
    ManualMove,
    QualificationPeriod,
    ResidenceSpell,
    Resident,
)

RESIDENT_NOT_COPIED = ["my_number_bidx", "kana_name_bidx", "kana_surname_birth_bidx", "created_at", "updated_at"]

ResidentEvent = event_model(Resident, model_name="ResidentEvent", verbose_name="宛名の変更履歴", exclude=RESIDENT_NOT_COPIED)
HouseholdEvent = event_model(Household, model_name="HouseholdEvent", verbose_name="世帯の変更履歴")

# Qualification facts and history (issue #4): the bitemporal periods keep their own revisions;
# the trail records who wrote or closed each row, by any path.
ResidenceSpellEvent = event_model(ResidenceSpell, model_name="ResidenceSpellEvent", verbose_name="住民登録期間の変更履歴")
FacilityStayEvent = event_model(FacilityStay, model_name="FacilityStayEvent", verbose_name="施設入所の変更履歴",
                                exclude=["decided_at"])
InsuredNumberEvent = event_model(InsuredNumber, model_name="InsuredNumberEvent", verbose_name="被保険者番号の変更履歴")
# The facility master (issue 16): who added, changed or closed a facility. Not personal data, so not
# on a person's trail screen.
# Moves entered by hand (issue 16): who entered, confirmed or cancelled one.
ManualMoveEvent = event_model(ManualMove, model_name="ManualMoveEvent", verbose_name="転出・転居の手入力の変更履歴",
                              exclude=["entered_at"])
FacilityEvent = event_model(Facility, model_name="FacilityEvent", verbose_name="施設マスタの変更履歴")
QualificationPeriodEvent = event_model(QualificationPeriod, model_name="QualificationPeriodEvent",
                                       verbose_name="資格期間の変更履歴")

person_trail_source(ResidentEvent, key="r", rank=2, label="宛名", where="e.pgh_obj_id = %(person)s")
person_trail_source(
    HouseholdEvent, key="h", rank=1, label="世帯",
    where=(
        f"e.pgh_obj_id IN (SELECT r.household_id FROM {ResidentEvent._meta.db_table} r"
        " WHERE r.pgh_obj_id = %(person)s AND r.household_id IS NOT NULL"
        f" UNION SELECT p.household_id FROM {Resident._meta.db_table} p"
        " WHERE p.id = %(person)s AND p.household_id IS NOT NULL)"
    ),
)
