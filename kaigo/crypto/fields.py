"""EncryptedTextField: a model field that reads and writes plaintext in Python and stores only
AES-GCM ciphertext, bound to its table, column, person and row.

    class Resident(models.Model):
        name_kanji = EncryptedTextField("氏名")          # column name_kanji_ct (bytea)

    resident.name_kanji = "山田 太郎"    # kept in memory until save
    resident.save()                       # sealed in pre_save with the person's data key
    resident.name_kanji                   # decrypted on first access, then kept on the instance

The model says whose data key protects a row with ``encryption_person_id(self)`` (a resident:
its own number). Fails closed: anything but a sealed value is refused on the way to the
database (so ``QuerySet.update(name_kanji="...")`` and ``bulk_update`` with plaintext raise
instead of writing plaintext); lookups other than ``isnull`` raise; serialisation
(``dumpdata``) refuses.
"""

from __future__ import annotations

from django.core.exceptions import FieldError
from django.db import models

from kaigo.crypto import envelope
from kaigo.crypto.deks import dek_for
from kaigo.crypto.errors import CryptoError

_PENDING = "_encrypted_pending"
_PLAIN = "_encrypted_plain"


class PlaintextRefused(CryptoError):
    code = "plaintext_refused"


class _Descriptor:
    def __init__(self, field: EncryptedTextField):
        self.field = field

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        pending = instance.__dict__.get(_PENDING, {})
        if self.field.name in pending:
            return pending[self.field.name]
        plain = instance.__dict__.setdefault(_PLAIN, {})
        if self.field.name not in plain:
            plain[self.field.name] = self.field.decrypt(instance)
        return plain[self.field.name]

    def __set__(self, instance, value):
        if value is not None and not isinstance(value, str):
            raise TypeError(f"{self.field.name} takes text or None")
        instance.__dict__.setdefault(_PENDING, {})[self.field.name] = value
        instance.__dict__.get(_PLAIN, {}).pop(self.field.name, None)


class EncryptedTextField(models.BinaryField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def get_attname(self) -> str:
        return f"{self.name}_ct"

    def get_attname_column(self):
        attname = self.get_attname()
        return attname, self.db_column or attname

    def contribute_to_class(self, cls, name, private_only=False):
        super().contribute_to_class(cls, name, private_only)
        setattr(cls, name, _Descriptor(self))

    # --- encryption ------------------------------------------------------------------------

    def aad(self, instance) -> bytes:
        return envelope.field_aad(instance._meta.db_table, self.column, instance.encryption_person_id(), instance.pk)

    def seal(self, instance, plaintext: str) -> bytes:
        dek, gen = dek_for(instance.encryption_person_id())
        return envelope.seal(dek, gen, plaintext, self.aad(instance))

    def decrypt(self, instance) -> str | None:
        blob = getattr(instance, self.attname)
        if blob is None:
            return None
        dek, _ = dek_for(instance.encryption_person_id())
        return envelope.open_sealed(dek, blob, self.aad(instance))

    def decrypt_raw(self, *, person_id: int, row_id: int, blob) -> str | None:
        """Decrypt a value read with values_list() (no model instance: for scanning many rows)."""
        if blob is None:
            return None
        dek, _ = dek_for(person_id)
        return envelope.open_sealed(dek, blob, envelope.field_aad(self.model._meta.db_table, self.column, person_id, row_id))

    def pre_save(self, model_instance, add):
        pending = model_instance.__dict__.get(_PENDING, {})
        if self.name in pending:
            plaintext = pending.pop(self.name)
            blob = None if plaintext is None else self.seal(model_instance, plaintext)
            setattr(model_instance, self.attname, blob)
            model_instance.__dict__.setdefault(_PLAIN, {})[self.name] = plaintext
        return getattr(model_instance, self.attname)

    def get_db_prep_save(self, value, connection):
        if value is not None and not hasattr(value, "resolve_expression") and not envelope.is_sealed(value):
            raise PlaintextRefused(f"{self.name}: 暗号化されていない値は保存できません。")
        return super().get_db_prep_save(value, connection)

    def get_lookup(self, lookup_name):
        if lookup_name != "isnull":
            raise FieldError(f"{self.name} is encrypted: search it through its blind index, not '{lookup_name}'")
        return super().get_lookup(lookup_name)

    def value_to_string(self, obj):
        raise FieldError(f"{self.name} is encrypted and is not serialised")


def sealed_column_checks(table: str, columns: list[str]) -> tuple[str, str]:
    """(forward, reverse) SQL of CHECK constraints that only sealed values (or NULL) enter the
    encrypted columns, whatever the write path: ORM expressions, raw SQL, COPY."""
    forward = "; ".join(
        f'ALTER TABLE "{table}" ADD CONSTRAINT "{table}_{column}_sealed" CHECK '
        f"(\"{column}\" IS NULL OR (substring(\"{column}\" from 1 for 2) = '\\x4531'::bytea AND length(\"{column}\") >= 31))"
        for column in columns
    )
    reverse = "; ".join(f'ALTER TABLE "{table}" DROP CONSTRAINT "{table}_{column}_sealed"' for column in columns)
    return forward, reverse
