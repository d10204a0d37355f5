"""The change trail's tables (docs/adr/0006-change-trail.md, docs/subsystems/audit.md).

Every INSERT, UPDATE and DELETE of a tracked table writes one event row in the same transaction,
from a PostgreSQL trigger (django-pghistory on django-pgtrigger): ``save()``, ``bulk_create``,
``bulk_update``, ``QuerySet.update``, raw SQL and COPY alike.

The tracked models belong to other apps. They are tracked through proxy models of the audit app
(``TrackedResident`` ...), so that the triggers, like the event tables, are migrated by the audit
app (pghistory's documented way for models it does not own). Imported by audit/models.py.

What an event row holds:

- ``pgh_id``, ``pgh_created_at`` (start of the writing transaction), ``pgh_label`` (``insert``,
  ``update``, ``delete``), ``pgh_obj`` (the row's primary key; no constraint: rows are deleted
  after their retention period, their trail stays), ``pgh_context_id`` and ``pgh_context``:
  who and what made the change (audit/trail.py: staff id, user name, URL or function, batch run
  id), copied onto each event row (no shared, updatable context table).
- The row after the change (for ``delete``: before it), column by column, except:
  - encrypted columns are copied as the **ciphertext** they are (``BinaryField``, never an
    ``EncryptedTextField``: nothing here can decrypt). The ciphertext stays bound by its AES-GCM
    associated data to the original table, column, person and row, so it is unreadable without
    the person's data key and is crypto-shredded with the person;
  - blind indexes are not copied: they are derived from the encrypted values, so they change
    exactly when a ciphertext does, and they are keyed with a city-wide key that shredding does
    not destroy;
  - ``created_at`` / ``updated_at`` of the row (``pgh_created_at`` says when);
  - Staff's password hash and ``last_login``: never copied, and changing only those writes no event.
"""

from __future__ import annotations

import pghistory
from django.db import models
from pghistory.models import Event, EventQuerySet

from audit.trail import RESIDENT_NOT_COPIED, STAFF_NOT_COPIED
from eligibility.models import FacilityStay, Household, InsuredNumber, QualificationPeriod, ResidenceSpell, Resident
from kaigo.crypto.fields import EncryptedTextField
from kaigo.staff.models import RoleGrant, Staff
from premiums.models import (
    DeductionStop,
    Payment,
    PensionFact,
    PreliminaryPayment,
    PremiumCollectionPlan,
    PremiumRateTable,
    PremiumStage,
    Reduction,
    Settlement,
    TaxFact,
    WriteOff,
)


class TrailEventQuerySet(EventQuerySet):
    """Event rows are written by the triggers only; the database refuses UPDATE and DELETE.
    These guards make a mistaken ORM write fail at once, in Python."""

    def bulk_create(self, *args, **kwargs):
        raise TypeError(f"{self.model.__name__} rows are written by the database triggers only")

    def bulk_update(self, *args, **kwargs):
        raise TypeError(f"{self.model.__name__} rows are never updated")

    def update(self, **kwargs):
        raise TypeError(f"{self.model.__name__} rows are never updated")

    def delete(self):
        raise TypeError(f"{self.model.__name__} rows are never deleted")


class TrailEvent(Event):
    # bigint like every id of the project (pghistory's default is a 32-bit serial)
    pgh_id = models.BigAutoField(primary_key=True)

    objects = TrailEventQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        raise TypeError(f"{type(self).__name__} rows are written by the database triggers only")

    def delete(self, *args, **kwargs):
        raise TypeError(f"{type(self).__name__} rows are never deleted")


# --- the tracked models, as proxies of the audit app -------------------------------------------


class TrackedResident(Resident):
    class Meta:
        proxy = True
        default_permissions = ()
        verbose_name = "宛名（変更履歴の記録対象）"


class TrackedHousehold(Household):
    class Meta:
        proxy = True
        default_permissions = ()
        verbose_name = "世帯（変更履歴の記録対象）"


class TrackedStaff(Staff):
    class Meta:
        proxy = True
        default_permissions = ()
        verbose_name = "職員（変更履歴の記録対象）"


class TrackedRoleGrant(RoleGrant):
    class Meta:
        proxy = True
        default_permissions = ()
        verbose_name = "役割の付与（変更履歴の記録対象）"


class TrackedResidenceSpell(ResidenceSpell):
    class Meta:
        proxy = True
        default_permissions = ()
        verbose_name = "住民登録期間（変更履歴の記録対象）"


class TrackedFacilityStay(FacilityStay):
    class Meta:
        proxy = True
        default_permissions = ()
        verbose_name = "施設入所（変更履歴の記録対象）"


class TrackedInsuredNumber(InsuredNumber):
    class Meta:
        proxy = True
        default_permissions = ()
        verbose_name = "被保険者番号（変更履歴の記録対象）"


class TrackedQualificationPeriod(QualificationPeriod):
    class Meta:
        proxy = True
        default_permissions = ()
        verbose_name = "資格期間（変更履歴の記録対象）"


class TrackedPremiumRateTable(PremiumRateTable):
    class Meta:
        proxy = True
        default_permissions = ()
        verbose_name = "保険料率表（変更履歴の記録対象）"


class TrackedPremiumStage(PremiumStage):
    class Meta:
        proxy = True
        default_permissions = ()
        verbose_name = "所得段階（変更履歴の記録対象）"


class TrackedPremiumCollectionPlan(PremiumCollectionPlan):
    class Meta:
        proxy = True
        default_permissions = ()
        verbose_name = "徴収計画（変更履歴の記録対象）"


class TrackedTaxFact(TaxFact):
    class Meta:
        proxy = True
        default_permissions = ()
        verbose_name = "課税情報（変更履歴の記録対象）"


class TrackedPensionFact(PensionFact):
    class Meta:
        proxy = True
        default_permissions = ()
        verbose_name = "特別徴収対象者情報（変更履歴の記録対象）"


class TrackedPayment(Payment):
    class Meta:
        proxy = True
        default_permissions = ()
        verbose_name = "収納（変更履歴の記録対象）"


class TrackedSettlement(Settlement):
    class Meta:
        proxy = True
        default_permissions = ()
        verbose_name = "還付・充当（変更履歴の記録対象）"


class TrackedWriteOff(WriteOff):
    class Meta:
        proxy = True
        default_permissions = ()
        verbose_name = "不納欠損（変更履歴の記録対象）"


class TrackedReduction(Reduction):
    class Meta:
        proxy = True
        default_permissions = ()
        verbose_name = "減免・徴収猶予（変更履歴の記録対象）"


class TrackedDeductionStop(DeductionStop):
    class Meta:
        proxy = True
        default_permissions = ()
        verbose_name = "特別徴収の不能（変更履歴の記録対象）"


class TrackedPreliminaryPayment(PreliminaryPayment):
    class Meta:
        proxy = True
        default_permissions = ()
        verbose_name = "コンビニ速報（変更履歴の記録対象）"


def _changed(columns: list[str]) -> pghistory.Condition:
    """An UPDATE writes an event when one of these columns changed (written out here rather
    than with pghistory.AnyChange, whose field lookups encrypted fields refuse)."""
    return pghistory.Condition(" OR ".join(f'OLD."{c}" IS DISTINCT FROM NEW."{c}"' for c in columns))


def _event_model(tracked: type[models.Model], *, model_name: str, verbose_name: str, exclude: list[str]):
    """An event model of ``tracked`` with insert, update and delete trackers.

    Encrypted fields become BinaryFields on the same column (the ciphertext as it is); the fields
    in ``exclude`` are not copied and changing only them writes no event."""
    concrete = tracked._meta.concrete_model
    encrypted = [f for f in concrete._meta.concrete_fields if isinstance(f, EncryptedTextField)]
    kept = [f for f in concrete._meta.concrete_fields if f.name not in exclude]
    ciphertext = {
        f.name: models.BinaryField(f"{f.verbose_name}（暗号文）", db_column=f.column, null=True, editable=False)
        for f in encrypted if f.name not in exclude
    }
    return pghistory.create_event_model(
        tracked,
        pghistory.InsertEvent(),
        pghistory.UpdateEvent(condition=_changed([f.column for f in kept])),
        pghistory.DeleteEvent(),
        exclude=[*exclude, *(f.name for f in encrypted)],
        obj_field=pghistory.ObjForeignKey(related_name="+", related_query_name="+"),
        context_field=pghistory.ContextJSONField(),
        append_only=False,  # append-only by audit/migrations (statement trigger, SQLSTATE 42501)
        model_name=model_name,
        app_label="audit",
        base_model=TrailEvent,
        attrs=ciphertext,
        meta={"verbose_name": verbose_name, "verbose_name_plural": verbose_name, "default_permissions": ()},
        abstract=False,
    )


ResidentEvent = _event_model(
    TrackedResident, model_name="ResidentEvent", verbose_name="宛名の変更履歴", exclude=RESIDENT_NOT_COPIED
)
HouseholdEvent = _event_model(TrackedHousehold, model_name="HouseholdEvent", verbose_name="世帯の変更履歴", exclude=[])
StaffEvent = _event_model(TrackedStaff, model_name="StaffEvent", verbose_name="職員の変更履歴", exclude=STAFF_NOT_COPIED)
RoleGrantEvent = _event_model(
    TrackedRoleGrant, model_name="RoleGrantEvent", verbose_name="役割の付与の変更履歴", exclude=[]
)

# Qualification facts and history (issue #4): the bitemporal periods keep their own revisions;
# the trail records who wrote or closed each row, by any path.
ResidenceSpellEvent = _event_model(TrackedResidenceSpell, model_name="ResidenceSpellEvent",
                                   verbose_name="住民登録期間の変更履歴", exclude=[])
FacilityStayEvent = _event_model(TrackedFacilityStay, model_name="FacilityStayEvent",
                                 verbose_name="施設入所の変更履歴", exclude=["decided_at"])
InsuredNumberEvent = _event_model(TrackedInsuredNumber, model_name="InsuredNumberEvent",
                                  verbose_name="被保険者番号の変更履歴", exclude=[])
QualificationPeriodEvent = _event_model(TrackedQualificationPeriod, model_name="QualificationPeriodEvent",
                                        verbose_name="資格期間の変更履歴", exclude=[])

# Premium rate tables and collection plans (issue #5): who drafted, edited, approved or closed a
# year's rates, by any path.
PremiumRateTableEvent = _event_model(TrackedPremiumRateTable, model_name="PremiumRateTableEvent",
                                     verbose_name="保険料率表の変更履歴", exclude=["created_at"])
PremiumStageEvent = _event_model(TrackedPremiumStage, model_name="PremiumStageEvent",
                                 verbose_name="所得段階の変更履歴", exclude=[])
PremiumCollectionPlanEvent = _event_model(TrackedPremiumCollectionPlan, model_name="PremiumCollectionPlanEvent",
                                          verbose_name="徴収計画の変更履歴", exclude=["created_at"])

# A person's premium facts and money (issue #3: every write path of personal data): tax facts and
# pension listings (their revisions), payments, refunds and offsets, write-offs, reductions and
# deferrals with their decisions, deductions not made, store 速報. Levies and their installments
# are not tracked: they are revisions written only by the levy batches (a million levy rows and
# seven million installments a year), each naming its batch run.
TaxFactEvent = _event_model(TrackedTaxFact, model_name="TaxFactEvent", verbose_name="課税情報の変更履歴", exclude=[])
PensionFactEvent = _event_model(TrackedPensionFact, model_name="PensionFactEvent", verbose_name="特別徴収対象者情報の変更履歴", exclude=[])
PaymentEvent = _event_model(TrackedPayment, model_name="PaymentEvent", verbose_name="収納の変更履歴", exclude=[])
SettlementEvent = _event_model(TrackedSettlement, model_name="SettlementEvent", verbose_name="還付・充当の変更履歴", exclude=[])
WriteOffEvent = _event_model(TrackedWriteOff, model_name="WriteOffEvent", verbose_name="不納欠損の変更履歴", exclude=[])
ReductionEvent = _event_model(TrackedReduction, model_name="ReductionEvent", verbose_name="減免・徴収猶予の変更履歴", exclude=[])
DeductionStopEvent = _event_model(TrackedDeductionStop, model_name="DeductionStopEvent", verbose_name="特別徴収の不能の変更履歴", exclude=[])
PreliminaryPaymentEvent = _event_model(TrackedPreliminaryPayment, model_name="PreliminaryPaymentEvent", verbose_name="コンビニ速報の変更履歴", exclude=[])

TRAIL_EVENT_MODELS = [ResidentEvent, HouseholdEvent, StaffEvent, RoleGrantEvent, ResidenceSpellEvent,
                      FacilityStayEvent, InsuredNumberEvent, QualificationPeriodEvent, PremiumRateTableEvent,
                      PremiumStageEvent, PremiumCollectionPlanEvent, TaxFactEvent, PensionFactEvent, PaymentEvent,
                      SettlementEvent, WriteOffEvent, ReductionEvent, DeductionStopEvent, PreliminaryPaymentEvent]
