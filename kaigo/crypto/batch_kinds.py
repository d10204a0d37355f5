"""Batch kinds of key management: re-wrap every data key under the active key-encryption key
(rotation), and verify that every encrypted value decrypts. Both run while the system runs,
in chunks of persons, and resume after a crash without redoing finished chunks."""

from __future__ import annotations

from django.db import connection
from django.db.models import Count, F, Max, Min

from kaigo.batches.models import BatchChunk, BatchRun
from kaigo.batches.registry import (
    BatchKind,
    ChunkOutcome,
    ChunkSpec,
    RecordError,
    register,
)
from kaigo.crypto.deks import dek_cache_clear, dek_unwrap
from kaigo.crypto.envelope import wrap, wrap_aad
from kaigo.crypto.keyring import get_keyring, reset_keyring
from kaigo.crypto.models import PersonKey
from kaigo.crypto.services import verify_persons
from kaigo.crypto.signals import persons_read
from kaigo.db import copy_rows

CHUNK_PERSONS = 10_000


def person_chunks(chunk_persons: int | None = None) -> list[ChunkSpec]:
    """Chunks of person numbers with their real counts (one GROUP BY over the key table)."""
    chunk_persons = chunk_persons or CHUNK_PERSONS
    buckets = (
        PersonKey.objects.annotate(bucket=F("person_id") / chunk_persons)
        .values("bucket")
        .annotate(n=Count("person_id"), lo=Min("person_id"), hi=Max("person_id"))
        .order_by("bucket")
    )
    return [ChunkSpec(b["lo"], b["hi"] + 1, b["n"]) for b in buckets]


def keyring_with(version: str):
    """The keyring holding ``version``: a worker started before the rotation reloads it."""
    ring = get_keyring()
    if version not in ring.keks or ring.kek_active != version:
        reset_keyring()
        ring = get_keyring()
    return ring


@register
class RewrapDataKeys(BatchKind):
    name = "crypto.rewrap"
    label = "鍵暗号化鍵の更新（データ鍵の再ラップ）"
    required_params = {"kek_version": "新しい鍵暗号化鍵の版"}

    def plan(self, params):
        return person_chunks()

    def process(self, *, run: BatchRun, chunk: BatchChunk) -> ChunkOutcome:
        target = run.params["kek_version"]
        ring = keyring_with(target)
        if ring.kek_active != target:
            raise RuntimeError("the keyring's active key-encryption key is not the rotation's target")
        rows = PersonKey.objects.filter(person_id__gte=chunk.lo, person_id__lt=chunk.hi).values_list(
            "person_id", "kek_version", "wrapped_dek"
        )
        rewrapped, errors, total = [], [], 0
        new_kek = ring.kek(target)
        for person_id, version, wrapped in rows.iterator(chunk_size=5000):
            total += 1
            if wrapped is None or version == target:
                continue  # shredded, or already under the new key (a resumed chunk, or a new person)
            try:
                dek = dek_unwrap(person_id, version, wrapped)
            except Exception as exc:  # noqa: BLE001 - recorded per person, the others go on
                errors.append(RecordError(str(person_id), getattr(exc, "code", "unwrap_failed"),
                                          getattr(exc, "message", "データ鍵を復号できません。")))
                continue
            rewrapped.append((person_id, version, wrap(new_kek, dek, wrap_aad(person_id, target))))
        _apply_rewrap(rewrapped, target)
        if chunk.size != total:  # persons are never deleted (shredding keeps the row): must match
            raise RuntimeError("person key count changed under the chunk")
        return ChunkOutcome(succeeded=total - len(errors), errors=errors)


def _apply_rewrap(rows: list[tuple[int, str, bytes]], target: str) -> None:
    if not rows:
        return
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS pg_temp.rewrap")  # a chunk nested in an outer transaction
        cursor.execute(
            "CREATE TEMP TABLE rewrap (person_id bigint, old_version text, wrapped bytea) ON COMMIT DROP"
        )
    copy_rows("rewrap", ["person_id", "old_version", "wrapped"], rows)
    with connection.cursor() as cursor:
        # Only where the old version is still there: a concurrent change is never overwritten.
        cursor.execute(
            "UPDATE crypto_personkey p SET kek_version = %s, wrapped_dek = r.wrapped FROM rewrap r "
            "WHERE p.person_id = r.person_id AND p.kek_version = r.old_version",
            [target],
        )
    dek_cache_clear()


@register
class VerifyEncryption(BatchKind):
    name = "crypto.verify"
    label = "暗号化データの検証（全件復号）"

    def plan(self, params):
        return person_chunks()

    def process(self, *, run: BatchRun, chunk: BatchChunk) -> ChunkOutcome:
        ids = list(PersonKey.objects.filter(person_id__gte=chunk.lo, person_id__lt=chunk.hi).values_list("person_id", flat=True))
        # Decrypting is reading: one access-log row per chunk, with every person in it, written by
        # the audit app's receiver in the chunk's transaction, before anything is decrypted.
        persons_read.send(sender=VerifyEncryption, actor=run.operator, function=self.name, channel="batch",
                          person_ids=ids)
        failures = verify_persons(ids)
        bad = {}
        for person_id, where, reason in failures:
            bad.setdefault(person_id, RecordError(str(person_id), "undecryptable", f"{where}: {reason}"))
        return ChunkOutcome(succeeded=len(ids) - len(bad), errors=list(bad.values()))
