"""Key operations: a person's data key, crypto-shredding, and the helpers of rotation and
verification (their batch kinds are in batch_kinds.py)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.apps import apps
from django.db import transaction
from django.utils import timezone

from kaigo.crypto.deks import (
    dek_for,
    dek_forget,
    dek_new,
    dek_preload,
    dek_remember,
    dek_wrap,
)
from kaigo.crypto.envelope import field_aad, open_sealed
from kaigo.crypto.errors import CryptoError
from kaigo.crypto.fields import EncryptedTextField
from kaigo.crypto.models import PersonKey
from kaigo.crypto.signals import key_operation

logger = logging.getLogger(__name__)


def person_key_create(*, person_id: int) -> PersonKey:
    """A new data key for a new person, wrapped by the active key-encryption key (call inside the
    transaction that creates the person)."""
    dek = dek_new()
    version, wrapped = dek_wrap(person_id, dek)
    key = PersonKey.objects.create(person_id=person_id, kek_version=version, wrapped_dek=wrapped)
    dek_remember(person_id, dek, key.dek_gen)
    return key


def person_shred(*, person_id: int, actor, reason: str) -> None:
    """Crypto-shred one person: destroy their data key. Every encrypted field of theirs becomes
    unreadable at once; backups follow once their key-encryption keys are destroyed."""
    if not reason.strip():
        raise CryptoError("消去の理由を入力してください。", code="reason_required")
    with transaction.atomic(durable=True):
        updated = PersonKey.objects.filter(person_id=person_id, wrapped_dek__isnull=False).update(
            wrapped_dek=None, shredded_at=timezone.now()
        )
        if not updated:
            raise CryptoError("対象の暗号鍵がないか、既に消去されています。", code="not_found")
        key_operation_record(actor=actor, operation="shred", person=person_id)
    dek_forget(person_id)
    logger.warning("person key shredded: person=%s by=%s", person_id, getattr(actor, "username", "command"))


def key_operation_record(*, actor, operation: str, **detail) -> None:
    """A key operation in the audit chain of access-right and key events (codes and numbers only),
    written by the audit app's receiver of ``key_operation`` in the caller's transaction; raises
    when no receiver is connected (kaigo/crypto/signals.py)."""
    key_operation.send(sender=PersonKey, actor=actor, operation=operation, detail=detail)


def encrypted_models() -> list[tuple[type, list[EncryptedTextField]]]:
    """Every model with encrypted fields, and those fields (models say whose key protects a row
    with the class attribute ``encryption_person_field``)."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy:  # shares its concrete model's table (e.g. audit.TrackedStaff)
            continue
        fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if fields:
            found.append((model, fields))
    return found


def verify_persons(person_ids: Iterable[int]) -> list[tuple[int, str, str]]:
    """Decrypt every encrypted value of these persons; (person id, "model.field", reason) for each
    that fails. Shredded persons are skipped: unreadable is what they should be."""
    person_ids = list(person_ids)
    live = set(
        PersonKey.objects.filter(person_id__in=person_ids, wrapped_dek__isnull=False).values_list("person_id", flat=True)
    )
    failures: list[tuple[int, str, str]] = []
    try:
        dek_preload(live)
    except CryptoError:  # find which keys fail, one by one
        for person_id in list(live):
            try:
                dek_preload([person_id])
            except CryptoError as exc:
                failures.append((person_id, "crypto.PersonKey", exc.message))
                live.discard(person_id)
    for model, fields in encrypted_models():
        person_field = model.encryption_person_field
        rows = model.objects.filter(**{f"{person_field}__in": live}).values_list(
            "pk", person_field, *[f.attname for f in fields]
        )
        for pk, person_id, *blobs in rows.iterator(chunk_size=2000):
            dek, _ = dek_for(person_id)
            for field, blob in zip(fields, blobs, strict=True):
                if blob is None:
                    continue
                try:
                    open_sealed(dek, blob, field_aad(model._meta.db_table, field.column, person_id, pk))
                except CryptoError as exc:
                    failures.append((person_id, f"{model._meta.label}.{field.name}", exc.message))
    return failures
