"""The change trail's generic parts (docs/adr/0006-change-trail.md, docs/subsystems/audit.md):
the base of every event model, ``event_model()`` with which an app declares the trail of one of
its tables, the registry of the person-trail screen's sources, and the trail of core's staff
tables. Imported by audit/models.py.

Every INSERT, UPDATE and DELETE of a tracked table writes one event row in the same transaction,
from a PostgreSQL trigger (django-pghistory on django-pgtrigger): ``save()``, ``bulk_create``,
``bulk_update``, ``QuerySet.update``, raw SQL and COPY alike.

Each app declares the trail of its own tables in ``<app>/trail.py``, imported at the end of its
``models.py`` (eligibility/trail.py, premiums/trail.py): the event models belong to that app,
and its migrations create their tables and the triggers. Core's staff tables (``kaigo.staff``,
below audit) are tracked here, through proxy models of the audit app (pghistory's way for models
of an app that does not declare its own trail), so audit's migrations hold their triggers.

What an event row holds:

- ``pgh_id`` (bigint), ``pgh_created_at`` (start of the writing transaction), ``pgh_label``
  (``insert``, ``update``, ``delete``), ``pgh_obj`` (the row's primary key; no constraint: rows
  are deleted after their retention period, their trail stays), ``pgh_context_id`` and
  ``pgh_context``: who and what made the change (audit/trail.py: staff id, user name, URL or
  function, batch run id), copied onto each event row (no shared, updatable context table).
- The row after the change (for ``delete``: before it), column by column, except:
  - encrypted columns are copied as the **ciphertext** they are (``BinaryField``, never an
    ``EncryptedTextField``: nothing here can decrypt). The ciphertext stays bound by its AES-GCM
    associated data to the original table, column, person and row, so it is unreadable without
    the person's data key and is crypto-shredded with the person;
  - the columns an app excludes: blind indexes (derived from the encrypted values, so they change
    exactly when a ciphertext does, and keyed with a city-wide key that shredding does not
    destroy), ``created_at`` / ``updated_at`` of the row (``pgh_created_at`` says when);
  - Staff's password hash and ``last_login``: never copied, and changing only those writes no event.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import pghistory
from django.apps import apps
from django.db import models
from pghistory.models import Event, EventQuerySet

from audit.trail import STAFF_NOT_COPIED
from kaigo.crypto.fields import EncryptedTextField
from kaigo.staff.models import RoleGrant, Staff


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


def _changed(columns: list[str]) -> pghistory.Condition:
    """An UPDATE writes an event when one of these columns changed (written out here rather
    than with pghistory.AnyChange, whose field lookups encrypted fields refuse)."""
    return pghistory.Condition(" OR ".join(f'OLD."{c}" IS DISTINCT FROM NEW."{c}"' for c in columns))


def event_model(
    tracked: type[models.Model], *, model_name: str, verbose_name: str, exclude: Iterable[str] = ()
) -> type[TrailEvent]:
    """Declare the change trail of ``tracked``: its event model, with insert, update and delete
    triggers, belonging to ``tracked``'s app (whose migrations create its table and triggers).

    Call it in ``<app>/trail.py`` (imported at the end of ``<app>/models.py``) and bind the result
    to ``model_name``. Encrypted fields become BinaryFields on the same column (the ciphertext as
    it is); the fields in ``exclude`` are not copied and changing only them writes no event.
    The app's migrations must also make the event table append-only and the triggers impossible
    to skip (audit.trail_sql.trail_lock_operation)."""
    exclude = list(exclude)
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
        append_only=False,  # append-only by the migrations (statement trigger, SQLSTATE 42501)
        model_name=model_name,
        app_label=tracked._meta.app_label,
        base_model=TrailEvent,
        attrs=ciphertext,
        meta={"verbose_name": verbose_name, "verbose_name_plural": verbose_name, "default_permissions": ()},
        abstract=False,
    )


def trail_event_models() -> list[type[TrailEvent]]:
    """Every event model of the change trail, of every app (Django's app registry)."""
    return [model for model in apps.get_models() if issubclass(model, TrailEvent)]


# --- the person-trail screen's sources --------------------------------------------------------------

SOURCE_KEY = re.compile(r"[a-z]")


@dataclass(frozen=True)
class PersonTrailSource:
    """An event table whose rows belong to a person's change trail (audit.selectors.person_trail)."""

    key: str  # one lower-case letter: the table in the screen's cursors ("r123")
    rank: int  # order among events of the same moment (the higher first)
    label: str  # what the screen's 対象 column says (宛名, 世帯)
    event_model: type[TrailEvent]
    where: str  # SQL condition on the event rows ``e``; ``%(person)s`` is the resident's internal number
    fields: tuple[models.Field, ...]  # the tracked model's copied fields (no primary key), in model order
    encrypted: frozenset[str]  # names of those fields whose copy is a ciphertext (shown as changed only)

    @property
    def table(self) -> str:
        return self.event_model._meta.db_table


_PERSON_TRAIL: dict[str, PersonTrailSource] = {}


def person_trail_source(event_model: type[TrailEvent], *, key: str, rank: int, label: str, where: str) -> None:
    """Show the rows of ``event_model`` that ``where`` selects on the person-trail screen.

    ``where`` is SQL on the event rows aliased ``e`` with the parameter ``%(person)s`` (the
    resident's internal number), for example ``"e.pgh_obj_id = %(person)s"`` or
    ``"e.resident_id = %(person)s"``; the app that owns the table writes it (it knows its columns).
    ``key`` and ``rank`` must be unique among the sources. Call it in ``<app>/trail.py``."""
    if not SOURCE_KEY.fullmatch(key) or key in _PERSON_TRAIL:
        raise ValueError(f"person trail source key {key!r}: one lower-case letter, not yet used")
    if any(source.rank == rank for source in _PERSON_TRAIL.values()):
        raise ValueError(f"person trail source rank {rank} is already used")
    tracked = event_model.pgh_tracked_model._meta.concrete_model
    copied = {f.name for f in event_model._meta.concrete_fields}
    fields = tuple(f for f in tracked._meta.concrete_fields if not f.primary_key and f.name in copied)
    _PERSON_TRAIL[key] = PersonTrailSource(
        key=key, rank=rank, label=label, event_model=event_model, where=where, fields=fields,
        encrypted=frozenset(f.name for f in fields if isinstance(f, EncryptedTextField)),
    )


def person_trail_sources() -> dict[str, PersonTrailSource]:
    """The registered sources of a person's change trail, by key, in the order of registration."""
    return dict(_PERSON_TRAIL)


# --- core's staff tables, through proxies of the audit app -----------------------------------------


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


StaffEvent = event_model(TrackedStaff, model_name="StaffEvent", verbose_name="職員の変更履歴", exclude=STAFF_NOT_COPIED)
RoleGrantEvent = event_model(TrackedRoleGrant, model_name="RoleGrantEvent", verbose_name="役割の付与の変更履歴")
